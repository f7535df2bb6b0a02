// pvesm: storage status and content listings (reference §7).
import { existsSync, mkdirSync } from 'node:fs';
import type { Ctx } from './context.js';
import { SimError } from './errors.js';
import {
  allocVolume,
  freeVolume,
  getStorage,
  hostPath,
  listVolumes,
  readStorageCfg,
  storageCapacity,
  storageDir,
  storageUsed,
  volumeExists,
  writeStorageCfg,
} from './storage.js';
import { padLeft, padRight } from './text.js';
import { dispatch, paramError, type CommandTable, type SubCommand } from './command.js';

const status: SubCommand = {
  spec: {
    name: 'pvesm status',
    options: {
      storage: { type: 'string', format: 'pve-storage-id', optional: 1 },
      content: { type: 'string', optional: 1 },
      enabled: { type: 'boolean', optional: 1 },
      target: { type: 'string', optional: 1 },
      format: { type: 'boolean', optional: 1 },
    },
  },
  run(ctx, { params }) {
    let storages = readStorageCfg(ctx.env).sort((a, b) => a.id.localeCompare(b.id));
    if (params.storage) {
      storages = storages.filter((s) => s.id === params.storage);
      if (!storages.length) throw new SimError(`storage '${params.storage}' does not exist`);
    }
    if (params.content) storages = storages.filter((s) => s.content.includes(params.content!));
    if (params.enabled === '1') storages = storages.filter((s) => !s.disabled);
    const width = Math.max(0, ...storages.map((s) => s.id.length)) + 1;
    ctx.out(
      `${padRight('Name', width)} ${padLeft('Type', 10)} ${padLeft('Status', 10)} ${padLeft('Total (KiB)', 15)} ${padLeft('Used (KiB)', 15)} ${padLeft('Available (KiB)', 15)} ${padLeft('%', 8)}\n`,
    );
    for (const s of storages) {
      const { total } = storageCapacity(ctx.env, s.id);
      const used = s.disabled ? 0 : storageUsed(ctx.env, s);
      const kib = (n: number) => padLeft(Math.floor(n / 1024), 15);
      const pct = s.disabled
        ? padLeft('N/A', 8)
        : ` ${padLeft(((used / total) * 100).toFixed(2), 7)}%`;
      ctx.out(
        `${padRight(s.id, width)} ${padLeft(s.type, 10)} ${padLeft(s.disabled ? 'disabled' : 'active', 10)} ${kib(s.disabled ? 0 : total)} ${kib(used)} ${kib(s.disabled ? 0 : total - used)}${pct}\n`,
      );
    }
  },
};

const list: SubCommand = {
  spec: {
    name: 'pvesm list',
    positional: ['storage'],
    options: {
      storage: { type: 'string', format: 'pve-storage-id' },
      content: { type: 'string', optional: 1 },
      vmid: { type: 'integer', format: 'pve-vmid', optional: 1 },
    },
  },
  run(ctx, { params }) {
    const storage = getStorage(ctx.env, params.storage!);
    const volumes = listVolumes(ctx.env, storage)
      .filter((v) => !params.content || v.content === params.content)
      .filter((v) => !params.vmid || v.vmid === Number(params.vmid))
      .map((v) => ({
        ...v,
        content: v.content === 'images' && isContainer(ctx, v.vmid) ? 'rootdir' : v.content,
      }));
    const owned = volumes
      .filter((v) => v.vmid !== undefined)
      .sort((a, b) => a.volid.toLowerCase().localeCompare(b.volid.toLowerCase()));
    const other = volumes
      .filter((v) => v.vmid === undefined)
      .sort((a, b) => a.format.localeCompare(b.format) || a.volid.localeCompare(b.volid));
    const all = [...owned, ...other];
    const volidWidth = Math.max(5, ...all.map((v) => v.volid.length));
    const sizeWidth = Math.max(4, ...all.map((v) => String(v.size).length));
    ctx.out(
      `${padRight('Volid', volidWidth)} ${padRight('Format', 7)} ${padRight('Type', 9)} ${padLeft('Size', sizeWidth)} VMID\n`,
    );
    for (const v of all) {
      const line = `${padRight(v.volid, volidWidth)} ${padRight(v.format, 7)} ${padRight(v.content, 9)} ${padLeft(v.size, sizeWidth)}`;
      ctx.out(v.vmid !== undefined ? `${line} ${v.vmid}\n` : `${line}\n`);
    }
  },
};

function isContainer(ctx: Ctx, vmid: number | undefined): boolean {
  if (vmid === undefined) return false;
  try {
    return existsSync(`${ctx.env.dir}/nodes/${ctx.env.node}/lxc/${vmid}.conf`);
  } catch {
    return false;
  }
}

const cfgProps = (params: Record<string, string>, skip: string[]) => {
  const props: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (!skip.includes(k)) props[k] = v;
  return props;
};

