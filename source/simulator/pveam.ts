// pveam: the container template catalogue (reference §7).
import { existsSync, unlinkSync } from 'node:fs';
import type { Ctx } from './context.js';
import { ParamError, SimError } from './errors.js';
import { writeAtomic } from './fsutil.js';
import {
  getStorage,
  listVolumes,
  parseVolid,
  readStorageCfg,
  volumePath,
  type StorageDef,
} from './storage.js';
import { padRight } from './text.js';
import { dispatch, paramError, task, type CommandTable, type SubCommand } from './command.js';

export interface TemplateInfo {
  section: 'system' | 'mail' | 'turnkeylinux';
  file: string;
  arch: string;
  os: string;
  version: string;
  size: number;
  headline: string;
}

const mib = (n: number) => Math.round(n * 1024 * 1024);

export const catalogue: TemplateInfo[] = [
  {
    section: 'system',
    file: 'almalinux-9-default_20240911_amd64.tar.xz',
    arch: 'amd64',
    os: 'almalinux',
    version: '9',
    size: mib(98.4),
    headline: 'AlmaLinux 9 (default)',
  },
  {
    section: 'system',
    file: 'alpine-3.20-default_20240908_amd64.tar.xz',
    arch: 'amd64',
    os: 'alpine',
    version: '3.20',
    size: mib(2.97),
    headline: 'Alpine Linux 3.20 (default)',
  },
  {
    section: 'system',
    file: 'archlinux-base_20240911-1_amd64.tar.zst',
    arch: 'amd64',
    os: 'archlinux',
    version: '20240911',
    size: mib(181.2),
    headline: 'ArchLinux base image',
  },
  {
    section: 'system',
    file: 'debian-11-standard_11.7-1_amd64.tar.zst',
    arch: 'amd64',
    os: 'debian-11',
    version: '11.7-1',
    size: mib(118.7),
    headline: 'Debian 11 Bullseye (standard)',
  },
  {
    section: 'system',
    file: 'debian-12-standard_12.7-1_amd64.tar.zst',
    arch: 'amd64',
    os: 'debian-12',
    version: '12.7-1',
    size: mib(126.14),
    headline: 'Debian 12 Bookworm (standard)',
  },
  {
    section: 'system',
    file: 'fedora-40-default_20240909_amd64.tar.xz',
    arch: 'amd64',
    os: 'fedora',
    version: '40',
    size: mib(89.6),
    headline: 'Fedora 40 (default)',
  },
  {
    section: 'system',
    file: 'rockylinux-9-default_20240912_amd64.tar.xz',
    arch: 'amd64',
    os: 'rockylinux',
    version: '9',
    size: mib(99.1),
    headline: 'Rocky Linux 9 (default)',
  },
  {
    section: 'system',
    file: 'ubuntu-22.04-standard_22.04-1_amd64.tar.zst',
    arch: 'amd64',
    os: 'ubuntu-22.04',
    version: '22.04-1',
    size: mib(123.8),
    headline: 'Ubuntu 22.04 Jammy (standard)',
  },
  {
    section: 'system',
    file: 'ubuntu-24.04-standard_24.04-2_amd64.tar.zst',
    arch: 'amd64',
    os: 'ubuntu-24.04',
    version: '24.04-2',
    size: mib(141.2),
    headline: 'Ubuntu 24.04 Noble (standard)',
  },
  {
    section: 'mail',
    file: 'proxmox-mail-gateway-8.1-standard_8.1-1_amd64.tar.zst',
    arch: 'amd64',
    os: 'debian-12',
    version: '8.1-1',
    size: mib(532.4),
    headline: 'Proxmox Mail Gateway 8.1',
  },
  {
    section: 'turnkeylinux',
    file: 'debian-12-turnkey-nextcloud_18.0-1_amd64.tar.gz',
    arch: 'amd64',
    os: 'debian-12',
    version: '18.0-1',
    size: mib(412.9),
    headline: 'TurnKey Nextcloud',
  },
  {
    section: 'turnkeylinux',
    file: 'debian-12-turnkey-wordpress_18.1-1_amd64.tar.gz',
    arch: 'amd64',
    os: 'debian-12',
    version: '18.1-1',
    size: mib(301.5),
    headline: 'TurnKey WordPress',
  },
];

export const templateUrl = (t: TemplateInfo) =>
  t.section === 'turnkeylinux'
    ? `http://mirror.turnkeylinux.org/turnkeylinux/images/proxmox/${t.file}`
    : `http://download.proxmox.com/images/system/${t.file}`;

const available: SubCommand = {
  spec: {
    name: 'pveam available',
    options: { section: { type: 'string', enum: ['system', 'mail', 'turnkeylinux'], optional: 1 } },
  },
  run(ctx, { params }) {
    const rows = catalogue
      .filter((t) => !params.section || t.section === params.section)
      .sort((a, b) => a.section.localeCompare(b.section) || a.file.localeCompare(b.file));
    for (const t of rows) ctx.out(`${padRight(t.section, 15)} ${padRight(t.file, 60)} ${t.arch}\n`);
  },
};

