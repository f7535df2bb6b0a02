// qm: QEMU/KVM virtual machines (reference §1, §3, §4).
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from './context.js';
import { type GuestConfig } from './config-file.js';
import { encodeDescription, effectiveProps } from './config-file.js';
import { SimError } from './errors.js';
import { paths } from './env.js';
import { writeAtomic } from './fsutil.js';
import {
  findGuest,
  forgetGuest,
  getRuntime,
  listGuests,
  listNodes,
  loadConfig,
  markCreated,
  removeConfig,
  runningIds,
  saveConfig,
  setRuntime,
  type GuestRef,
} from './cluster.js';
import {
  checkLock,
  hashPassword,
  normaliseTags,
  snapshotOf,
  snapshotTree,
  uriEscape,
  uuid,
  validSnapname,
} from './guest-common.js';
import { withGuestLock } from './lock.js';
import { nodeRoot, onNode } from './node-root.js';
import { bootDelays } from './latency.js';
import {
  bootDisk,
  defaultBootOrder,
  driveSizeBytes,
  isCdrom,
  isDiskKey,
  isNetKey,
  memoryMiB,
  parseDrive,
  parseNet,
  printDrive,
  printNet,
} from './qemu-devices.js';
import {
  allocVolume,
  formatSize,
  freeVolume,
  getStorage,
  parseSize,
  parseVolid,
  renameToBase,
  readStorageCfg,
  setVolumeSize,
  volumeExists,
  volumeSize,
} from './storage.js';
import { padLeft, padRight } from './text.js';
import {
  dispatch,
  paramError,
  task,
  boolOpt,
  type CommandTable,
  type SubCommand,
} from './command.js';
import {
  agentCommand,
  guestExec,
  guestExecStatus,
  cloudinitDump,
  vmStatusVerbose,
} from './qm-guest.js';

const ep = (method: string, tail = '') => `${method} /nodes/{node}/qemu${tail}`;
const CONFIG = '/{vmid}/config';

const allNames = [
  'agent',
  'cleanup',
  'clone',
  'cloudinit',
  'config',
  'create',
  'delsnapshot',
  'destroy',
  'disk',
  'guest',
  'help',
  'importdisk',
  'importovf',
  'list',
  'listsnapshot',
  'migrate',
  'monitor',
  'move-disk',
  'move_disk',
  'mtunnel',
  'nbdstop',
  'pending',
  'reboot',
  'remote-migrate',
  'rescan',
  'reset',
  'resize',
  'resume',
  'rollback',
  'sendkey',
  'set',
  'showcmd',
  'shutdown',
  'snapshot',
  'start',
  'status',
  'stop',
  'suspend',
  'template',
  'terminal',
  'unlink',
  'unlock',
  'vncproxy',
  'wait',
];

/** Options that go into the generated cloud-init ISO. */
const ciKey =
  /^(ciuser|cipassword|cicustom|ipconfig\d+|sshkeys|nameserver|searchdomain|citype|ciupgrade)$/;

function ciValues(props: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(props).filter(([k]) => ciKey.test(k)));
}

const controlKeys = new Set([
  'vmid',
  'storage',
  'start',
  'pool',
  'unique',
  'force',
  'archive',
  'live-restore',
  'ha-managed',
  'import-working-storage',
  'skiplock',
  'digest',
  'delete',
  'revert',
  'background_delay',
  'bwlimit',
]);

/** Options applied at once to a running VM; the rest wait in [PENDING]. */
const hotKeys =
  /^(name|description|tags|onboot|protection|startup|lock|hookscript|ciuser|cipassword|cicustom|ipconfig\d+|sshkeys|nameserver|searchdomain|citype|ciupgrade|net\d+|(ide|sata|scsi|virtio)\d+)$/;

export function localVm(ctx: Ctx, vmid: number): { ref: GuestRef; config: GuestConfig } {
  const config = loadConfig(ctx.env, 'qemu', vmid);
  return { ref: { vmid, kind: 'qemu', node: ctx.env.node }, config };
}

export function isRunning(ctx: Ctx, vmid: number): boolean {
  return getRuntime(ctx.env, vmid) !== undefined;
}

function mutate<T>(ctx: Ctx, vmid: number, fn: () => T): T {
  return withGuestLock(ctx.env.dir, 'qemu', vmid, fn, {
    held: ctx.faults.holdLock?.includes(vmid),
  });
}

interface ApplyResult {
  lines: string[];
  volumes: string[];
}

