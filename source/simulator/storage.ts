// storage.cfg and volumes. Dir storages map their path into the state dir, block storages
// (lvmthin, …) keep small JSON files per volume; a storage that is not shared has one store per
// node (node-root.ts: fs/… and sim/lvm/<storage>/ for the first node). Volume files hold
// {"size": N} (snippets hold their real content). Calls act on the storages of the node they play
// (env.node); pass `onNode(env, node)` for another node's.
import {
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  writeSync,
  readdirSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { SimError } from './errors.js';
import { paths, type SimEnv } from './env.js';
import { readJson, readText, writeAtomic } from './fsutil.js';
import { nodeBlockDir, nodeRoot } from './node-root.js';

export interface StorageDef {
  id: string;
  type: string;
  content: string[];
  path?: string;
  shared: boolean;
  disabled: boolean;
  nodes?: string[];
  props: Record<string, string>;
}

export interface Volume {
  storage: string;
  volname: string;
  volid: string;
  size: number;
  format: string;
  content: string;
  vmid?: number;
}

export function readStorageCfg(env: SimEnv): StorageDef[] {
  const text = readText(join(env.dir, 'storage.cfg')) ?? '';
  const out: StorageDef[] = [];
  let current: StorageDef | undefined;
  for (const line of text.split('\n')) {
    const head = /^(\w+):\s*(\S+)\s*$/.exec(line);
    if (head) {
      current = {
        id: head[2]!,
        type: head[1]!,
        content: [],
        shared: false,
        disabled: false,
        props: {},
      };
      out.push(current);
      continue;
    }
    const kv = /^\s+(\S+)(?:\s+(.*))?$/.exec(line);
    if (kv && current) {
      const [, key, value = ''] = kv;
      current.props[key!] = value;
      if (key === 'content') current.content = value.split(',').filter(Boolean);
      if (key === 'path') current.path = value;
      if (key === 'shared') current.shared = value === '1';
      if (key === 'disable') current.disabled = true;
      if (key === 'nodes') current.nodes = value.split(',');
    }
  }
  if (!out.some((s) => s.type === 'lvmthin' || s.type === 'lvm')) {
    // nothing special: keep whatever the cfg lists
  }
  return out;
}

export function getStorage(env: SimEnv, id: string): StorageDef {
  const storage = readStorageCfg(env).find((s) => s.id === id);
  if (!storage) throw new SimError(`storage '${id}' does not exist`);
  if (storage.disabled) throw new SimError(`storage '${id}' is disabled`);
  return storage;
}

/** Storage types that are one store for the whole cluster even without `shared 1`. */
const sharedTypes = new Set(['nfs', 'cifs', 'cephfs', 'rbd', 'glusterfs', 'iscsi', 'iscsidirect']);

/** One store that every node sees (`shared 1`, or a network storage), not one per node. */
export function isShared(storage: StorageDef): boolean {
  return storage.shared || sharedTypes.has(storage.type);
}

/** Where a dir storage's path lives inside the state dir (this node's copy unless shared). */
export function storageDir(env: SimEnv, storage: StorageDef): string {
  const root = isShared(storage) ? join(env.dir, 'fs') : nodeRoot(env);
  return join(root, storage.path ?? `/mnt/pve/${storage.id}`);
}

/** Where a block storage's volumes live (this node's copy unless shared). */
function blockDir(env: SimEnv, storage: StorageDef): string {
  return isShared(storage) ? paths.sim(env.dir, 'lvm', storage.id) : nodeBlockDir(env, storage.id);
}

const fileBased = (s: StorageDef) => ['dir', 'nfs', 'cifs', 'cephfs', 'btrfs'].includes(s.type);

const subdirs: Record<string, string> = {
  iso: 'template/iso',
  vztmpl: 'template/cache',
  backup: 'dump',
  snippets: 'snippets',
  import: 'import',
};

/** Path (inside the state dir) of a volume's backing file. */
export function volumePath(env: SimEnv, storage: StorageDef, volname: string): string {
  if (!fileBased(storage)) return join(blockDir(env, storage), volname);
  // a linked clone on a dir storage: <base vmid>/base-X.qcow2/<vmid>/vm-Y.qcow2
  const linked = /^\d+\/base-[^/]+\/(\d+\/.+)$/.exec(volname);
  if (linked) volname = linked[1]!;
  const [kind, ...rest] = volname.split('/');
  if (kind && subdirs[kind]) return join(storageDir(env, storage), subdirs[kind]!, rest.join('/'));
  return join(storageDir(env, storage), 'images', volname);
}

export function parseVolid(volid: string): { storage: string; volname: string } | undefined {
  const m = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i.exec(volid);
  return m ? { storage: m[1]!, volname: m[2]! } : undefined;
}

export function volumeExists(env: SimEnv, volid: string): boolean {
  const parsed = parseVolid(volid);
  if (!parsed) return false;
  const storage = readStorageCfg(env).find((s) => s.id === parsed.storage);
  return !!storage && existsSync(volumePath(env, storage, parsed.volname));
}

function recordSize(file: string): number {
  const text = readText(file);
  if (text === undefined) return 0;
  try {
    const parsed = JSON.parse(text) as { size?: number };
    if (typeof parsed.size === 'number') return parsed.size;
  } catch {
    // a real file (snippet)
  }
  return statSync(file).size;
}

export function volumeSize(env: SimEnv, volid: string): number {
  const parsed = parseVolid(volid);
  if (!parsed) return 0;
  const storage = readStorageCfg(env).find((s) => s.id === parsed.storage);
  return storage ? recordSize(volumePath(env, storage, parsed.volname)) : 0;
}

export function setVolumeSize(env: SimEnv, volid: string, size: number): void {
  const parsed = parseVolid(volid)!;
  const storage = getStorage(env, parsed.storage);
  const file = volumePath(env, storage, parsed.volname);
  const fd = openSync(file, 'w');
  writeSync(fd, JSON.stringify({ size }));
  closeSync(fd);
}

/** Capacity (bytes) and a base usage that is not from simulated volumes. */
export function storageCapacity(env: SimEnv, id: string): { total: number; baseUsed: number } {
  const sizes = readJson<Record<string, { total: number; baseUsed: number }>>(
    paths.sim(env.dir, 'storage-sizes.json'),
  );
  return sizes?.[id] ?? { total: 100 * 1024 ** 3, baseUsed: 0 };
}

export function listVolumes(env: SimEnv, storage: StorageDef): Volume[] {
  const out: Volume[] = [];
  const add = (volname: string, file: string, content: string, format: string, vmid?: number) =>
    out.push({
      storage: storage.id,
      volname,
      volid: `${storage.id}:${volname}`,
      size: recordSize(file),
      format,
      content,
      vmid,
    });
  const diskInfo = (name: string) => {
    const m = /^(?:vm|base)-(\d+)-(?:disk-\d+|cloudinit|state-[\w-]+)(?:\.(qcow2|raw|vmdk))?$/.exec(
      name,
    );
    return m ? { vmid: Number(m[1]), format: m[2] ?? 'raw' } : undefined;
  };
  if (!fileBased(storage)) {
    const dir = blockDir(env, storage);
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      return out;
    }
    for (const name of names) {
      const info = diskInfo(name);
      if (info) add(name, join(dir, name), 'images', info.format, info.vmid);
    }
    return out;
  }
  const root = storageDir(env, storage);
  try {
    for (const vmidDir of readdirSync(join(root, 'images'))) {
      for (const name of readdirSync(join(root, 'images', vmidDir))) {
        const info = diskInfo(name);
        if (info)
          add(
            `${vmidDir}/${name}`,
            join(root, 'images', vmidDir, name),
            'images',
            info.format,
            info.vmid,
          );
      }
    }
  } catch {
    // no images
  }
  for (const [content, sub] of Object.entries(subdirs)) {
    if (!storage.content.includes(content)) continue;
    let names: string[] = [];
    try {
      names = readdirSync(join(root, sub));
    } catch {
      continue;
    }
    for (const name of names) {
      if (name.includes('.tmp-')) continue;
      let format: string = content;
      if (content === 'vztmpl')
        format = name.endsWith('.tar.zst') ? 'tzst' : name.endsWith('.tar.gz') ? 'tgz' : 'txz';
      if (content === 'snippets') format = 'snippet';
      if (content === 'backup') format = name.replace(/^.*?\.(vma|tar)/, '$1');
      add(`${content}/${name}`, join(root, sub, name), content, format);
    }
  }
  return out;
}

