import type { GuestConfig, GuestDisk, GuestNic, GuestType, PropertyString } from './types.js';

/**
 * Parses a Proxmox property string: `key=value` items separated by `,`; an item without `=`
 * is the value of the schema's default key (`local-lvm:vm-100-disk-0,size=32G` → file=…).
 */
export function parsePropertyString(text: string, defaultKey?: string): PropertyString {
  const result: PropertyString = {};
  for (const item of text.split(',')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq === -1) {
      result[defaultKey ?? item] = defaultKey ? item : '';
    } else {
      result[item.slice(0, eq)] = item.slice(eq + 1);
    }
  }
  return result;
}

const sizeUnits: Record<string, number> = {
  '': 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

/**
 * Parses a Proxmox disk size: `32G`, `4M`, `8589934592` (no unit means bytes), `1.5T`.
 * Returns bytes, or undefined when the text is not a size.
 */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)([KMGT]?)$/i.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * sizeUnits[match[2]!.toUpperCase()]!);
}

/** Bytes as GiB (may be fractional). */
export const bytesToGiB = (bytes: number): number => bytes / 1024 ** 3;

/** Proxmox's URL-encoded description (`Web server%3A production`) as text. */
export function decodeDescription(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A stray `%` not followed by hex: decode what can be decoded.
    return text.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) =>
      String.fromCharCode(parseInt(hex, 16)),
    );
  }
}

/** Tags as Proxmox accepts them: `;`, `,` or whitespace separated. */
export function parseTags(text: string | undefined): string[] {
  if (!text) return [];
  return text.split(/[;,\s]+/).filter((tag) => tag !== '');
}

/**
 * Parses `qm config` / `pct config` output: sorted `key: value` lines, description
 * URL-encoded, pct's raw `lxc.*` lines after the sorted keys.
 */
export function parseConfigText(id: number, type: GuestType, text: string): GuestConfig {
  const values: Record<string, string> = {};
  const lxc: Array<[string, string]> = [];
  const descriptionLines: string[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    if (line.trim() === '') continue;
    // A section header would start a snapshot or pending section; `qm config` prints none.
    if (/^\[.*\]$/.test(line)) break;
    if (line.startsWith('#')) {
      descriptionLines.push(decodeDescription(line.slice(1)));
      continue;
    }
    const lxcMatch = /^(lxc\.[^:=\s]+)\s*[:=]\s?(.*)$/.exec(line);
    if (lxcMatch) {
      lxc.push([lxcMatch[1]!, lxcMatch[2]!]);
      continue;
    }
    const match = /^([A-Za-z][\w-]*):\s?(.*)$/.exec(line);
    if (!match) continue;
    values[match[1]!] = match[2]!;
  }
  const config: GuestConfig = { id, type, values, tags: parseTags(values.tags), lxc };
  if (values.description !== undefined) config.description = decodeDescription(values.description);
  else if (descriptionLines.length > 0) config.description = descriptionLines.join('\n');
  if (values.digest !== undefined) config.digest = values.digest;
  return config;
}

/**
 * Parses the config API's JSON (`pvesh get /nodes/{node}/qemu/{id}/config --output-format json`):
 * same keys, JSON-typed values, description not URL-encoded, plus `digest`.
 */
export function parseConfigJson(id: number, type: GuestType, json: unknown): GuestConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new Error(`unexpected config for guest ${id}: not a JSON object`);
  }
  const values: Record<string, string> = {};
  const lxc: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    if (key === 'lxc' && Array.isArray(value)) {
      for (const entry of value) {
        if (Array.isArray(entry) && entry.length === 2)
          lxc.push([String(entry[0]), String(entry[1])]);
      }
      continue;
    }
    if (value === null || value === undefined) continue;
    values[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  const config: GuestConfig = { id, type, values, tags: parseTags(values.tags), lxc };
  if (values.description !== undefined) config.description = values.description;
  if (values.digest !== undefined) config.digest = values.digest;
  return config;
}

const qemuDiskKey = /^(ide|sata|scsi|virtio)\d+$|^(efidisk|tpmstate)0$|^unused\d+$/;
const lxcDiskKey = /^rootfs$|^mp\d+$|^unused\d+$/;

