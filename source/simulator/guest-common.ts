// Behaviour shared by VMs and containers: tags, MACs, locks in config, snapshot trees.
import { randomBytes, randomUUID, createHash } from 'node:crypto';
import type { GuestConfig } from './config-file.js';
import { SimError } from './errors.js';
import { padRight } from './text.js';

/** Tags: `;`, `,` or whitespace separated; lower-cased, de-duplicated, sorted, `;`-joined. */
export function normaliseTags(value: string): string {
  const tags = [
    ...new Set(
      value
        .split(/[;,\s]+/)
        .filter(Boolean)
        .map((t) => t.toLowerCase()),
    ),
  ].sort();
  return tags.join(';');
}

export function generateMac(): string {
  const bytes = randomBytes(3);
  return [
    'BC',
    '24',
    '11',
    ...[...bytes].map((b) => b.toString(16).toUpperCase().padStart(2, '0')),
  ].join(':');
}

export const uuid = () => randomUUID();

/** URI-escape like PVE: everything except A-Za-z0-9-._~ */
export function uriEscape(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(ch)
      ? ch
      : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** A `$5$` crypt-looking hash (the simulator does not need the real sha256-crypt). */
export function hashPassword(password: string): string {
  if (/^\$(1|5|6|2a|2y)\$/.test(password)) return password;
  const salt = randomBytes(6).toString('base64').replace(/[+=]/g, '.').slice(0, 8);
  const digest = createHash('sha256')
    .update(salt + password)
    .digest('base64')
    .replace(/[+=]/g, '.')
    .slice(0, 43);
  return `$5$${salt}$${digest}`;
}

export function checkLock(
  config: GuestConfig,
  kind: 'qemu' | 'lxc',
  skiplock = false,
  ignore: string[] = [],
): void {
  const lock = config.main.props.lock;
  if (lock && !skiplock && !ignore.includes(lock)) {
    throw new SimError(`${kind === 'qemu' ? 'VM' : 'CT'} is locked (${lock})`);
  }
}

/** `qm|pct listsnapshot`: the `-> tree, siblings by snaptime, `current` last under its parent. */
export function snapshotTree(config: GuestConfig): string {
  const snaps = config.snapshots;
  const children = new Map<string, string[]>();
  for (const [name, section] of Object.entries(snaps)) {
    const parent = section.props.parent && snaps[section.props.parent] ? section.props.parent : '';
    children.set(parent, [...(children.get(parent) ?? []), name]);
  }
  const time = (name: string) => Number(snaps[name]?.props.snaptime ?? 0);
  let out = '';
  const line = (depth: number, name: string, when: string, descr: string) => {
    const prefix = `${' '.repeat(depth)}\`->`;
    out += `${prefix} ${padRight(name, 30 - prefix.length)} ${padRight(when, 23)} ${descr}\n`;
  };
  const current =
    config.main.props.parent && snaps[config.main.props.parent] ? config.main.props.parent : '';
  const walk = (parent: string, depth: number) => {
    const kids = [...(children.get(parent) ?? [])].sort(
      (a, b) => time(a) - time(b) || a.localeCompare(b),
    );
    for (const kid of kids) {
      const section = snaps[kid]!;
      const descr = (section.props.description ?? '').split('\n')[0] || 'no-description';
      line(depth, kid, formatLocal(time(kid)), descr);
      walk(kid, depth + 1);
    }
    if (parent === current) line(depth, 'current', '', 'You are here!');
  };
  walk('', 0);
  return out;
}

function formatLocal(epoch: number): string {
  const d = new Date(epoch * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Snapshot copy of the main section: everything except lock, parent and snapshot-only keys. */
export function snapshotOf(config: GuestConfig, description?: string): GuestConfig['main'] {
  const props = { ...config.main.props };
  delete props.lock;
  delete props.parent;
  delete props.description;
  if (config.main.props.parent) props.parent = config.main.props.parent;
  if (description) props.description = description;
  props.snaptime = String(Math.floor(Date.now() / 1000));
  return { props, lxc: [...config.main.lxc] };
}

export function validSnapname(name: string, reserved: string[]): void {
  if (reserved.includes(name.toLowerCase()))
    throw new SimError(`unable to use snapshot name '${name}' (reserved name)`);
}