/** Applies create/set options to props: disks allocated, NICs get MACs, tags normalised. */
function applyOptions(
  ctx: Ctx,
  vmid: number,
  props: Record<string, string>,
  params: Record<string, string>,
  isTemplate: boolean,
): ApplyResult {
  const result: ApplyResult = { lines: [], volumes: [] };
  const storageFull = (sid: string) => ctx.faults.storageFull?.includes(sid) ?? false;
  const keys = Object.keys(params).sort();
  for (const key of keys) {
    if (controlKeys.has(key)) continue;
    let value = params[key]!;
    if (key === 'cdrom') {
      props.ide2 = value === 'none' ? 'none,media=cdrom' : `${value},media=cdrom`;
      continue;
    }
    if (key === 'tags') value = normaliseTags(value);
    else if (key === 'cipassword') value = hashPassword(value);
    else if (isNetKey(key)) value = printNet(parseNet(value), false);
    else if (isDiskKey(key)) {
      const drive = parseDrive(key, value);
      const file = drive.file ?? '';
      const alloc = /^(?:([a-z][a-z0-9\-_.]*[a-z0-9]):)?(cloudinit|\d+(?:\.\d+)?)$/i.exec(file);
      if (alloc) {
        const sid = alloc[1] ?? params.storage;
        if (!sid) throw new SimError('no storage ID specified (and no default storage)');
        const storage = getStorage(ctx.env, sid);
        if (alloc[2] === 'cloudinit') {
          const other = Object.keys(props).find(
            (k) => isDiskKey(k) && k !== key && /cloudinit/.test(props[k]!),
          );
          if (other)
            throw new SimError(`${key} - cloud-init drive is already attached at '${other}'`);
          const volid = allocVolume(ctx.env, sid, vmid, 4 * 1024 ** 2, {
            cloudinit: true,
            storageFull: storageFull(sid),
          });
          result.volumes.push(volid);
          delete drive.size;
          drive.file = volid;
          drive.media = 'cdrom';
          value = printDrive(key, drive);
          result.lines.push(`${key}: successfully created disk '${value}'`);
        } else {
          if (!storage.content.includes('images'))
            throw new SimError(`storage '${sid}' does not support vm images`);
          let bytes = Math.round(Number(alloc[2]) * 1024 ** 3);
          // EFI vars and TPM state have fixed sizes whatever size was asked for
          if (key === 'efidisk0') bytes = drive.efitype === '4m' ? 4 * 1024 ** 2 : 528 * 1024;
          if (key === 'tpmstate0') bytes = 4 * 1024 ** 2;
          if (drive['import-from'] !== undefined) {
            if (Number(alloc[2]) !== 0) {
              throw new SimError(
                `'import-from' requires special syntax - use <storage ID>:0,import-from=<source>`,
              );
            }
            const source = drive['import-from'];
            if (parseVolid(source)) {
              if (!volumeExists(ctx.env, source))
                throw new SimError(`volume '${source}' does not exist`);
              bytes = volumeSize(ctx.env, source);
            } else {
              const file = importSource(ctx, source);
              if (!file) throw new SimError(`${source}: non-existent or non-regular file`);
              bytes = virtualSize(file);
            }
            delete drive['import-from'];
            result.lines.push(`importing disk '${source}' to VM ${vmid} ...`);
          }
          const volid = allocVolume(ctx.env, sid, vmid, bytes, {
            base: isTemplate,
            storageFull: storageFull(sid),
          });
          result.volumes.push(volid);
          drive.file = volid;
          drive.size = formatSize(bytes);
          value = printDrive(key, drive);
          if (storage.type === 'lvmthin')
            result.lines.push(`  Logical volume "${parseVolid(volid)!.volname}" created.`);
          result.lines.push(`${key}: successfully created disk '${value}'`);
        }
      } else if (file !== 'none') {
        if ((/:iso\//.test(file) || /\.iso$/.test(file)) && drive.media !== 'cdrom') {
          throw new SimError(`explicit 'media=cdrom' is required for iso images`);
        }
        if (parseVolid(file) && !volumeExists(ctx.env, file))
          throw new SimError(`volume '${file}' does not exist`);
        if (!isCdrom(drive) && parseVolid(file) && drive.size === undefined) {
          drive.size = formatSize(volumeSize(ctx.env, file));
        }
        value = printDrive(key, drive);
      } else value = printDrive(key, drive);
    } else if (key === 'boot') {
      const order = /order=([^,]+)/.exec(value)?.[1];
      for (const device of order?.split(';') ?? []) {
        const exists =
          (isDiskKey(device) || isNetKey(device) || /^(usb|hostpci)\d+$/.test(device)) &&
          !/^(efidisk|tpmstate)/.test(device) &&
          (props[device] !== undefined || params[device] !== undefined);
        if (!exists) {
          throw paramError(
            { name: 'qm set', positional: ['vmid'] },
            { boot: `invalid bootorder: device '${device}' does not exist'` },
          );
        }
      }
      if (order) delete props.bootdisk;
    } else if (/^\d+$/.test(value) && !['memory', 'name', 'description', 'sshkeys'].includes(key)) {
      value = String(Number(value));
    }
    props[key] = value;
  }
  return result;
}

function readSshKeys(path: string): string {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch {
    throw new SimError(`unable to open file '${path}' - No such file or directory`);
  }
  for (const line of content.split('\n')) {
    if (line.trim() && !/^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\S+|sk-\S+)\s+\S+/.test(line.trim())) {
      throw new SimError(`SSH public key validation error`);
    }
  }
  return uriEscape(content);
}

const create: SubCommand = {
  spec: {
    name: 'qm create',
    endpoint: ep('POST'),
    positional: ['vmid'],
    readFile: { sshkeys: readSshKeys },
  },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    const existing = findGuest(ctx.env, vmid);
    if (existing) {
      throw new SimError(
        `unable to create VM ${vmid} - ${existing.kind === 'qemu' ? 'VM' : 'CT'} ${vmid} already exists on node '${existing.node}'`,
      );
    }
    const ref: GuestRef = { vmid, kind: 'qemu', node: ctx.env.node };
    return task(ctx, true, () => {
      const file = paths.conf(ctx.env.dir, ctx.env.node, 'qemu', vmid);
      mutate(ctx, vmid, () => {
        if (findGuest(ctx.env, vmid)) {
          throw new SimError(
            `unable to create VM ${vmid} - VM ${vmid} already exists on node '${ctx.env.node}'`,
          );
        }
        writeAtomic(file, 'lock: create\n');
      });
      ctx.delay('create');
      const props: Record<string, string> = {};
      let applied: ApplyResult = { lines: [], volumes: [] };
      try {
        applied = applyOptions(ctx, vmid, props, params, params.template === '1');
      } catch (error) {
        removeConfig(ctx.env, ref);
        if (error instanceof SimError)
          throw new SimError(`unable to create VM ${vmid} - ${error.message}`);
        throw error;
      }
      for (const line of applied.lines) ctx.out(`${line}\n`);
      if (!props.boot) {
        const order = defaultBootOrder(props);
        if (order) props.boot = order;
      }
      props.meta = `creation-qemu=10.0.2,ctime=${Math.floor(Date.now() / 1000)}`;
      props.smbios1 ??= `uuid=${uuid()}`;
      props.vmgenid ??= uuid();
      mutate(ctx, vmid, () =>
        saveConfig(ctx.env, ref, { main: { props, lxc: [] }, snapshots: {} }),
      );
      markCreated(ctx.env, vmid);
      if (params.start === '1') {
        ctx.out('Execute autostart\n');
        startVm(ctx, vmid, false);
      }
    });
  },
};

const set: SubCommand = {
  spec: {
    name: 'qm set',
    endpoint: ep('PUT', CONFIG),
    positional: ['vmid'],
    readFile: { sshkeys: readSshKeys },
  },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    const changes = Object.keys(params).filter(
      (k) => !['vmid', 'skiplock', 'digest', 'force', 'background_delay'].includes(k),
    );
    if (!changes.length) throw new SimError('no options specified');
    const deletions = (params.delete ?? '').split(/[,;\s]+/).filter(Boolean);
    for (const key of deletions) {
      if (params[key] !== undefined) {
        throw paramError(set.spec, {
          delete: `you can't use '-${key}' and -delete ${key}' at the same time`,
        });
      }
    }
    mutate(ctx, vmid, () => {
      const { ref, config } = localVm(ctx, vmid);
      checkLock(config, 'qemu', params.skiplock === '1');
      if (params.digest && params.digest !== digestOf(ctx, ref)) {
        throw new SimError('checksum mismatch (file change by other user?)');
      }
      const shown = Object.keys(params)
        .filter((k) => !['vmid', 'skiplock', 'digest'].includes(k))
        .sort()
        .map((k) => `-${k} ${k === 'cipassword' ? '<hidden>' : params[k]}`);
      ctx.out(`update VM ${vmid}: ${shown.join(' ')}\n`);
      const running = isRunning(ctx, vmid);
      const changesCloudInit =
        Object.keys(params).some((k) => ciKey.test(k)) || deletions.some((k) => ciKey.test(k));
      if (running && changesCloudInit && !config.cloudinit) {
        // remember what the running VM's ISO was generated from, until the next regeneration
        config.cloudinit = { props: ciValues(config.main.props), lxc: [] };
      }
      const props = config.main.props;
      const pendingParams: Record<string, string> = {};
      const hotParams: Record<string, string> = { storage: params.storage ?? '' };
      for (const [k, v] of Object.entries(params)) {
        if (controlKeys.has(k)) continue;
        if (running && !hotKeys.test(k)) pendingParams[k] = v;
        else hotParams[k] = v;
      }
      if (!hotParams.storage) delete hotParams.storage;
      const isTemplate = props.template === '1';
      const applied = applyOptions(ctx, vmid, props, hotParams, isTemplate);
      if (Object.keys(pendingParams).length) {
        config.pending ??= { props: {}, lxc: [] };
        applyOptions(ctx, vmid, config.pending.props, pendingParams, isTemplate);
      }
      for (const key of deletions) {
        const name = key.replace(/^!/, '');
        if (props[name] === undefined) {
          ctx.err(`cannot delete '${name}' - not set in current configuration!\n`);
          continue;
        }
        if (running && !hotKeys.test(name)) {
          config.pending ??= { props: {}, lxc: [] };
          const list = (config.pending.props.delete ?? '').split(',').filter(Boolean);
          config.pending.props.delete = [...new Set([...list, name])].join(',');
        } else delete props[name];
      }
      const memory = memoryMiB(props);
      if (props.balloon && Number(props.balloon) > memory) {
        throw new SimError('balloon value too large (must be smaller than assigned memory)');
      }
      for (const line of applied.lines) ctx.out(`${line}\n`);
      saveConfig(ctx.env, ref, config);
    });
  },
};