const list: SubCommand = {
  spec: {
    name: 'pveam list',
    positional: ['storage'],
    options: { storage: { type: 'string', format: 'pve-storage-id' } },
  },
  run(ctx, { params }) {
    const storage = getStorage(ctx.env, params.storage!);
    if (!storage.content.includes('vztmpl'))
      throw new SimError('Storage does not support templates!');
    ctx.out(`${padRight('NAME', 60)} ${padRight('SIZE', 6)}\n`);
    for (const v of listVolumes(ctx.env, storage)
      .filter((v) => v.content === 'vztmpl')
      .sort((a, b) => a.volid.localeCompare(b.volid))) {
      ctx.out(`${padRight(v.volid, 60)} ${(v.size / 1024 / 1024).toFixed(2).padEnd(4)}MB\n`);
    }
  },
};

/** What downloading a template onto a storage of the node `env` plays does: its log and result. */
export function templateDownload(
  ctx: Ctx,
  env: Ctx['env'],
  storage: StorageDef,
  template: TemplateInfo,
): { log: string[]; error?: string; writes: { file: string; content: string }[] } {
  const file = volumePath(env, storage, `vztmpl/${template.file}`);
  const shown = `${storage.path ?? `/mnt/pve/${storage.id}`}/template/cache/${template.file}`;
  if (existsSync(file)) {
    return {
      log: [
        'calculating checksum of existing file...OK, got correct file already, no need to download',
      ],
      writes: [],
    };
  }
  if (ctx.faults.storageFull?.includes(storage.id))
    return { log: [], error: 'download failed: write error: No space left on device', writes: [] };
  const url = templateUrl(template);
  return {
    log: [
      `downloading ${url} to ${shown}`,
      `--2024-05-01 10:00:00--  ${url}`,
      `Saving to: '${shown}.tmp.${process.pid}'`,
      `     0K ........ ........ ........ ........ ........ ........ 100% 40.2M=${(template.size / 40e6).toFixed(1)}s`,
      'calculating checksum...OK, checksum verified',
      `download of '${url}' to '${shown}' finished`,
    ],
    writes: [{ file, content: JSON.stringify({ size: template.size }) }],
  };
}

/** The checks `pveam download` and the API make before the task starts. */
export function checkTemplateDownload(
  ctx: Ctx,
  node: string,
  storageId: string,
  templateFile: string,
): { storage: StorageDef; template: TemplateInfo } {
  const template = catalogue.find((entry) => entry.file === templateFile);
  if (!template) throw new ParamError({ template: 'no such template' });
  const storage = getStorage(ctx.env, storageId);
  if (storage.nodes && !storage.nodes.includes(node))
    throw new SimError(`storage '${storage.id}' is not available on node '${node}'`);
  if (!storage.content.includes('vztmpl'))
    throw new SimError(`storage '${storage.id}' does not support templates`);
  return { storage, template };
}

const download: SubCommand = {
  spec: {
    name: 'pveam download',
    endpoint: 'POST /nodes/{node}/aplinfo',
    positional: ['storage', 'template'],
  },
  run(ctx, { params }) {
    let checked;
    try {
      checked = checkTemplateDownload(ctx, ctx.env.node, params.storage!, params.template!);
    } catch (error) {
      if (error instanceof ParamError) throw paramError(download.spec, error.errors);
      throw error;
    }
    const { storage, template } = checked;
    return task(ctx, false, () => {
      const outcome = templateDownload(ctx, ctx.env, storage, template);
      if (outcome.error) throw new SimError(outcome.error);
      const [first, ...rest] = outcome.log;
      if (first !== undefined) ctx.out(`${first}\n`);
      if (outcome.writes.length > 0) ctx.delay('download');
      for (const line of rest) ctx.out(`${line}\n`);
      for (const write of outcome.writes) writeAtomic(write.file, write.content);
    });
  },
};

const update: SubCommand = {
  spec: { name: 'pveam update' },
  run(ctx) {
    ctx.out('update successful\n');
  },
};

const remove: SubCommand = {
  spec: {
    name: 'pveam remove',
    positional: ['template_path'],
    options: { template_path: { type: 'string' } },
  },
  run(ctx, { params }) {
    const parsed = parseVolid(params.template_path!);
    const storage = parsed && readStorageCfg(ctx.env).find((s) => s.id === parsed.storage);
    if (!parsed || !storage)
      throw new SimError(`unable to parse volume ID '${params.template_path}'`);
    try {
      unlinkSync(volumePath(ctx.env, storage, parsed.volname));
    } catch {
      // removing a missing template is silent
    }
  },
};

const table: CommandTable = { available, list, download, update, remove };

export function pveamMain(ctx: Ctx): number {
  return dispatch(ctx, table, ['available', 'download', 'help', 'list', 'remove', 'update']);
}
