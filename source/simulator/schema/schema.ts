// The Proxmox API parameter schemas the simulator validates against (extracted by extract.mjs).
import api from './api.json' with { type: 'json' };

export interface PropSchema {
  type?: string;
  format?: string | Record<string, PropSchema>;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  optional?: number;
  default?: unknown;
  default_key?: number;
  alias?: string;
  keyAlias?: string;
  typetext?: string;
  requires?: string;
}

export interface EndpointSchema {
  properties: Record<string, PropSchema>;
  additionalProperties: number;
}

const raw = api as Record<string, string>;
const cache = new Map<string, EndpointSchema>();

/** One endpoint's parameters, parsed on first use only. */
export function endpoint(key: string): EndpointSchema {
  let schema = cache.get(key);
  if (!schema) {
    const text = raw[key];
    if (!text) throw new Error(`simulator schema has no endpoint ${key}`);
    schema = JSON.parse(text) as EndpointSchema;
    cache.set(key, schema);
  }
  return schema;
}

export function hasEndpoint(key: string): boolean {
  return key in raw;
}

/** Highest index + 1 of the numbered option families (`net[n]` → net0..net31). */
export const familySizes: Record<string, number> = {
  net: 32,
  scsi: 31,
  ide: 4,
  sata: 6,
  virtio: 16,
  ipconfig: 32,
  serial: 4,
  parallel: 3,
  usb: 14,
  hostpci: 16,
  unused: 256,
  numa: 8,
  mp: 256,
  dev: 256,
  virtiofs: 10,
};

/** Expands `net[n]` into net0..net31; other names map to themselves. */
export function expandProperties(props: Record<string, PropSchema>): Map<string, PropSchema> {
  const out = new Map<string, PropSchema>();
  for (const [name, schema] of Object.entries(props)) {
    const family = /^(.+)\[n\]$/.exec(name);
    if (family) {
      const size = familySizes[family[1]!] ?? 10;
      for (let i = 0; i < size; i++) out.set(`${family[1]}${i}`, schema);
    } else out.set(name, schema);
  }
  return out;
}