function digestOf(ctx: Ctx, ref: GuestRef): string {
  const text = readFileSync(paths.conf(ctx.env.dir, ref.node, ref.kind, ref.vmid));
  return createHash('sha1').update(text).digest('hex');
}

export function showConfig(props: Record<string, string>, lxc: [string, string][] = []): string {
  let out = '';
  for (const key of Object.keys(props).sort()) {
    if (key === 'digest') continue;
    let value = props[key]!;
    if (key === 'description') value = encodeDescription(value);
    if (key === 'cipassword') value = '**********';
    out += `${key}: ${value}\n`;
  }
  for (const [k, v] of lxc) out += `${k}: ${v}\n`;
  return out;
}

const config: SubCommand = {
  spec: {
    name: 'qm config',
    endpoint: ep('GET', CONFIG),
    positional: ['vmid'],
  },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    if (params.snapshot !== undefined && params.current === '1') {
      const msg = "cannot use 'snapshot' parameter with 'current'";
      throw paramError(config.spec, { current: msg, snapshot: msg });
    }
    const { config: conf } = localVm(ctx, vmid);
    if (params.snapshot !== undefined) {
      const snap = conf.snapshots[params.snapshot];
      if (!snap) throw new SimError(`snapshot '${params.snapshot}' does not exist`);
      ctx.out(showConfig(snap.props));
      return;
    }
    ctx.out(showConfig(effectiveProps(conf, params.current === '1')));
  },
};

const pending: SubCommand = {
  spec: { name: 'qm pending', endpoint: ep('GET', '/{vmid}/pending'), positional: ['vmid'] },
  run(ctx, { params }) {
    const { config: conf } = localVm(ctx, Number(params.vmid));
    ctx.out(pendingLines(conf));
  },
};

export function pendingLines(conf: GuestConfig): string {
  const cur = conf.main.props;
  const { delete: del, ...next } = conf.pending?.props ?? {};
  const deletions = new Set(
    (del ?? '')
      .split(',')
      .filter(Boolean)
      .map((k) => k.replace(/^!/, '')),
  );
  const keys = [...new Set([...Object.keys(cur), ...Object.keys(next)])]
    .filter((k) => k !== 'digest')
    .sort();
  let out = '';
  const show = (k: string, v: string) =>
    k === 'description' ? encodeDescription(v) : k === 'cipassword' ? '**********' : v;
  for (const k of keys) {
    if (deletions.has(k)) out += `del ${k}: ${show(k, cur[k] ?? '')}\n`;
    else if (cur[k] !== undefined && next[k] !== undefined && next[k] !== cur[k]) {
      out += `cur ${k}: ${show(k, cur[k]!)}\nnew ${k}: ${show(k, next[k]!)}\n`;
    } else if (cur[k] !== undefined) out += `cur ${k}: ${show(k, cur[k]!)}\n`;
    else out += `new ${k}: ${show(k, next[k]!)}\n`;
  }
  return out;
}

function fakePid(vmid: number): number {
  return 1000 + ((vmid * 7919 + Math.floor(Date.now() / 1000)) % 900000);
}

const list: SubCommand = {
  spec: { name: 'qm list', options: { full: boolOpt } },
  run(ctx, { params }) {
    const guests = listGuests(ctx.env, ctx.env.node, 'qemu');
    if (!guests.length) return;
    const running = runningIds(ctx.env);
    ctx.out(
      `${padLeft('VMID', 10)} ${padRight('NAME', 20)} ${padRight('STATUS', 10)} ${padRight('MEM(MB)', 10)} ${padLeft('BOOTDISK(GB)', 12)} ${padRight('PID', 10)}\n`,
    );
    for (const ref of guests) {
      let props: Record<string, string>;
      try {
        props = loadConfig(ctx.env, 'qemu', ref.vmid).main.props;
      } catch {
        continue;
      }
      const runtime = running.has(ref.vmid) ? getRuntime(ctx.env, ref.vmid) : undefined;
      const status = runtime ? (params.full === '1' ? runtime.status : 'running') : 'stopped';
      const disk = bootDisk(props);
      const gb = disk ? driveSizeBytes(props[disk]) / 1024 ** 3 : 0;
      ctx.out(
        `${padLeft(ref.vmid, 10)} ${padRight(props.name ?? `VM ${ref.vmid}`, 20)} ${padRight(status, 10)} ${padRight(memoryMiB(props), 10)} ${padLeft(gb.toFixed(2), 12)} ${padRight(runtime?.pid ?? 0, 10)}\n`,
      );
    }
  },
};

const status: SubCommand = {
  spec: {
    name: 'qm status',
    endpoint: ep('GET', '/{vmid}/status/current'),
    positional: ['vmid'],
    options: { verbose: boolOpt },
  },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    const { config: conf } = localVm(ctx, vmid);
    const runtime = getRuntime(ctx.env, vmid);
    if (params.verbose === '1') {
      ctx.out(vmStatusVerbose(ctx, vmid, conf, runtime));
      return;
    }
    ctx.out(`status: ${runtime ? runtime.status : 'stopped'}\n`);
  },
};

