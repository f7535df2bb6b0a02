import { parseTags } from './parse-config.js';
import type { BridgeInfo, GuestState, Snapshot, VersionInfo } from './types.js';

type Json = Record<string, unknown>;

const num = (value: unknown): number => {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
};
const str = (value: unknown): string | undefined =>
  value === undefined || value === null ? undefined : String(value);
const bool = (value: unknown): boolean => value === 1 || value === true || value === '1';

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`unexpected output from ${what}: not JSON (${(error as Error).message})`);
  }
}

function asArray(value: unknown, what: string): Json[] {
  if (!Array.isArray(value)) throw new Error(`unexpected output from ${what}: not a JSON array`);
  return value.filter((item): item is Json => item !== null && typeof item === 'object');
}

/**
 * Parses `pvesh get /cluster/resources --type vm --output-format json`. Entries of other types
 * (node, storage, pool, sdn — present when --type is not given) are skipped. Returned sorted by
 * id (Proxmox sorts lexically: 100, 1000, 101).
 */
export function parseClusterResources(text: string): GuestState[] {
  const what = 'pvesh get /cluster/resources';
  const guests: GuestState[] = [];
  for (const entry of asArray(parseJson(text, what), what)) {
    const type = entry.type;
    if (type !== 'qemu' && type !== 'lxc') continue;
    const id = num(entry.vmid ?? String(entry.id ?? '').split('/')[1]);
    const guest: GuestState = {
      id,
      type,
      node: str(entry.node) ?? '',
      name: str(entry.name) ?? (type === 'qemu' ? `VM ${id}` : `CT${id}`),
      status: str(entry.status) ?? 'unknown',
      template: bool(entry.template),
      tags: parseTags(str(entry.tags)),
      cpu: num(entry.cpu),
      maxcpu: num(entry.maxcpu),
      mem: num(entry.mem),
      maxmem: num(entry.maxmem),
      disk: num(entry.disk),
      maxdisk: num(entry.maxdisk),
      uptime: num(entry.uptime),
      netin: num(entry.netin),
      netout: num(entry.netout),
      diskread: num(entry.diskread),
      diskwrite: num(entry.diskwrite),
    };
    const lock = str(entry.lock);
    if (lock) guest.lock = lock;
    const pool = str(entry.pool);
    if (pool) guest.pool = pool;
    const hastate = str(entry.hastate);
    if (hastate) guest.hastate = hastate;
    guests.push(guest);
  }
  return guests.sort((a, b) => a.id - b.id);
}

/** Node names from `pvesh get /cluster/resources --type node --output-format json`. */
export function parseClusterNodes(text: string): string[] {
  const what = 'pvesh get /cluster/resources --type node';
  return asArray(parseJson(text, what), what)
    .filter((entry) => entry.type === 'node')
    .map((entry) => str(entry.node) ?? String(entry.id ?? '').replace(/^node\//, ''))
    .filter((node) => node !== '')
    .sort();
}

/**
 * Node addresses from `pvesh get /cluster/status --output-format json`: each node entry's `ip`,
 * the address corosync resolved for it (what Proxmox's own SSH between nodes connects to). A node
 * without one (offline) is in the map without an address.
 */
export function parseNodeAddresses(text: string): Map<string, string | undefined> {
  const what = 'pvesh get /cluster/status';
  const addresses = new Map<string, string | undefined>();
  for (const entry of asArray(parseJson(text, what), what)) {
    const name = str(entry.name);
    if (entry.type === 'node' && name) addresses.set(name, str(entry.ip) || undefined);
  }
  return addresses;
}

/** `pvesh get /nodes/{node}/network --type any_bridge --output-format json`. */
export function parseBridges(text: string): BridgeInfo[] {
  const what = 'pvesh get /nodes/{node}/network';
  return asArray(parseJson(text, what), what)
    .map((entry) => {
      const bridge: BridgeInfo = {
        name: str(entry.iface) ?? '',
        type: str(entry.type) ?? 'bridge',
        active: bool(entry.active),
        autostart: bool(entry.autostart),
        vlanAware: bool(entry.bridge_vlan_aware),
        ports: (str(entry.bridge_ports) ?? '').split(/\s+/).filter((port) => port !== ''),
      };
      const cidr = str(entry.cidr);
      if (cidr) bridge.cidr = cidr;
      const gateway = str(entry.gateway);
      if (gateway) bridge.gateway = gateway;
      const comments = str(entry.comments);
      if (comments) bridge.comments = comments.trim();
      return bridge;
    })
    .filter((bridge) => bridge.name !== '')
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** `pvesh get /version --output-format json`. */
export function parseVersion(text: string): VersionInfo {
  const value = parseJson(text, 'pvesh get /version') as Json;
  return {
    version: str(value?.version) ?? '',
    release: str(value?.release) ?? '',
    repoid: str(value?.repoid) ?? '',
  };
}

/** `pvesh get /cluster/nextid --output-format json`: a number (or a JSON string of one). */
export function parseNextId(text: string): number {
  const value = parseJson(text.trim() === '' ? '""' : text, 'pvesh get /cluster/nextid');
  const id = Number(value);
  if (!Number.isInteger(id) || id < 100) {
    throw new Error(`unexpected output from pvesh get /cluster/nextid: ${text.trim()}`);
  }
  return id;
}

/** `pvesh get /nodes/{node}/qemu|lxc/{id}/snapshot --output-format json`. */
export function parseSnapshotsJson(text: string): Snapshot[] {
  const what = 'pvesh get …/snapshot';
  return asArray(parseJson(text, what), what).map((entry) => {
    const name = str(entry.name) ?? '';
    const snapshot: Snapshot = {
      name,
      description: (str(entry.description) ?? '').trim(),
      vmstate: bool(entry.vmstate),
      current: name === 'current',
    };
    const parent = str(entry.parent);
    if (parent) snapshot.parent = parent;
    if (entry.snaptime !== undefined) snapshot.snaptime = num(entry.snaptime);
    return snapshot;
  });
}

/**
 * Parses the `qm listsnapshot` / `pct listsnapshot` tree:
 * "`-> snap1                       2024-05-01 10:00:00     before upgrade" with one leading
 * space per depth, ending with the `current` entry ("You are here!"). The parent of an entry is
 * the closest previous entry one level up.
 */
export function parseSnapshotTree(text: string): Snapshot[] {
  const snapshots: Snapshot[] = [];
  const stack: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^( *)`-> (\S+)\s*(.*)$/.exec(line.trimEnd());
    if (!match) continue;
    const depth = match[1]!.length;
    const name = match[2]!;
    let rest = match[3]!;
    let snaptime: number | undefined;
    const time = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\s*/.exec(rest);
    if (time) {
      // Printed in the host's local time; read it back the same way.
      snaptime = Math.floor(new Date(time[1]!.replace(' ', 'T')).getTime() / 1000);
      rest = rest.slice(time[0].length);
    }
    stack.length = depth;
    const parent = depth > 0 ? stack[depth - 1] : undefined;
    stack[depth] = name;
    const current = name === 'current' && rest.trim() === 'You are here!';
    const snapshot: Snapshot = {
      name,
      description: current || rest.trim() === 'no-description' ? '' : rest.trim(),
      vmstate: false,
      current,
    };
    if (parent) snapshot.parent = parent;
    if (snaptime !== undefined && Number.isFinite(snaptime)) snapshot.snaptime = snaptime;
    snapshots.push(snapshot);
  }
  return snapshots;
}