const add: SubCommand = {
  spec: { name: 'pvesm add', endpoint: 'POST /storage', positional: ['type', 'storage'] },
  run(ctx, { params }) {
    const storages = readStorageCfg(ctx.env);
    if (storages.some((s) => s.id === params.storage)) {
      throw new SimError(`create storage failed: storage ID '${params.storage}' already defined`);
    }
    const type = params.type!;
    const need: Record<string, string[]> = {
      dir: ['path'],
      nfs: ['server', 'export'],
      cifs: ['server', 'share'],
      zfspool: ['pool'],
      lvmthin: ['vgname', 'thinpool'],
      lvm: ['vgname'],
    };
    const missing = (need[type] ?? []).filter((k) => params[k] === undefined);
    if (missing.length) {
      throw paramError(
        add.spec,
        Object.fromEntries(missing.map((k) => [k, 'property is missing and it is not optional'])),
      );
    }
    const props = cfgProps(params, ['type', 'storage']);
    if (type === 'nfs' || type === 'cifs') props.path ??= `/mnt/pve/${params.storage}`;
    if (type === 'dir' || type === 'nfs' || type === 'cifs') {
      props.content ??= type === 'dir' ? 'vztmpl,iso,backup' : 'images';
    } else props.content ??= 'images,rootdir';
    const def = {
      id: params.storage!,
      type,
      content: [],
      shared: props.shared === '1',
      disabled: false,
      path: props.path,
      props,
    };
    if (props.path !== undefined) mkdirSync(storageDir(ctx.env, def), { recursive: true });
    writeStorageCfg(ctx.env, [...storages, def]);
  },
};

const set: SubCommand = {
  spec: { name: 'pvesm set', endpoint: 'PUT /storage/{storage}', positional: ['storage'] },
  run(ctx, { params }) {
    const storages = readStorageCfg(ctx.env);
    const storage = storages.find((s) => s.id === params.storage);
    if (!storage)
      throw new SimError(
        `update storage failed: error with cfs lock 'file-storage_cfg': storage '${params.storage}' does not exist`,
      );
    for (const key of (params.delete ?? '').split(',').filter(Boolean)) delete storage.props[key];
    Object.assign(storage.props, cfgProps(params, ['storage', 'delete', 'digest']));
    writeStorageCfg(ctx.env, storages);
  },
};

const remove: SubCommand = {
  spec: { name: 'pvesm remove', endpoint: 'DELETE /storage/{storage}', positional: ['storage'] },
  run(ctx, { params }) {
    const storages = readStorageCfg(ctx.env);
    if (!storages.some((s) => s.id === params.storage)) {
      throw new SimError(
        `delete storage failed: error with cfs lock 'file-storage_cfg': storage '${params.storage}' does not exist`,
      );
    }
    writeStorageCfg(
      ctx.env,
      storages.filter((s) => s.id !== params.storage),
    );
  },
};

const alloc: SubCommand = {
  spec: {
    name: 'pvesm alloc',
    endpoint: 'POST /nodes/{node}/storage/{storage}/content',
    positional: ['storage', 'vmid', 'filename', 'size'],
  },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    const filename = params.filename!;
    if (!new RegExp(`^(vm|base)-${vmid}-`).test(filename) && filename !== '') {
      throw new SimError(`illegal name '${filename}' - should be 'vm-${vmid}-*'`);
    }
    const m = /^(\d+)([MG]?)$/.exec(params.size!)!;
    const bytes = Number(m[1]) * (m[2] === 'G' ? 1024 ** 3 : m[2] === 'M' ? 1024 ** 2 : 1024);
    const volid = allocVolume(ctx.env, params.storage!, vmid, bytes, {
      name: filename,
      format: params.format,
      storageFull: ctx.faults.storageFull?.includes(params.storage!),
    });
    ctx.out(`successfully created '${volid}'\n`);
  },
};

const free: SubCommand = {
  spec: {
    name: 'pvesm free',
    positional: ['volume'],
    options: { volume: { type: 'string' }, storage: { type: 'string', optional: 1 } },
  },
  run(ctx, { params }) {
    const volid = params.volume!;
    if (!volumeExists(ctx.env, volid)) throw new SimError(`volume '${volid}' does not exist`);
    freeVolume(ctx.env, volid);
  },
};

const path: SubCommand = {
  spec: { name: 'pvesm path', positional: ['volume'], options: { volume: { type: 'string' } } },
  run(ctx, { params }) {
    ctx.out(`${hostPath(ctx.env, params.volume!)}\n`);
  },
};

const table: CommandTable = { status, list, add, set, remove, alloc, free, path };

export function pvesmMain(ctx: Ctx): number {
  return dispatch(ctx, table, [
    'add',
    'alloc',
    'apiinfo',
    'cifsscan',
    'export',
    'extractconfig',
    'free',
    'glusterfsscan',
    'help',
    'import',
    'iscsiscan',
    'list',
    'lvmscan',
    'lvmthinscan',
    'nfsscan',
    'path',
    'prune-backups',
    'remove',
    'scan',
    'set',
    'status',
    'zfsscan',
  ]);
}