/** Starts a VM (the in-task part of qm start). */
export function startVm(ctx: Ctx, vmid: number, skiplock: boolean, node = ctx.env.node): void {
  withGuestLock(
    ctx.env.dir,
    'qemu',
    vmid,
    () => {
      const conf = loadConfig(ctx.env, 'qemu', vmid, node);
      const props = conf.main.props;
      if (props.template === '1') throw new SimError(`you can't start a vm if it's a template`);
      checkLock(conf, 'qemu', skiplock, ['suspended']);
      if (getRuntime(ctx.env, vmid)) throw new SimError(`VM ${vmid} already running`);
      if (Object.keys(props).some((k) => isDiskKey(k) && /cloudinit/.test(props[k]!))) {
        ctx.out('generating cloud-init ISO\n');
        checkCicustom(ctx, props);
      }
      applyPending(conf);
      conf.cloudinit = undefined; // the ISO is regenerated from the current values
      saveConfig(ctx.env, { vmid, kind: 'qemu', node }, conf);
      ctx.delay('start');
      const now = Date.now();
      const delays = bootDelays(ctx.env.latency);
      const agent = props.agent !== undefined && /^(1|enabled=1)/.test(props.agent);
      setRuntime(ctx.env, vmid, {
        status: 'running',
        pid: fakePid(vmid),
        startedAt: now,
        ...(agent
          ? { agentAt: now + delays.agent, cloudInitAt: now + delays.agent + delays.cloudInit }
          : {}),
      });
    },
    { held: ctx.faults.holdLock?.includes(vmid) },
  );
}

function applyPending(conf: GuestConfig): void {
  if (!conf.pending) return;
  const { delete: del, ...changes } = conf.pending.props;
  Object.assign(conf.main.props, changes);
  for (const key of (del ?? '').split(',').filter(Boolean))
    delete conf.main.props[key.replace(/^!/, '')];
  conf.pending = undefined;
}

function checkCicustom(ctx: Ctx, props: Record<string, string>): void {
  const custom = props.cicustom;
  if (!custom) return;
  for (const part of custom.split(',')) {
    const volid = part.split('=')[1];
    if (!volid) continue;
    const parsed = parseVolid(volid);
    if (!parsed || !parsed.volname.startsWith('snippets/'))
      throw new SimError(`${volid} is not in the snippets directory`);
    if (!volumeExists(ctx.env, volid)) {
      const storage = readStorageCfg(ctx.env).find((s) => s.id === parsed.storage);
      const path = `${storage?.path ?? '/mnt/pve/' + parsed.storage}/${parsed.volname}`;
      throw new SimError(`unable to open file '${path}' - No such file or directory`);
    }
  }
}

export function stopVm(ctx: Ctx, vmid: number): void {
  setRuntime(ctx.env, vmid, undefined);
}

const vmidOnly = (
  name: string,
  tail: string,
  extra: Record<string, object> = {},
): SubCommand['spec'] => ({
  name,
  endpoint: ep('POST', tail),
  positional: ['vmid'],
  ...extra,
});

const start: SubCommand = {
  spec: vmidOnly('qm start', '/{vmid}/status/start'),
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    return task(ctx, true, () => {
      startVm(ctx, vmid, params.skiplock === '1');
    });
  },
};

function requireLocalForRunningCheck(ctx: Ctx, vmid: number): GuestConfig {
  try {
    return loadConfig(ctx.env, 'qemu', vmid);
  } catch {
    throw new SimError(
      `unable to find configuration file for VM ${vmid} on node '${ctx.env.node}'`,
    );
  }
}

const stop: SubCommand = {
  spec: vmidOnly('qm stop', '/{vmid}/status/stop'),
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    return task(ctx, true, () =>
      mutate(ctx, vmid, () => {
        const conf = requireLocalForRunningCheck(ctx, vmid);
        checkLock(conf, 'qemu', params.skiplock === '1');
        if (!isRunning(ctx, vmid)) return;
        ctx.delay('stop');
        stopVm(ctx, vmid);
      }),
    );
  },
};

const shutdown: SubCommand = {
  spec: vmidOnly('qm shutdown', '/{vmid}/status/shutdown'),
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    const conf = requireLocalForRunningCheck(ctx, vmid);
    const runtime = getRuntime(ctx.env, vmid);
    if (!runtime) {
      ctx.err(`VM ${vmid} not running\n\n`);
      return 0;
    }
    return task(ctx, true, () =>
      mutate(ctx, vmid, () => {
        checkLock(conf, 'qemu', params.skiplock === '1');
        if (runtime.status === 'paused') {
          if (params.forceStop !== '1') throw new SimError('VM is paused - cannot shutdown');
          ctx.err('VM is paused - stop instead of shutdown\n');
        }
        const hangs = ctx.faults.shutdownHangs?.includes(vmid) ?? false;
        if (hangs) ctx.delay('shutdownTimeout');
        if (hangs) {
          if (params.forceStop !== '1')
            throw new SimError('VM quit/powerdown failed - got timeout');
          ctx.out('VM still running - terminating now with SIGTERM\n');
        }
        ctx.delay('shutdown');
        stopVm(ctx, vmid);
      }),
    );
  },
};

const reboot: SubCommand = {
  spec: vmidOnly('qm reboot', '/{vmid}/status/reboot'),
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    requireLocalForRunningCheck(ctx, vmid);
    const runtime = getRuntime(ctx.env, vmid);
    if (!runtime) throw new SimError(`VM ${vmid} not running`);
    if (runtime.status === 'paused') throw new SimError('VM is paused - cannot shutdown');
    return task(ctx, true, () => {
      ctx.delay('reboot');
      mutate(ctx, vmid, () => {
        const conf = loadConfig(ctx.env, 'qemu', vmid);
        checkLock(conf, 'qemu');
        stopVm(ctx, vmid);
        applyPending(conf);
        saveConfig(ctx.env, { vmid, kind: 'qemu', node: ctx.env.node }, conf);
      });
      startVm(ctx, vmid, false);
    });
  },
};

function ownedVolumes(props: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(props)) {
    if (!isDiskKey(k) && !/^unused\d+$/.test(k)) continue;
    const file = v.split(',')[0]!;
    if (parseVolid(file) && !/:iso\//.test(file)) out.push(file);
  }
  return out;
}

