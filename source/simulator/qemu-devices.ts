// Drives, NICs and boot order of VM configs (reference §4 "Value formats").
import { generateMac } from './guest-common.js';
import { endpoint, type PropSchema } from './schema/schema.js';
import { parsePropertyString, printPropertyString, type Errors } from './schema/validate.js';

export const diskBuses = ['ide', 'scsi', 'virtio', 'sata'] as const;
export const isDiskKey = (key: string) =>
  /^(ide[0-3]|scsi([0-9]|[12][0-9]|30)|virtio([0-9]|1[0-5])|sata[0-5]|efidisk0|tpmstate0)$/.test(
    key,
  );
export const isNetKey = (key: string) => /^net\d+$/.test(key);

function familySchema(key: string): PropSchema {
  const props = endpoint('POST /nodes/{node}/qemu').properties;
  const family = key.replace(/\d+$/, '[n]');
  return props[key] ?? props[family]!;
}

export function formatOf(key: string): Record<string, PropSchema> {
  return familySchema(key).format as Record<string, PropSchema>;
}

export function parseDrive(key: string, value: string): Record<string, string> {
  const errors: Errors = {};
  return parsePropertyString(key, value, formatOf(key), errors) ?? { file: value };
}

export function printDrive(key: string, drive: Record<string, string>): string {
  return printPropertyString(drive, formatOf(key));
}

export function isCdrom(drive: Record<string, string>): boolean {
  return drive.media === 'cdrom';
}

export function parseNet(value: string): Record<string, string> {
  const errors: Errors = {};
  return parsePropertyString('net', value, formatOf('net0'), errors) ?? {};
}

/** Stored form: `virtio=MAC,bridge=...` then the other keys sorted; a MAC is generated if missing. */
export function printNet(net: Record<string, string>, regenerateMac = false): string {
  const { model, macaddr, ...rest } = net;
  const mac = !macaddr || regenerateMac ? generateMac() : macaddr.toUpperCase();
  const parts = [`${model}=${mac}`];
  for (const key of Object.keys(rest).sort()) parts.push(`${key}=${rest[key]}`);
  return parts.join(',');
}

/** `boot: order=<first disk>;<first cdrom>;<first net>` as qm create adds it. */
export function defaultBootOrder(props: Record<string, string>): string {
  const order: string[] = [];
  const keys = [
    ...[0, 1, 2, 3].map((i) => `ide${i}`),
    ...Array.from({ length: 31 }, (_, i) => `scsi${i}`),
    ...Array.from({ length: 16 }, (_, i) => `virtio${i}`),
    ...Array.from({ length: 6 }, (_, i) => `sata${i}`),
  ];
  const disk = keys.find((k) => props[k] && !isCdrom(parseDrive(k, props[k]!)));
  const cdrom = keys.find(
    (k) => props[k] && isCdrom(parseDrive(k, props[k]!)) && !/cloudinit/.test(props[k]!),
  );
  const net = Array.from({ length: 32 }, (_, i) => `net${i}`).find((k) => props[k]);
  for (const k of [disk, cdrom, net]) if (k) order.push(k);
  return order.length ? `order=${order.join(';')}` : '';
}

/** The disk `qm list` reports: first disk in boot order, else legacy bootdisk. */
export function bootDisk(props: Record<string, string>): string | undefined {
  const boot = props.boot ?? '';
  const order = /order=([^,]+)/.exec(boot)?.[1]?.split(';') ?? [];
  const first = order.find((k) => isDiskKey(k) && props[k] && !isCdrom(parseDrive(k, props[k]!)));
  return first ?? (props.bootdisk && props[props.bootdisk] ? props.bootdisk : undefined);
}

export function driveSizeBytes(value: string | undefined): number {
  if (!value) return 0;
  const m = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT]?)(?:,|$)/.exec(value);
  if (!m) return 0;
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[
    m[2] as '' | 'K' | 'M' | 'G' | 'T'
  ];
  return Math.round(Number(m[1]) * unit);
}

export function memoryMiB(props: Record<string, string>): number {
  const raw = props.memory;
  if (!raw) return 512;
  const m = /(?:^|current=)(\d+)/.exec(raw);
  return m ? Number(m[1]) : 512;
}