/** `base-9000-disk-0` in `base-9000-disk-0/vm-101-disk-0` (lvm/zfs) or `9000/base-9000-disk-0.qcow2/101/…` (dir). */
function linkedBase(volname: string): GuestDisk['base'] {
  const match = /(?:^|\/)(base-(\d+)-disk-\d+(?:\.\w+)?)\//.exec(volname);
  if (!match) return undefined;
  return { id: Number(match[2]), volname: match[1]! };
}

/** The disks and mount points of a config, in key order. */
export function guestDisks(config: GuestConfig): GuestDisk[] {
  const pattern = config.type === 'qemu' ? qemuDiskKey : lxcDiskKey;
  const disks: GuestDisk[] = [];
  for (const [key, value] of Object.entries(config.values)) {
    if (!pattern.test(key)) continue;
    const options = parsePropertyString(
      value,
      key.startsWith('unused') ? 'file' : config.type === 'qemu' ? 'file' : 'volume',
    );
    const volume = options.file ?? options.volume ?? '';
    const colon = volume.indexOf(':');
    const storage = colon > 0 && !volume.startsWith('/') ? volume.slice(0, colon) : undefined;
    const volname = storage ? volume.slice(colon + 1) : undefined;
    const size = options.size !== undefined ? parseSize(options.size) : undefined;
    const disk: GuestDisk = {
      key,
      volume,
      media: options.media === 'cdrom' ? 'cdrom' : 'disk',
      cloudinit: /(?:^|\/)vm-\d+-cloudinit(?:\.\w+)?$/.test(volname ?? ''),
      options,
    };
    if (storage) disk.storage = storage;
    if (volname) disk.volname = volname;
    if (size !== undefined) disk.sizeBytes = size;
    const base = volname ? linkedBase(volname) : undefined;
    if (base) disk.base = base;
    disks.push(disk);
  }
  return disks;
}

/** qemu NIC models: in the stored form the model is the key of the MAC (`virtio=BC:24:11:…`). */
export const QEMU_NIC_MODELS = [
  'e1000',
  'e1000-82540em',
  'e1000-82544gc',
  'e1000-82545em',
  'e1000e',
  'i82551',
  'i82557b',
  'i82559er',
  'ne2k_isa',
  'ne2k_pci',
  'pcnet',
  'rtl8139',
  'virtio',
  'vmxnet3',
] as const;

/** Parses a qemu `netN` value (`virtio=BC:24:11:3F:A2:7C,bridge=vmbr0,firewall=1,tag=10`). */
export function parseQemuNet(key: string, value: string): GuestNic {
  const options = parsePropertyString(value, 'model');
  let model = options.model ?? '';
  let mac = options.macaddr;
  for (const candidate of QEMU_NIC_MODELS) {
    if (options[candidate] !== undefined) {
      model = candidate;
      if (options[candidate] !== '') mac = options[candidate];
    }
  }
  return nic(key, model, mac, options);
}

/** Parses an lxc `netN` value (`name=eth0,bridge=vmbr0,hwaddr=BC:24:11:…,ip=dhcp,type=veth`). */
export function parseLxcNet(key: string, value: string): GuestNic {
  const options = parsePropertyString(value, 'name');
  const result = nic(key, options.type ?? 'veth', options.hwaddr, options);
  if (options.name !== undefined) result.name = options.name;
  return result;
}

function nic(
  key: string,
  model: string,
  mac: string | undefined,
  options: PropertyString,
): GuestNic {
  const result: GuestNic = { key, model, firewall: options.firewall === '1', options };
  if (mac) result.mac = mac.toUpperCase();
  if (options.bridge !== undefined) result.bridge = options.bridge;
  if (options.tag !== undefined && /^\d+$/.test(options.tag)) result.tag = Number(options.tag);
  return result;
}

/** The NICs of a config, sorted by index. */
export function guestNics(config: GuestConfig): GuestNic[] {
  return Object.entries(config.values)
    .filter(([key]) => /^net\d+$/.test(key))
    .sort(([a], [b]) => Number(a.slice(3)) - Number(b.slice(3)))
    .map(([key, value]) =>
      config.type === 'qemu' ? parseQemuNet(key, value) : parseLxcNet(key, value),
    );
}

/** `protection: 1` blocks destroy. */
export const isProtected = (config: GuestConfig): boolean => config.values.protection === '1';

/** `template: 1`. */
export const isTemplateConfig = (config: GuestConfig): boolean => config.values.template === '1';