function linkedClonesOf(ctx: Ctx, volid: string, self: number): number[] {
  const users: number[] = [];
  const base = parseVolid(volid)!.volname.replace(/^\d+\//, '');
  for (const ref of listGuests(ctx.env)) {
    if (ref.vmid === self) continue;
    try {
      const props = loadConfig(ctx.env, ref.kind, ref.vmid, ref.node).main.props;
      if (Object.values(props).some((v) => v.includes(`${base}/`) || v.includes(`base=${base}`)))
        users.push(ref.vmid);
      const links = readLinks(ctx, ref.vmid);
      if (links.includes(volid)) users.push(ref.vmid);
    } catch {
      // vanished
    }
  }
  return users;
}

/** Linked clones remember their base volumes in sim/links/<vmid>.json. */
export function readLinks(ctx: Ctx, vmid: number): string[] {
  try {
    return JSON.parse(
      readFileSync(paths.sim(ctx.env.dir, 'links', `${vmid}.json`), 'utf8'),
    ) as string[];
  } catch {
    return [];
  }
}

const destroy: SubCommand = {
  spec: { name: 'qm destroy', endpoint: ep('DELETE', '/{vmid}'), positional: ['vmid'] },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    const { ref, config: conf } = localVm(ctx, vmid);
    if (conf.main.props.protection === '1')
      throw new SimError(`can't remove VM ${vmid} - protection mode enabled`);
    if (isRunning(ctx, vmid)) throw new SimError(`VM ${vmid} is running - destroy failed`);
    return task(ctx, true, () =>
      mutate(ctx, vmid, () => {
        const current = loadConfig(ctx.env, 'qemu', vmid);
        checkLock(current, 'qemu', params.skiplock === '1');
        const volumes = ownedVolumes(current.main.props);
        for (const snap of Object.values(current.snapshots))
          volumes.push(...ownedVolumes(snap.props));
        if (current.main.props.template === '1') {
          for (const volid of volumes) {
            if (linkedClonesOf(ctx, volid, vmid).length) {
              throw new SimError(`base volume '${volid}' is still in use by linked cloned`);
            }
          }
        }
        if (params.purge === '1') ctx.out(`purging VM ${vmid} from related configurations..\n`);
        ctx.delay('destroy');
        writeAtomic(paths.conf(ctx.env.dir, ref.node, 'qemu', vmid), 'lock: destroyed\n');
        for (const volid of new Set(volumes))
          if (!isLinkedBase(ctx, vmid, volid)) freeVolume(ctx.env, volid);
        removeConfig(ctx.env, ref);
        forgetGuest(ctx.env, vmid);
      }),
    );
  },
};

function isLinkedBase(ctx: Ctx, vmid: number, volid: string): boolean {
  return readLinks(ctx, vmid).includes(volid);
}

const unlock: SubCommand = {
  spec: {
    name: 'qm unlock',
    positional: ['vmid'],
    options: { vmid: { type: 'integer', format: 'pve-vmid' } },
  },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    mutate(ctx, vmid, () => {
      const { ref, config: conf } = localVm(ctx, vmid);
      delete conf.main.props.lock;
      if (conf.pending) delete conf.pending.props.lock;
      saveConfig(ctx.env, ref, conf);
    });
  },
};

const wait: SubCommand = {
  spec: {
    name: 'qm wait',
    positional: ['vmid'],
    options: {
      vmid: { type: 'integer', format: 'pve-vmid' },
      timeout: { type: 'integer', minimum: 1, optional: 1 },
    },
  },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    localVm(ctx, vmid);
    const runtime = getRuntime(ctx.env, vmid);
    if (!runtime) return;
    ctx.out(`waiting until VM ${vmid} stops (PID ${runtime.pid})\n`);
    const deadline = params.timeout ? Date.now() + Number(params.timeout) * 1000 : Infinity;
    while (getRuntime(ctx.env, vmid)) {
      if (Date.now() > deadline) throw new SimError('wait failed - got timeout');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  },
};

const clone: SubCommand = {
  spec: { name: 'qm clone', endpoint: ep('POST', '/{vmid}/clone'), positional: ['vmid', 'newid'] },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    const newid = Number(params.newid);
    let src: GuestConfig;
    try {
      src = loadConfig(ctx.env, 'qemu', vmid);
    } catch {
      throw new SimError(
        `unable to find configuration file for VM ${vmid} on node '${ctx.env.node}'`,
      );
    }
    checkLock(src, 'qemu');
    let base = src.main.props;
    if (params.snapname !== undefined) {
      const snap = src.snapshots[params.snapname];
      if (!snap) throw new SimError(`snapshot '${params.snapname}' does not exist`);
      base = snap.props;
    }
    const isTemplate = src.main.props.template === '1';
    const full = params.full !== undefined ? params.full === '1' : !isTemplate;
    if (!full && params.storage !== undefined)
      throw new SimError(`parameter 'storage' not allowed for linked clones`);
    if (!full && params.format !== undefined)
      throw new SimError(`parameter 'format' not allowed for linked clones`);
    if (!full && !isTemplate)
      throw new SimError(
        `Linked clone feature is not supported for '${base[bootDisk(base) ?? 'scsi0'] ?? ''}' (${bootDisk(base) ?? 'scsi0'})`,
      );
    const target = params.target ?? ctx.env.node;
    if (params.target !== undefined) {
      if (!listNodes(ctx.env).includes(target))
        throw new SimError(`no such cluster node '${target}'`);
    }
    if (findGuestLocalConf(ctx, newid))
      throw new SimError(`unable to create VM ${newid}: config file already exists`);
    if (params.storage !== undefined) {
      const storage = getStorage(ctx.env, params.storage);
      if (!storage.content.includes('images')) {
        throw paramError(clone.spec, {
          storage: `storage '${params.storage}' does not support vm images`,
        });
      }
    }
    const disks = Object.keys(base).filter(
      (k) => isDiskKey(k) && parseVolid(base[k]!.split(',')[0]!),
    );
    if (target !== ctx.env.node) {
      for (const k of disks) {
        const sid = parseVolid(base[k]!.split(',')[0]!)!.storage;
        if (!readStorageCfg(ctx.env).find((s) => s.id === sid)?.shared) {
          throw new SimError(`can't clone VM to node '${target}' (VM uses local storage)`);
        }
      }
    }
    const ref: GuestRef = { vmid: newid, kind: 'qemu', node: target };
    // the new volumes are on the target node's storages
    const targetEnv = onNode(ctx.env, target);
    return task(ctx, true, () => {
      mutate(ctx, newid, () => {
        const existing = findGuest(ctx.env, newid);
        if (existing) {
          throw new SimError(
            `clone failed: unable to create VM ${newid} - ${existing.kind === 'qemu' ? 'VM' : 'CT'} ${newid} already exists on node '${existing.node}'`,
          );
        }
        writeAtomic(paths.conf(ctx.env.dir, target, 'qemu', newid), 'lock: clone\n');
      });
      ctx.out(`creating a clone of VM ${vmid} with ID ${newid}\n`);
      const props: Record<string, string> = {};
      const links: string[] = [];
      const allocated: string[] = [];
      try {
        for (const [k, v] of Object.entries(base)) {
          if (
            [
              'snaptime',
              'parent',
              'lock',
              'template',
              'vmstate',
              'runningmachine',
              'runningcpu',
              'meta',
            ].includes(k)
          )
            continue;
          if (/^unused\d+$/.test(k)) continue;
          props[k] = v;
        }
        for (const k of disks) {
          const drive = parseDrive(k, base[k]!);
          const volid = drive.file!;
          const cloudinit = /cloudinit/.test(volid);
          const sid = params.storage ?? parseVolid(volid)!.storage;
          if (cloudinit) {
            ctx.out(`create full clone of drive ${k} (${volid})\n`);
            drive.file = allocVolume(targetEnv, sid, newid, 4 * 1024 ** 2, {
              cloudinit: true,
              storageFull: ctx.faults.storageFull?.includes(sid),
            });
            allocated.push(drive.file);
          } else if (isCdrom(drive)) {
            continue;
          } else if (full) {
            const size = volumeSize(ctx.env, volid) || driveSizeBytes(base[k]);
            ctx.out(`create full clone of drive ${k} (${volid})\n`);
            const storage = getStorage(ctx.env, sid);
            const format = storage.type === 'dir' ? (params.format ?? 'qcow2') : undefined;
            drive.file = allocVolume(targetEnv, sid, newid, size, {
              format,
              storageFull: ctx.faults.storageFull?.includes(sid),
            });
            allocated.push(drive.file);
            ctx.out(`allocated target volume '${drive.file}'\n`);
            const gib = size / 1024 ** 3;
            ctx.delay('cloneFullPerGiB', gib);
            ctx.out(`transferred ${gib.toFixed(1)} GiB of ${gib.toFixed(1)} GiB (100.00%)\n`);
          } else {
            ctx.out(`create linked clone of drive ${k} (${volid})\n`);
            const size = volumeSize(ctx.env, volid) || driveSizeBytes(base[k]);
            const parsed = parseVolid(volid)!;
            const storage = getStorage(ctx.env, parsed.storage);
            const baseName = parsed.volname;
            let newVol = allocVolume(targetEnv, parsed.storage, newid, size, {
              storageFull: ctx.faults.storageFull?.includes(parsed.storage),
            });
            allocated.push(newVol);
            if (storage.type === 'dir') {
              // dir storages name linked clones base/<newid>/vm-<newid>-disk-N
              newVol = `${parsed.storage}:${baseName}/${parseVolid(newVol)!.volname}`;
            }
            drive.file = newVol;
            links.push(volid);
          }
          props[k] = printDrive(k, drive);
        }
        for (const k of Object.keys(props))
          if (isNetKey(k)) props[k] = printNet(parseNet(props[k]!), true);
        props.name = params.name ?? `Copy-of-VM-${base.name ?? vmid}`;
        if (params.description !== undefined) props.description = params.description;
        props.smbios1 = (props.smbios1 ?? 'uuid=x').replace(/uuid=[^,]+/, `uuid=${uuid()}`);
        if (!/uuid=/.test(props.smbios1)) props.smbios1 = `uuid=${uuid()},${props.smbios1}`;
        if (base.vmgenid) props.vmgenid = uuid();
        props.meta = `creation-qemu=10.0.2,ctime=${Math.floor(Date.now() / 1000)}`;
        if (full) ctx.delay('task');
        else ctx.delay('cloneLinked');
        if (src.pending) ctx.err('WARN: pending changes are not cloned\n');
      } catch (error) {
        removeConfig(ctx.env, ref);
        for (const v of allocated) freeVolume(targetEnv, v);
        if (error instanceof SimError) throw new SimError(`clone failed: ${error.message}`);
        throw error;
      }
      if (links.length)
        writeAtomic(paths.sim(ctx.env.dir, 'links', `${newid}.json`), JSON.stringify(links));
      mutate(ctx, newid, () =>
        saveConfig(ctx.env, ref, { main: { props, lxc: [] }, snapshots: {} }),
      );
      markCreated(ctx.env, newid);
    });
  },
};

