// pvesm: storage status and content listings (reference §7).
import { existsSync } from 'node:fs';
import type { Ctx } from './context.js';
import { SimError } from './errors.js';
import {
  listVolumes,
  readStorageCfg,
  storageCapacity,
  storageUsed,
  getStorage,
} from './storage.js';
import { padLeft, padRight } from './text.js';
import { dispatch, type CommandTable, type SubCommand } from './command.js';

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

const table: CommandTable = { status, list };

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