export function storageUsed(env: SimEnv, storage: StorageDef): number {
  return (
    storageCapacity(env, storage.id).baseUsed +
    listVolumes(env, storage).reduce((sum, v) => sum + v.size, 0)
  );
}

/**
 * Allocates `<prefix>-<vmid>-disk-<lowest free N>` atomically (exclusive create), or a
 * cloud-init volume. Returns the volid.
 */
export function allocVolume(
  env: SimEnv,
  storageId: string,
  vmid: number,
  size: number,
  options: {
    base?: boolean;
    cloudinit?: boolean;
    format?: string;
    storageFull?: boolean;
    /** An exact file name (pvesm alloc). */
    name?: string;
  } = {},
): string {
  const storage = getStorage(env, storageId);
  const file = fileBased(storage);
  const format = file ? (options.format ?? 'qcow2') : 'raw';
  const suffix = file ? `.${format}` : '';
  const prefix = file ? `${vmid}/` : '';
  const full = () => {
    if (options.storageFull) return true;
    if (!file) return false; // thin pools overcommit
    const { total } = storageCapacity(env, storage.id);
    return size > total - storageUsed(env, storage);
  };
  if (full()) {
    {
      throw new SimError(
        file
          ? `unable to create image: qemu-img: ${storageDir(env, storage)}/images/${vmid}: Could not create image: No space left on device`
          : `lvcreate 'pve/vm-${vmid}-disk-0' error:   Volume group "pve" has insufficient free space`,
      );
    }
  }
  for (let n = 0; ; n++) {
    const exact = options.name !== undefined || options.cloudinit === true;
    const name = options.name
      ? options.name.replace(/\.(qcow2|raw|vmdk)$/, '') + suffix
      : options.cloudinit
        ? `vm-${vmid}-cloudinit${suffix}`
        : `${options.base ? 'base' : 'vm'}-${vmid}-disk-${n}${suffix}`;
    // a disk number is taken if either vm- or base- exists
    const other = name.startsWith('vm-')
      ? name.replace(/^vm-/, 'base-')
      : name.replace(/^base-/, 'vm-');
    const path = volumePath(env, storage, prefix + name);
    if (!exact && existsSync(volumePath(env, storage, prefix + other))) continue;
    mkdirSync(join(path, '..'), { recursive: true });
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ size }));
      closeSync(fd);
      return `${storage.id}:${prefix}${name}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (exact) throw new SimError(`volume '${storage.id}:${prefix}${name}' already exists`);
    }
  }
}

export function freeVolume(env: SimEnv, volid: string): void {
  const parsed = parseVolid(volid);
  if (!parsed) return;
  const storage = readStorageCfg(env).find((s) => s.id === parsed.storage);
  if (!storage) return;
  try {
    unlinkSync(volumePath(env, storage, parsed.volname));
  } catch {
    // already gone
  }
}

/** Renames vm-X-disk-N to base-X-disk-N (qm/pct template). Returns the new volid. */
export function renameToBase(env: SimEnv, volid: string): string {
  const parsed = parseVolid(volid);
  if (!parsed || !/(^|\/)vm-\d+-disk-\d+/.test(parsed.volname)) return volid;
  const storage = getStorage(env, parsed.storage);
  const newName = parsed.volname.replace(/(^|\/)vm-(\d+-disk-\d+)/, '$1base-$2');
  const size = recordSize(volumePath(env, storage, parsed.volname));
  const target = volumePath(env, storage, newName);
  const fd = openSync(target, 'w');
  writeSync(fd, JSON.stringify({ size }));
  closeSync(fd);
  unlinkSync(volumePath(env, storage, parsed.volname));
  return `${storage.id}:${newName}`;
}

/** Parses `32G`, `+1G`, `1024` (bytes) into bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(text);
  if (!m) return NaN;
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[
    m[2] as '' | 'K' | 'M' | 'G' | 'T'
  ];
  return Math.round(Number(m[1]) * unit);
}

/** `size=` rendering: the largest exact unit, else bytes. */
export function formatSize(bytes: number): string {
  for (const [unit, factor] of [
    ['T', 1024 ** 4],
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return String(bytes);
}

/** storage.cfg in Proxmox's layout: `type: id` then tab-indented `key value` lines. */
export function writeStorageCfg(env: SimEnv, storages: StorageDef[]): void {
  const text = storages
    .map((s) => {
      let out = `${s.type}: ${s.id}\n`;
      for (const [key, value] of Object.entries(s.props))
        out += `\t${key}${value === '' ? '' : ` ${value}`}\n`;
      return out;
    })
    .join('\n');
  writeAtomic(join(env.dir, 'storage.cfg'), text);
}

/** `pvesm path`: the host path (or device) of a volume. */
export function hostPath(env: SimEnv, volid: string): string {
  const parsed = parseVolid(volid);
  if (!parsed) throw new SimError(`unable to parse volume ID '${volid}'`);
  const storage = getStorage(env, parsed.storage);
  if (!fileBased(storage)) return `/dev/${storage.props.vgname ?? 'pve'}/${parsed.volname}`;
  const base = storage.path ?? `/mnt/pve/${storage.id}`;
  const [kind, ...rest] = parsed.volname.split('/');
  if (kind && subdirs[kind]) return `${base}/${subdirs[kind]}/${rest.join('/')}`;
  return `${base}/images/${parsed.volname}`;
}