function findGuestLocalConf(ctx: Ctx, vmid: number): boolean {
  try {
    readFileSync(paths.conf(ctx.env.dir, ctx.env.node, 'qemu', vmid));
    return true;
  } catch {
    return false;
  }
}

const resize: SubCommand = {
  spec: {
    name: 'qm disk resize',
    endpoint: ep('PUT', '/{vmid}/resize'),
    positional: ['vmid', 'disk', 'size'],
  },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    localVm(ctx, vmid);
    return task(ctx, false, () =>
      mutate(ctx, vmid, () => {
        const { ref, config: conf } = localVm(ctx, vmid);
        checkLock(conf, 'qemu', params.skiplock === '1');
        const disk = params.disk!;
        const value = conf.main.props[disk];
        if (!value) throw new SimError(`disk '${disk}' does not exist`);
        const drive = parseDrive(disk, value);
        if (isCdrom(drive)) throw new SimError(`you can't resize a cdrom`);
        const current = volumeSize(ctx.env, drive.file!) || driveSizeBytes(value);
        const relative = params.size!.startsWith('+');
        const amount = parseSize(params.size!.replace(/^\+/, ''));
        const target = relative ? current + amount : amount;
        if (target < current) throw new SimError('shrinking disks is not supported');
        if (target === current) return;
        ctx.delay('resize');
        if (parseVolid(drive.file!)) setVolumeSize(ctx.env, drive.file!, target);
        drive.size = formatSize(target);
        conf.main.props[disk] = printDrive(disk, drive);
        saveConfig(ctx.env, ref, conf);
      }),
    );
  },
};

const template: SubCommand = {
  spec: { name: 'qm template', endpoint: ep('POST', '/{vmid}/template'), positional: ['vmid'] },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    const { config: pre } = localVm(ctx, vmid);
    checkLock(pre, 'qemu');
    if (Object.keys(pre.snapshots).length)
      throw new SimError('unable to create template, because VM contains snapshots');
    if (pre.main.props.template === '1' && params.disk === undefined)
      throw new SimError(`you can't convert a template to a template`);
    if (isRunning(ctx, vmid))
      throw new SimError(`you can't convert a VM to template if VM is running`);
    return task(ctx, false, () =>
      mutate(ctx, vmid, () => {
        const { ref, config: conf } = localVm(ctx, vmid);
        ctx.delay('template');
        for (const [k, v] of Object.entries(conf.main.props)) {
          if (!isDiskKey(k) || (params.disk !== undefined && k !== params.disk)) continue;
          const drive = parseDrive(k, v);
          if (isCdrom(drive) || !drive.file || !parseVolid(drive.file)) continue;
          drive.file = renameToBase(ctx.env, drive.file);
          conf.main.props[k] = printDrive(k, drive);
        }
        conf.main.props.template = '1';
        saveConfig(ctx.env, ref, conf);
      }),
    );
  },
};

export function snapshotCommands(kind: 'qemu' | 'lxc'): Record<string, SubCommand> {
  const tool = kind === 'qemu' ? 'qm' : 'pct';
  const base = kind === 'qemu' ? '/nodes/{node}/qemu' : '/nodes/{node}/lxc';
  const reserved = kind === 'qemu' ? ['current', 'pending'] : ['current', 'vzdump'];
  const load = (ctx: Ctx, vmid: number) => loadConfig(ctx.env, kind, vmid);
  const refOf = (ctx: Ctx, vmid: number): GuestRef => ({ vmid, kind, node: ctx.env.node });
  const lockIt = <T>(ctx: Ctx, vmid: number, fn: () => T) =>
    withGuestLock(ctx.env.dir, kind, vmid, fn, { held: ctx.faults.holdLock?.includes(vmid) });
  const snapshotSupported = (ctx: Ctx, props: Record<string, string>) => {
    for (const [k, v] of Object.entries(props)) {
      if (!(isDiskKey(k) || k === 'rootfs' || /^mp\d+$/.test(k))) continue;
      const file = v.split(',')[0]!;
      const parsed = parseVolid(file);
      if (!parsed || /cloudinit/.test(file) || /media=cdrom/.test(v)) continue;
      const storage = readStorageCfg(ctx.env).find((s) => s.id === parsed.storage);
      if (storage && storage.type === 'dir' && !file.endsWith('.qcow2')) return false;
      if (storage && storage.type === 'lvm') return false;
    }
    return true;
  };
  return {
    snapshot: {
      spec: {
        name: `${tool} snapshot`,
        endpoint: `POST ${base}/{vmid}/snapshot`,
        positional: ['vmid', 'snapname'],
      },
      run(ctx, { params }) {
        const vmid = Number(params.vmid);
        const name = params.snapname!;
        validSnapname(name, reserved);
        load(ctx, vmid);
        return task(ctx, true, () => {
          lockIt(ctx, vmid, () => {
            const conf = load(ctx, vmid);
            if (conf.main.props.template === '1') {
              throw new SimError(
                kind === 'qemu'
                  ? `you can't take a snapshot if it's a template`
                  : `you can't take a snapshot of a template`,
              );
            }
            checkLock(conf, kind);
            if (conf.snapshots[name]) throw new SimError(`snapshot name '${name}' already used`);
            if (!snapshotSupported(ctx, conf.main.props))
              throw new SimError('snapshot feature is not available');
            conf.main.props.lock = 'snapshot';
            saveConfig(ctx.env, refOf(ctx, vmid), conf);
          });
          try {
            const conf = load(ctx, vmid);
            for (const [k, v] of Object.entries(conf.main.props)) {
              if (
                (isDiskKey(k) && !/media=cdrom/.test(v)) ||
                (kind === 'lxc' && (k === 'rootfs' || /^mp\d+$/.test(k)))
              ) {
                ctx.out(
                  `snapshotting '${kind === 'qemu' ? `drive-${k}` : k}' (${v.split(',')[0]})\n`,
                );
              }
            }
            ctx.delay('snapshot');
          } finally {
            lockIt(ctx, vmid, () => {
              const conf = load(ctx, vmid);
              delete conf.main.props.lock;
              conf.snapshots[name] = snapshotOf(conf, params.description);
              if (kind === 'qemu' && params.vmstate === '1' && getRuntime(ctx.env, vmid)) {
                // RAM saved with the snapshot: a state volume, and rollback starts the VM again
                const first = bootDisk(conf.main.props);
                const sid =
                  conf.main.props.vmstatestorage ??
                  parseVolid((first && conf.main.props[first]?.split(',')[0]) || '')?.storage ??
                  'local-lvm';
                const volid = allocVolume(
                  ctx.env,
                  sid,
                  vmid,
                  memoryMiB(conf.main.props) * 2 * 1024 ** 2,
                  {
                    name: `vm-${vmid}-state-${name}`,
                  },
                );
                Object.assign(conf.snapshots[name]!.props, {
                  vmstate: volid,
                  runningmachine: 'pc-i440fx-10.0+pve0',
                  runningcpu: 'kvm64,enforce,+kvm_pv_eoi,+kvm_pv_unhalt,+lahf_lm,+sep',
                });
              }
              conf.main.props.parent = name;
              saveConfig(ctx.env, refOf(ctx, vmid), conf);
            });
          }
        });
      },
    },
    listsnapshot: {
      spec: {
        name: `${tool} listsnapshot`,
        endpoint: `GET ${base}/{vmid}/snapshot`,
        positional: ['vmid'],
      },
      run(ctx, { params }) {
        ctx.out(snapshotTree(load(ctx, Number(params.vmid))));
      },
    },
    rollback: {
      spec: {
        name: `${tool} rollback`,
        endpoint: `POST ${base}/{vmid}/snapshot/{snapname}/rollback`,
        positional: ['vmid', 'snapname'],
      },
      run(ctx, { params }) {
        const vmid = Number(params.vmid);
        const name = params.snapname!;
        const pre = load(ctx, vmid);
        if (!pre.snapshots[name]) throw new SimError(`snapshot '${name}' does not exist`);
        return task(ctx, true, () => {
          let startAfter = params.start === '1';
          lockIt(ctx, vmid, () => {
            const conf = load(ctx, vmid);
            const snap = conf.snapshots[name];
            if (!snap) throw new SimError(`snapshot '${name}' does not exist`);
            if (conf.main.props.template === '1')
              throw new SimError(`you can't rollback if vm is a template`);
            checkLock(conf, kind);
            if (snap.props.snapstate)
              throw new SimError(
                `unable to rollback to incomplete snapshot (snapstate = ${snap.props.snapstate})`,
              );
            if (getRuntime(ctx.env, vmid)) setRuntime(ctx.env, vmid, undefined);
            if (snap.props.vmstate) startAfter = true;
            conf.main.props.lock = 'rollback';
            saveConfig(ctx.env, refOf(ctx, vmid), conf);
          });
          ctx.delay('rollback');
          lockIt(ctx, vmid, () => {
            const conf = load(ctx, vmid);
            const snap = conf.snapshots[name]!;
            const props = { ...snap.props };
            delete props.snaptime;
            delete props.vmstate;
            delete props.runningmachine;
            delete props.runningcpu;
            props.parent = name;
            conf.main = { props, lxc: [...snap.lxc] };
            conf.pending = undefined;
            saveConfig(ctx.env, refOf(ctx, vmid), conf);
          });
          if (startAfter) {
            if (kind === 'qemu') startVm(ctx, vmid, false);
            else
              setRuntime(ctx.env, vmid, {
                status: 'running',
                pid: fakePid(vmid),
                startedAt: Date.now(),
              });
          }
        });
      },
    },
    delsnapshot: {
      spec: {
        name: `${tool} delsnapshot`,
        endpoint: `DELETE ${base}/{vmid}/snapshot/{snapname}`,
        positional: ['vmid', 'snapname'],
      },
      run(ctx, { params }) {
        const vmid = Number(params.vmid);
        const name = params.snapname!;
        load(ctx, vmid);
        return task(ctx, true, () => {
          lockIt(ctx, vmid, () => {
            const conf = load(ctx, vmid);
            if (!conf.snapshots[name]) throw new SimError(`snapshot '${name}' does not exist`);
            if (conf.main.props.template === '1') {
              throw new SimError(
                `you can't delete a snapshot if ${kind === 'qemu' ? 'vm' : 'CT'} is a template`,
              );
            }
            checkLock(conf, kind, params.force === '1');
            conf.main.props.lock = 'snapshot-delete';
            saveConfig(ctx.env, refOf(ctx, vmid), conf);
          });
          ctx.delay('snapshot');
          lockIt(ctx, vmid, () => {
            const conf = load(ctx, vmid);
            const removed = conf.snapshots[name]!;
            if (removed.props.vmstate) freeVolume(ctx.env, removed.props.vmstate);
            delete conf.snapshots[name];
            for (const snap of Object.values(conf.snapshots)) {
              if (snap.props.parent === name) {
                if (removed.props.parent) snap.props.parent = removed.props.parent;
                else delete snap.props.parent;
              }
            }
            if (conf.main.props.parent === name) {
              if (removed.props.parent) conf.main.props.parent = removed.props.parent;
              else delete conf.main.props.parent;
            }
            delete conf.main.props.lock;
            saveConfig(ctx.env, refOf(ctx, vmid), conf);
          });
        });
      },
    },
  };
}

/** Resolves a host path for import: the same path in the node's files, or the real file. */
function importSource(ctx: Ctx, source: string): string | undefined {
  for (const candidate of [join(nodeRoot(ctx.env), source), source]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // try the next
    }
  }
  return undefined;
}

function virtualSize(file: string): number {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { size?: number };
    if (typeof parsed.size === 'number') return parsed.size;
  } catch {
    // a real image: assume a cloud image's virtual size
  }
  return Math.max(statSync(file).size, 3.5 * 1024 ** 3);
}

const importDisk: SubCommand = {
  spec: {
    name: 'qm disk import',
    positional: ['vmid', 'source', 'storage'],
    options: {
      vmid: { type: 'integer', format: 'pve-vmid' },
      source: { type: 'string' },
      storage: { type: 'string', format: 'pve-storage-id' },
      format: { type: 'string', enum: ['raw', 'qcow2', 'vmdk'], optional: 1 },
      'target-disk': {
        type: 'string',
        optional: 1,
        pattern:
          '(ide[0-3]|scsi([0-9]|[12][0-9]|30)|virtio([0-9]|1[0-5])|sata[0-5]|efidisk0|tpmstate0|unused\\d+)',
      },
    },
  },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    const source = params.source!;
    mutate(ctx, vmid, () => {
      const { ref, config: conf } = localVm(ctx, vmid);
      checkLock(conf, 'qemu');
      const file = importSource(ctx, source);
      if (!file) throw new SimError(`${source}: non-existent or non-regular file`);
      const storage = getStorage(ctx.env, params.storage!);
      if (!storage.content.includes('images'))
        throw new SimError(`storage ${storage.id} does not support vm images`);
      const target = params['target-disk'];
      if (target && conf.main.props[target] !== undefined) {
        throw new SimError(`cowardly refusing to overwrite existing entry: ${target}`);
      }
      ctx.out(`importing disk '${source}' to VM ${vmid} ...\n`);
      const size = virtualSize(file);
      const volid = allocVolume(ctx.env, storage.id, vmid, size, {
        format: storage.type === 'dir' ? (params.format ?? 'raw') : undefined,
        storageFull: ctx.faults.storageFull?.includes(storage.id),
      });
      const gib = (size / 1024 ** 3).toFixed(1);
      ctx.delay('cloneFullPerGiB', size / 1024 ** 3);
      ctx.out(
        `transferred 0.0 B of ${gib} GiB (0.00%)\ntransferred ${gib} GiB of ${gib} GiB (100.00%)\n`,
      );
      let key = target;
      if (!key) {
        let n = 0;
        while (conf.main.props[`unused${n}`] !== undefined) n++;
        key = `unused${n}`;
      }
      conf.main.props[key] = key.startsWith('unused') ? volid : `${volid},size=${formatSize(size)}`;
      saveConfig(ctx.env, ref, conf);
      ctx.out(`${key}: successfully imported disk '${conf.main.props[key]}'\n`);
    });
  },
};

function powerState(status: 'paused' | 'running', action: string): SubCommand {
  return {
    spec: vmidOnly(`qm ${action}`, `/{vmid}/status/${action}`),
    run(ctx, { params }) {
      const vmid = Number(params.vmid);
      return task(ctx, true, () =>
        mutate(ctx, vmid, () => {
          const conf = loadConfig(ctx.env, 'qemu', vmid);
          checkLock(
            conf,
            'qemu',
            params.skiplock === '1',
            status === 'running' ? ['suspended'] : [],
          );
          const runtime = getRuntime(ctx.env, vmid);
          if (!runtime) throw new SimError(`VM ${vmid} not running`);
          setRuntime(ctx.env, vmid, { ...runtime, status });
        }),
      );
    },
  };
}

const snapshots = snapshotCommands('qemu');

const guestGroup: Record<string, SubCommand> = {
  cmd: agentCommand('qm guest cmd'),
  exec: guestExec,
  'exec-status': guestExecStatus,
};

const table: CommandTable = {
  list,
  status,
  config,
  pending,
  create,
  set,
  start,
  stop,
  shutdown,
  reboot,
  destroy,
  unlock,
  wait,
  clone,
  resize,
  disk: { resize, import: importDisk },
  importdisk: importDisk,
  suspend: powerState('paused', 'suspend'),
  resume: powerState('running', 'resume'),
  template,
  ...snapshots,
  agent: agentCommand('qm agent'),
  guest: guestGroup,
  cloudinit: {
    dump: cloudinitDump,
    update: {
      spec: {
        name: 'qm cloudinit update',
        endpoint: ep('PUT', '/{vmid}/cloudinit'),
        positional: ['vmid'],
      },
      run(ctx, { params }) {
        const vmid = Number(params.vmid);
        mutate(ctx, vmid, () => {
          const { ref, config: conf } = localVm(ctx, vmid);
          checkLock(conf, 'qemu');
          checkCicustom(ctx, conf.main.props);
          ctx.out('generating cloud-init ISO\n');
          conf.cloudinit = undefined;
          saveConfig(ctx.env, ref, conf);
        });
      },
    },
    pending: {
      spec: {
        name: 'qm cloudinit pending',
        endpoint: ep('GET', '/{vmid}/cloudinit'),
        positional: ['vmid'],
      },
      run(ctx, { params }) {
        const { config: conf } = localVm(ctx, Number(params.vmid));
        const current = conf.main.props;
        // [special:cloudinit] holds the values the last generated ISO was built from
        const generated = conf.cloudinit?.props ?? ciValues(current);
        const keys = [
          ...new Set([
            ...Object.keys(current).filter((k) => ciKey.test(k)),
            ...Object.keys(generated),
          ]),
        ].sort();
        const show = (k: string, v: string) => `${k}: ${k === 'cipassword' ? '**********' : v}`;
        for (const key of keys) {
          const now = current[key];
          const was = generated[key];
          if (now === undefined) ctx.out(`del ${show(key, was!)}\n`);
          else if (was === undefined) ctx.out(`new ${show(key, now)}\n`);
          else if (was !== now) ctx.out(`cur ${show(key, was)}\nnew ${show(key, now)}\n`);
          else ctx.out(`cur ${show(key, now)}\n`);
        }
      },
    },
  },
};

export function qmMain(ctx: Ctx): number {
  return dispatch(ctx, table, allNames);
}
