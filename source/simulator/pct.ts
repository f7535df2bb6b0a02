// pct: LXC containers (reference §1, §3, §5).
import { copyFileSync, chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Ctx } from './context.js';
import type { GuestConfig } from './config-file.js';
import { effectiveProps } from './config-file.js';
import { SimError } from './errors.js';
import { paths } from './env.js';
import { writeAtomic } from './fsutil.js';
import {
  findGuest,
  forgetGuest,
  getRuntime,
  guestRoot,
  listGuests,
  listNodes,
  loadConfig,
  markCreated,
  removeConfig,
  saveConfig,
  setRuntime,
  runningIds,
  type GuestRef,
} from './cluster.js';
import { checkLock, generateMac, hashPassword, normaliseTags } from './guest-common.js';
import { withGuestLock } from './lock.js';
import { nodeRoot, onNode } from './node-root.js';
import { runInGuest } from './guest-exec.js';
import { endpoint, type PropSchema } from './schema/schema.js';
import { parsePropertyString, printPropertyString } from './schema/validate.js';
import {
  allocVolume,
  formatSize,
  freeVolume,
  getStorage,
  parseSize,
  parseVolid,
  readStorageCfg,
  renameToBase,
  setVolumeSize,
  volumeExists,
  volumeSize,
} from './storage.js';
import { padRight } from './text.js';
import {
  dispatch,
  paramError,
  task,
  boolOpt,
  type CommandTable,
  type SubCommand,
} from './command.js';
import { pendingLines, showConfig, snapshotCommands } from './qm.js';

const ep = (method: string, tail = '') => `${method} /nodes/{node}/lxc${tail}`;

const allNames = [
  'clone',
  'config',
  'console',
  'cpusets',
  'create',
  'delsnapshot',
  'destroy',
  'df',
  'enter',
  'exec',
  'fsck',
  'fstrim',
  'help',
  'list',
  'listsnapshot',
  'migrate',
  'mount',
  'move-volume',
  'move_volume',
  'pending',
  'pull',
  'push',
  'reboot',
  'remote-migrate',
  'rescan',
  'resize',
  'restore',
  'resume',
  'rollback',
  'set',
  'shutdown',
  'snapshot',
  'start',
  'status',
  'stop',
  'suspend',
  'template',
  'unlock',
  'unmount',
  'set',
  'status',
].filter((n, i, a) => a.indexOf(n) === i);

const controlKeys = new Set([
  'vmid',
  'ostemplate',
  'storage',
  'start',
  'pool',
  'unique',
  'force',
  'restore',
  'ha-managed',
  'ignore-unpack-errors',
  'skiplock',
  'digest',
  'delete',
  'revert',
  'bwlimit',
  'password',
  'ssh-public-keys',
]);

function lxcFormat(key: string): Record<string, PropSchema> {
  const props = endpoint('POST /nodes/{node}/lxc').properties;
  return (props[key] ?? props[key.replace(/\d+$/, '[n]')]!).format as Record<string, PropSchema>;
}

function parseLxc(key: string, value: string): Record<string, string> {
  return parsePropertyString(key, value, lxcFormat(key), {}) ?? {};
}

function printLxcNet(net: Record<string, string>): string {
  const { name, ...rest } = net;
  rest.hwaddr = (rest.hwaddr ?? generateMac()).toUpperCase();
  rest.type ??= 'veth';
  return [
    `name=${name}`,
    ...Object.keys(rest)
      .sort()
      .map((k) => `${k}=${rest[k]}`),
  ].join(',');
}

function printMount(key: string, mp: Record<string, string>): string {
  const { volume, mp: path, ...rest } = mp;
  const parts = [volume!];
  if (path !== undefined) parts.push(`mp=${path}`);
  for (const k of Object.keys(rest).sort()) parts.push(`${k}=${rest[k]}`);
  void key;
  return parts.join(',');
}

function mutate<T>(ctx: Ctx, vmid: number, fn: () => T): T {
  return withGuestLock(ctx.env.dir, 'lxc', vmid, fn, { held: ctx.faults.holdLock?.includes(vmid) });
}

/**
 * Ids are unique across VMs and CTs: creating a CT also takes the VM lock of the id (qm create
 * and qm clone hold it while they claim an id), so concurrent qm/pct creates cannot both win.
 */
function claimId(ctx: Ctx, vmid: number, fn: () => void): void {
  withGuestLock(ctx.env.dir, 'qemu', vmid, () => mutate(ctx, vmid, fn));
}

function localCt(ctx: Ctx, vmid: number): { ref: GuestRef; config: GuestConfig } {
  return {
    ref: { vmid, kind: 'lxc', node: ctx.env.node },
    config: loadConfig(ctx.env, 'lxc', vmid),
  };
}

function applyOptions(
  ctx: Ctx,
  vmid: number,
  props: Record<string, string>,
  params: Record<string, string>,
  spec: SubCommand['spec'],
): string[] {
  const volumes: string[] = [];
  for (const key of Object.keys(params).sort()) {
    if (controlKeys.has(key)) continue;
    let value = params[key]!;
    if (key === 'tags') value = normaliseTags(value);
    else if (/^net\d+$/.test(key)) value = printLxcNet(parseLxc(key, value));
    else if (key === 'rootfs' || /^mp\d+$/.test(key)) {
      const mp = parseLxc(key, value);
      const alloc = /^(?:([a-z][a-z0-9\-_.]*[a-z0-9]):)?(\d+(?:\.\d+)?)$/i.exec(mp.volume ?? '');
      if (alloc) {
        const sid = alloc[1] ?? params.storage ?? 'local';
        const storage = getStorage(ctx.env, sid);
        if (!storage.content.includes('rootdir')) {
          if (spec.name === 'pct create') {
            throw paramError(spec, {
              storage: `storage '${sid}' does not support container directories`,
            });
          }
          throw new SimError(`storage '${sid}' does not allow content type 'rootdir' (Container)`);
        }
        const bytes = Math.round(Number(alloc[2]) * 1024 ** 3);
        const volid = allocVolume(ctx.env, sid, vmid, bytes, {
          format: 'raw',
          storageFull: ctx.faults.storageFull?.includes(sid),
        });
        volumes.push(volid);
        mp.volume = volid;
        mp.size = formatSize(bytes);
        if (storage.type === 'lvmthin')
          ctx.out(`  Logical volume "${parseVolid(volid)!.volname}" created.\n`);
      }
      value = printMount(key, mp);
    } else if (key === 'features')
      value = printPropertyString(parseLxc(key, value), lxcFormat(key));
    else if (/^\d+$/.test(value) && key !== 'hostname' && key !== 'description')
      value = String(Number(value));
    props[key] = value;
  }
  return volumes;
}

const create: SubCommand = {
  spec: { name: 'pct create', endpoint: ep('POST'), positional: ['vmid', 'ostemplate'] },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    if (params['ssh-public-keys'] !== undefined) {
      try {
        params['ssh-public-keys'] = readFileSync(params['ssh-public-keys'], 'utf8');
      } catch {
        throw new SimError(
          `unable to open file '${params['ssh-public-keys']}' - No such file or directory`,
        );
      }
    }
    const existing = findGuest(ctx.env, vmid);
    if (existing)
      throw new SimError(
        `${existing.kind === 'qemu' ? 'VM' : 'CT'} ${vmid} already exists on node '${existing.node}'`,
      );
    if (Object.keys(params).some((k) => /^mp\d+$/.test(k)) && params.rootfs === undefined) {
      throw new SimError(`mount points configured, but 'rootfs' not set - aborting`);
    }
    const rootfs = params.rootfs ?? `${params.storage ?? 'local'}:4`;
    const rootStorage =
      /^([a-z][a-z0-9\-_.]*[a-z0-9]):/i.exec(rootfs)?.[1] ?? params.storage ?? 'local';
    const storage = getStorage(ctx.env, rootStorage);
    if (!storage.content.includes('rootdir')) {
      throw paramError(create.spec, {
        storage: `storage '${rootStorage}' does not support container directories`,
      });
    }
    const template = parseVolid(params.ostemplate!);
    if (!template || !volumeExists(ctx.env, params.ostemplate!)) {
      throw new SimError(`volume '${params.ostemplate}' does not exist`);
    }
    const ref: GuestRef = { vmid, kind: 'lxc', node: ctx.env.node };
    return task(ctx, true, () => {
      claimId(ctx, vmid, () => {
        const taken = findGuest(ctx.env, vmid);
        if (taken) {
          const what = taken.kind === 'qemu' ? 'VM' : 'CT';
          throw new SimError(
            `unable to create CT ${vmid} - ${what} ${vmid} already exists on node '${taken.node}'`,
          );
        }
        writeAtomic(paths.conf(ctx.env.dir, ctx.env.node, 'lxc', vmid), 'lock: create\n');
      });
      const props: Record<string, string> = {};
      let volumes: string[] = [];
      try {
        volumes = applyOptions(ctx, vmid, props, { ...params, rootfs }, create.spec);
        const file = template.volname.replace(/^vztmpl\//, '');
        ctx.out(`extracting archive '/var/lib/vz/template/cache/${file}'\n`);
        ctx.delay('create');
        ctx.out(
          `Total bytes read: 524851200 (501MiB, 160MiB/s)\nDetected container architecture: amd64\n`,
        );
        for (const key of ['rsa', 'ecdsa', 'ed25519']) {
          ctx.out(`Creating SSH host key 'ssh_host_${key}_key' - this may take some time ...\n`);
          ctx.out(
            `done: SHA256:${Buffer.from(`${vmid}${key}`).toString('base64').padEnd(43, 'x').slice(0, 43)} root@${props.hostname ?? `CT${vmid}`}\n`,
          );
        }
        props.arch ??= 'amd64';
        props.ostype ??= /ubuntu/.test(file) ? 'ubuntu' : /alpine/.test(file) ? 'alpine' : 'debian';
        props.hostname ??= `CT${vmid}`;
        props.memory ??= '512';
        props.swap ??= '512';
        props.unprivileged ??= '1';
      } catch (error) {
        removeConfig(ctx.env, ref);
        for (const v of volumes) freeVolume(ctx.env, v);
        if (error instanceof SimError && !error.message.startsWith('400')) {
          throw new SimError(`unable to create CT ${vmid} - ${error.message}`);
        }
        throw error;
      }
      const root = guestRoot(ctx.env, vmid);
      if (params.password !== undefined)
        writeAtomic(
          join(root, 'etc', 'shadow'),
          `root:${hashPassword(params.password)}:19000:0:99999:7:::\n`,
        );
      if (params['ssh-public-keys'] !== undefined)
        writeAtomic(join(root, 'root', '.ssh', 'authorized_keys'), params['ssh-public-keys']);
      mutate(ctx, vmid, () =>
        saveConfig(ctx.env, ref, { main: { props, lxc: [] }, snapshots: {} }),
      );
      markCreated(ctx.env, vmid);
      if (params.start === '1')
        setRuntime(ctx.env, vmid, { status: 'running', pid: 2000 + vmid, startedAt: Date.now() });
    });
  },
};

/** `--devN` paths are checked on the node (its files: node-root.ts). */
function checkPassthroughDevice(ctx: Ctx, key: string, value: string): void {
  const path = /^(?:path=)?([^,]+)/.exec(value)?.[1] ?? '';
  if (!path) throw new SimError(`Path is not defined for passthrough device ${key}`);
  if (!existsSync(join(nodeRoot(ctx.env), path)))
    throw new SimError(`Device ${path} does not exist`);
}

/**
 * A bind mount's host directory must exist on the container's node when it starts: the
 * pre-start hook dies (PVE::LXC::mountpoint_mount) and lxc-start gives up.
 */
function checkBindMounts(
  ctx: Ctx,
  vmid: number,
  props: Record<string, string>,
  node: string,
): void {
  for (const [key, value] of Object.entries(props)) {
    if (!/^mp\d+$/.test(key)) continue;
    const source = value.split(',')[0] ?? '';
    if (!source.startsWith('/') || source.startsWith('/dev/')) continue;
    let directory = false;
    try {
      directory = statSync(join(nodeRoot(ctx.env, node), source)).isDirectory();
    } catch {
      // missing
    }
    if (directory) continue;
    ctx.err(
      [
        `directory '${source}' does not exist`,
        'run_buffer: 571 Script exited with status 2',
        `lxc_init: 845 Failed to run lxc.hook.pre-start for container "${vmid}"`,
        `__lxc_start: 2034 Failed to initialize container "${vmid}"`,
        '',
      ].join('\n'),
    );
    throw new SimError(`startup for container '${vmid}' failed`);
  }
}

const set: SubCommand = {
  spec: { name: 'pct set', endpoint: ep('PUT', '/{vmid}/config'), positional: ['vmid'] },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    const changes = Object.keys(params).filter((k) => !['vmid', 'skiplock', 'digest'].includes(k));
    if (!changes.length) throw new SimError('no options specified');
    if (params.unprivileged !== undefined)
      throw new SimError(`unable to modify read-only option: 'unprivileged'`);
    mutate(ctx, vmid, () => {
      const { ref, config: conf } = localCt(ctx, vmid);
      checkLock(conf, 'lxc', params.skiplock === '1');
      const deletions = (params.delete ?? '').split(/[,;\s]+/).filter(Boolean);
      for (const key of deletions) {
        if (['memory', 'rootfs', 'ostype'].includes(key))
          throw new SimError(`unable to delete required option '${key}'`);
      }
      for (const key of Object.keys(params)) {
        if (/^dev\d+$/.test(key)) checkPassthroughDevice(ctx, key, params[key]!);
        if (/^net\d+$/.test(key)) {
          const mtu = /(?:^|,)mtu=(\d+)/.exec(params[key]!)?.[1];
          if (mtu && Number(mtu) > 1500)
            throw new SimError(`${key}: MTU size '${mtu}' is bigger than bridge MTU '1500'`);
        }
      }
      const running = !!getRuntime(ctx.env, vmid);
      const hot =
        /^(hostname|description|tags|onboot|protection|startup|cores|memory|swap|cpulimit|cpuunits|net\d+|mp\d+|nameserver|searchdomain|lock|hookscript)$/;
      const pending: Record<string, string> = {};
      const now: Record<string, string> = {};
      for (const [k, v] of Object.entries(params)) {
        if (running && !hot.test(k) && !controlKeys.has(k)) pending[k] = v;
        else now[k] = v;
      }
      applyOptions(ctx, vmid, conf.main.props, now, set.spec);
      if (Object.keys(pending).length) {
        conf.pending ??= { props: {}, lxc: [] };
        applyOptions(ctx, vmid, conf.pending.props, pending, set.spec);
      }
      for (const key of deletions) {
        if (conf.main.props[key] === undefined)
          ctx.err(`cannot delete '${key}' - not set in current configuration!\n`);
        else delete conf.main.props[key];
      }
      saveConfig(ctx.env, ref, conf);
    });
  },
};

const config: SubCommand = {
  spec: { name: 'pct config', endpoint: ep('GET', '/{vmid}/config'), positional: ['vmid'] },
  run(ctx, { params }) {
    if (params.snapshot !== undefined && params.current === '1') {
      const msg = "cannot use 'snapshot' parameter with 'current'";
      throw paramError(config.spec, { current: msg, snapshot: msg });
    }
    const { config: conf } = localCt(ctx, Number(params.vmid));
    if (params.snapshot !== undefined) {
      const snap = conf.snapshots[params.snapshot];
      if (!snap) throw new SimError(`snapshot '${params.snapshot}' does not exist`);
      ctx.out(showConfig(snap.props, snap.lxc));
      return;
    }
    ctx.out(showConfig(effectiveProps(conf, params.current === '1'), conf.main.lxc));
  },
};

const list: SubCommand = {
  spec: { name: 'pct list' },
  run(ctx) {
    const guests = listGuests(ctx.env, ctx.env.node, 'lxc');
    if (!guests.length) return;
    const running = runningIds(ctx.env);
    const row = (a: string | number, b: string, c: string, d: string) =>
      `${padRight(a, 10)} ${padRight(b, 10)} ${padRight(c, 12)} ${padRight(d, 20)}\n`;
    ctx.out(row('VMID', 'Status', 'Lock', 'Name'));
    for (const ref of guests) {
      let props: Record<string, string>;
      try {
        props = loadConfig(ctx.env, 'lxc', ref.vmid).main.props;
      } catch {
        continue;
      }
      const name = (props.hostname ?? `CT${ref.vmid}`).replace(/\s+/g, '');
      ctx.out(row(ref.vmid, running.has(ref.vmid) ? 'running' : 'stopped', props.lock ?? '', name));
    }
  },
};

const status: SubCommand = {
  spec: {
    name: 'pct status',
    endpoint: ep('GET', '/{vmid}/status/current'),
    positional: ['vmid'],
    options: { verbose: boolOpt },
  },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    const { config: conf } = localCt(ctx, vmid);
    const runtime = getRuntime(ctx.env, vmid);
    if (params.verbose !== '1') {
      ctx.out(`status: ${runtime ? 'running' : 'stopped'}\n`);
      return;
    }
    const props = conf.main.props;
    const maxdisk = sizeOf(props.rootfs);
    const s: Record<string, string | number> = {
      cpus: Number(props.cores ?? 1),
      disk: runtime ? Math.floor(maxdisk * 0.2) : 0,
      diskread: 0,
      diskwrite: 0,
      maxdisk,
      maxmem: Number(props.memory ?? 512) * 1024 * 1024,
      maxswap: Number(props.swap ?? 512) * 1024 * 1024,
      mem: runtime ? Number(props.memory ?? 512) * 1024 * 300 : 0,
      name: props.hostname ?? `CT${vmid}`,
      netin: 0,
      netout: 0,
      status: runtime ? 'running' : 'stopped',
      swap: 0,
      type: 'lxc',
      uptime: runtime ? Math.floor((Date.now() - runtime.startedAt) / 1000) : 0,
      vmid,
    };
    if (props.lock) s.lock = props.lock;
    if (props.tags) s.tags = props.tags;
    if (props.template === '1') s.template = 1;
    if (runtime) s.pid = runtime.pid;
    for (const k of Object.keys(s).sort()) ctx.out(`${k}: ${s[k]}\n`);
  },
};

export function sizeOf(mount: string | undefined): number {
  const m = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT]?)(?:,|$)/.exec(mount ?? '');
  if (!m) return 4 * 1024 ** 3;
  return parseSize(`${m[1]}${m[2]}`);
}

const vmidSpec = (name: string, tail: string, method = 'POST'): SubCommand['spec'] => ({
  name,
  endpoint: ep(method, tail),
  positional: ['vmid'],
});

export function startCt(ctx: Ctx, vmid: number, skiplock: boolean, node = ctx.env.node): void {
  mutate(ctx, vmid, () => {
    const conf = loadConfig(ctx.env, 'lxc', vmid, node);
    if (conf.main.props.template === '1')
      throw new SimError(`you can't start a CT if it's a template`);
    checkLock(conf, 'lxc', skiplock, ['mounted']);
    ctx.delay('start');
    checkBindMounts(ctx, vmid, conf.main.props, node);
    if (conf.pending) {
      const { delete: del, ...changes } = conf.pending.props;
      Object.assign(conf.main.props, changes);
      for (const k of (del ?? '').split(',').filter(Boolean)) delete conf.main.props[k];
      conf.pending = undefined;
      saveConfig(ctx.env, { vmid, kind: 'lxc', node }, conf);
    }
    setRuntime(ctx.env, vmid, {
      status: 'running',
      pid: 2000 + (vmid % 100000),
      startedAt: Date.now(),
    });
  });
}

const start: SubCommand = {
  spec: vmidSpec('pct start', '/{vmid}/status/start'),
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    localCt(ctx, vmid);
    if (getRuntime(ctx.env, vmid)) throw new SimError(`CT ${vmid} already running`);
    return task(ctx, true, () => startCt(ctx, vmid, params.skiplock === '1'));
  },
};

function requireRunning(ctx: Ctx, vmid: number): void {
  if (!getRuntime(ctx.env, vmid)) throw new SimError(`CT ${vmid} not running`);
}

const stop: SubCommand = {
  spec: vmidSpec('pct stop', '/{vmid}/status/stop'),
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    requireRunning(ctx, vmid);
    return task(ctx, true, () =>
      mutate(ctx, vmid, () => {
        checkLock(localCt(ctx, vmid).config, 'lxc', params.skiplock === '1');
        ctx.delay('stop');
        setRuntime(ctx.env, vmid, undefined);
      }),
    );
  },
};

const shutdown: SubCommand = {
  spec: vmidSpec('pct shutdown', '/{vmid}/status/shutdown'),
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    requireRunning(ctx, vmid);
    return task(ctx, true, () =>
      mutate(ctx, vmid, () => {
        checkLock(localCt(ctx, vmid).config, 'lxc');
        const hangs = ctx.faults.shutdownHangs?.includes(vmid) ?? false;
        if (hangs) ctx.delay('shutdownTimeout');
        if (hangs && params.forceStop !== '1') throw new SimError('container did not stop');
        ctx.delay('shutdown');
        setRuntime(ctx.env, vmid, undefined);
      }),
    );
  },
};

const reboot: SubCommand = {
  spec: vmidSpec('pct reboot', '/{vmid}/status/reboot'),
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    requireRunning(ctx, vmid);
    return task(ctx, true, () => {
      ctx.delay('reboot');
      setRuntime(ctx.env, vmid, undefined);
      startCt(ctx, vmid, false);
    });
  },
};

const destroy: SubCommand = {
  spec: vmidSpec('pct destroy', '/{vmid}', 'DELETE'),
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    const { ref, config: conf } = localCt(ctx, vmid);
    if (conf.main.props.protection === '1')
      throw new SimError(`can't remove CT ${vmid} - protection mode enabled`);
    checkLock(conf, 'lxc');
    if (getRuntime(ctx.env, vmid)) {
      if (params.force !== '1')
        throw new SimError(`unable to destroy CT ${vmid} - container is running`);
      ctx.err(`forced to stop CT ${vmid} before destroying!\n`);
    }
    return task(ctx, true, () =>
      mutate(ctx, vmid, () => {
        if (params.purge === '1') ctx.out(`purging CT ${vmid} from related configurations..\n`);
        ctx.delay('destroy');
        setRuntime(ctx.env, vmid, undefined);
        const current = loadConfig(ctx.env, 'lxc', vmid);
        for (const [k, v] of Object.entries(current.main.props)) {
          if (k === 'rootfs' || /^mp\d+$/.test(k) || /^unused\d+$/.test(k)) {
            const vol = v.split(',')[0]!;
            if (parseVolid(vol)) freeVolume(ctx.env, vol);
          }
        }
        removeConfig(ctx.env, ref);
        forgetGuest(ctx.env, vmid);
      }),
    );
  },
};

const unlock: SubCommand = {
  spec: {
    name: 'pct unlock',
    positional: ['vmid'],
    options: { vmid: { type: 'integer', format: 'pve-vmid' } },
  },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    mutate(ctx, vmid, () => {
      const { ref, config: conf } = localCt(ctx, vmid);
      if (!conf.main.props.lock) throw new SimError('no lock found trying to remove any lock');
      delete conf.main.props.lock;
      saveConfig(ctx.env, ref, conf);
    });
  },
};

const exec: SubCommand = {
  spec: {
    name: 'pct exec',
    positional: ['vmid'],
    rest: 'extra-args',
    options: {
      vmid: { type: 'integer', format: 'pve-vmid' },
      'keep-env': { type: 'boolean', optional: 1, default: 1 },
    },
  },
  run(ctx, { params, rest }) {
    const vmid = Number(params.vmid);
    localCt(ctx, vmid);
    if (!getRuntime(ctx.env, vmid)) throw new SimError(`container '${vmid}' not running!`);
    if (!rest.length)
      throw new SimError('missing command at /usr/share/perl5/PVE/CLI/pct.pm line 255.');
    const result = runInGuest(ctx, vmid, rest, { inherit: true });
    ctx.out(result.out);
    ctx.err(result.err);
    return result.exitcode;
  },
};

const push: SubCommand = {
  spec: {
    name: 'pct push',
    positional: ['vmid', 'file', 'destination'],
    options: {
      vmid: { type: 'integer', format: 'pve-vmid' },
      file: { type: 'string' },
      destination: { type: 'string' },
      user: { type: 'string', optional: 1 },
      group: { type: 'string', optional: 1 },
      perms: { type: 'string', optional: 1 },
    },
  },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    localCt(ctx, vmid);
    if (!getRuntime(ctx.env, vmid)) throw new SimError('can only push files to a running CT');
    return task(ctx, false, () => {
      const source = params.file!;
      if (!existsSync(source)) throw new SimError(`failed to open ${source} for reading`);
      const root = guestRoot(ctx.env, vmid);
      const dest = join(root, params.destination!);
      if (!dest.startsWith(root))
        throw new SimError(`failed to create file: ${params.destination}: Permission denied`);
      let mode: number | undefined;
      if (params.perms !== undefined) {
        const perms = params.perms;
        mode = /^0x/i.test(perms)
          ? parseInt(perms, 16)
          : /^[0-7]+$/.test(perms)
            ? parseInt(perms, 8)
            : NaN;
        if (Number.isNaN(mode)) throw new SimError(`invalid mode: '${perms}'`);
      }
      if (params.user !== undefined && !/^(root|\d+|[a-z_][a-z0-9_-]*)$/.test(params.user)) {
        throw new SimError(`failed to get uid for: ${params.user}`);
      }
      if (!existsSync(dirname(dest)))
        throw new SimError(
          `failed to create file: ${params.destination}: No such file or directory`,
        );
      copyFileSync(source, dest);
      if (mode !== undefined) chmodSync(dest, mode);
    });
  },
};

const pull: SubCommand = {
  spec: {
    name: 'pct pull',
    positional: ['vmid', 'path', 'destination'],
    options: {
      vmid: { type: 'integer', format: 'pve-vmid' },
      path: { type: 'string' },
      destination: { type: 'string' },
      user: { type: 'string', optional: 1 },
      group: { type: 'string', optional: 1 },
      perms: { type: 'string', optional: 1 },
    },
  },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    localCt(ctx, vmid);
    if (!getRuntime(ctx.env, vmid)) {
      throw new SimError(
        'can only pull files from a running VM at /usr/share/perl5/PVE/CLI/pct.pm line 437.',
      );
    }
    return task(ctx, false, () => {
      const root = guestRoot(ctx.env, vmid);
      const source = join(root, params.path!);
      if (!existsSync(source)) throw new SimError(`failed to open ${params.path} for reading`);
      mkdirSync(dirname(params.destination!), { recursive: true });
      copyFileSync(source, params.destination!);
    });
  },
};

const resize: SubCommand = {
  spec: {
    name: 'pct resize',
    endpoint: ep('PUT', '/{vmid}/resize'),
    positional: ['vmid', 'disk', 'size'],
  },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    return mutate(ctx, vmid, () => {
      const { ref, config: conf } = localCt(ctx, vmid);
      checkLock(conf, 'lxc', params.skiplock === '1');
      const disk = params.disk!;
      const value = conf.main.props[disk];
      if (!value) throw new SimError(`unable to parse config entry '${disk}'`);
      const mp = parseLxc(disk, value);
      const current = (parseVolid(mp.volume!) && volumeSize(ctx.env, mp.volume!)) || sizeOf(value);
      const relative = params.size!.startsWith('+');
      const amount = parseSize(params.size!.replace(/^\+/, ''));
      const target = relative ? current + amount : amount;
      if (target < current) throw new SimError('unable to shrink disk size');
      if (target === current) throw new SimError('disk is already at specified size');
      return task(ctx, false, () => {
        ctx.delay('resize');
        if (parseVolid(mp.volume!)) setVolumeSize(ctx.env, mp.volume!, target);
        mp.size = formatSize(target);
        conf.main.props[disk] = printMount(disk, mp);
        saveConfig(ctx.env, ref, conf);
      });
    });
  },
};

const template: SubCommand = {
  spec: { name: 'pct template', endpoint: ep('POST', '/{vmid}/template'), positional: ['vmid'] },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    return mutate(ctx, vmid, () => {
      const { ref, config: conf } = localCt(ctx, vmid);
      checkLock(conf, 'lxc');
      if (Object.keys(conf.snapshots).length)
        throw new SimError('unable to create template, because CT contains snapshots');
      if (conf.main.props.template === '1')
        throw new SimError(`you can't convert a template to a template`);
      if (getRuntime(ctx.env, vmid))
        throw new SimError(`you can't convert a CT to template if the CT is running`);
      return task(ctx, false, () => {
        ctx.delay('template');
        for (const [k, v] of Object.entries(conf.main.props)) {
          if (k !== 'rootfs' && !/^mp\d+$/.test(k)) continue;
          const mp = parseLxc(k, v);
          if (mp.volume && parseVolid(mp.volume)) {
            mp.volume = renameToBase(ctx.env, mp.volume);
            conf.main.props[k] = printMount(k, mp);
          }
        }
        conf.main.props.template = '1';
        saveConfig(ctx.env, ref, conf);
      });
    });
  },
};

const clone: SubCommand = {
  spec: { name: 'pct clone', endpoint: ep('POST', '/{vmid}/clone'), positional: ['vmid', 'newid'] },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    const newid = Number(params.newid);
    const { ref: srcRef, config: src } = localCt(ctx, vmid);
    checkLock(src, 'lxc');
    const isTemplate = src.main.props.template === '1';
    const full = params.full !== undefined ? params.full === '1' : !isTemplate;
    if (!full && params.storage !== undefined)
      throw new SimError(`parameter 'storage' not allowed for linked clones`);
    let base = src.main.props;
    if (params.snapname !== undefined) {
      const snap = src.snapshots[params.snapname];
      if (!snap) throw new SimError(`snapshot '${params.snapname}' does not exist`);
      base = snap.props;
    } else if (full && getRuntime(ctx.env, vmid)) {
      throw new SimError('Full clone of a running container is only possible from a snapshot');
    }
    if (!full && !isTemplate)
      throw new SimError(
        `Linked clone feature for '${base.rootfs?.split(',')[0]}' is not available`,
      );
    const existing = findGuest(ctx.env, newid);
    if (existing)
      throw new SimError(
        `${existing.kind === 'qemu' ? 'VM' : 'CT'} ${newid} already exists on node '${existing.node}'`,
      );
    const target = params.target ?? ctx.env.node;
    if (!listNodes(ctx.env).includes(target))
      throw new SimError(`no such cluster node '${target}'`);
    const ref: GuestRef = { vmid: newid, kind: 'lxc', node: target };
    claimId(ctx, newid, () => {
      const taken = findGuest(ctx.env, newid);
      if (taken) {
        const what = taken.kind === 'qemu' ? 'VM' : 'CT';
        throw new SimError(`${what} ${newid} already exists on node '${taken.node}'`);
      }
      writeAtomic(paths.conf(ctx.env.dir, target, 'lxc', newid), 'lock: create\n');
    });
    mutate(ctx, vmid, () => {
      const conf = loadConfig(ctx.env, 'lxc', vmid);
      conf.main.props.lock = 'disk';
      saveConfig(ctx.env, srcRef, conf);
    });
    const release = () =>
      mutate(ctx, vmid, () => {
        const conf = loadConfig(ctx.env, 'lxc', vmid);
        delete conf.main.props.lock;
        saveConfig(ctx.env, srcRef, conf);
      });
    return task(ctx, true, () => {
      const allocated: string[] = [];
      try {
        ctx.out(`creating a clone of container ${vmid} with ID ${newid}\n`);
        const props: Record<string, string> = {};
        for (const [k, v] of Object.entries(base)) {
          if (['snaptime', 'parent', 'lock', 'template'].includes(k) || /^unused\d+$/.test(k))
            continue;
          props[k] = v;
        }
        for (const k of Object.keys(props)) {
          if (k !== 'rootfs' && !/^mp\d+$/.test(k)) continue;
          const mp = parseLxc(k, props[k]!);
          const vol = mp.volume!;
          if (!parseVolid(vol)) throw new SimError(`unable to clone mountpoint '${k}' (type bind)`);
          const size = volumeSize(ctx.env, vol) || sizeOf(props[k]);
          const sid = full
            ? (params.storage ?? parseVolid(vol)!.storage)
            : parseVolid(vol)!.storage;
          ctx.out(
            full
              ? `create full clone of mountpoint ${k} (${vol})\n`
              : `create linked clone of mount point ${k} (${vol})\n`,
          );
          // the new volumes are on the target node's storages
          mp.volume = allocVolume(onNode(ctx.env, target), sid, newid, size, {
            format: 'raw',
            storageFull: ctx.faults.storageFull?.includes(sid),
          });
          allocated.push(mp.volume);
          props[k] = printMount(k, mp);
        }
        for (const k of Object.keys(props)) {
          if (/^net\d+$/.test(k)) {
            const net = parseLxc(k, props[k]!);
            delete net.hwaddr;
            props[k] = printLxcNet(net);
          }
        }
        if (params.hostname !== undefined) props.hostname = params.hostname;
        if (params.description !== undefined) props.description = params.description;
        ctx.delay(
          full ? 'cloneFullPerGiB' : 'cloneLinked',
          full ? sizeOf(props.rootfs) / 1024 ** 3 : 1,
        );
        mutate(ctx, newid, () =>
          saveConfig(ctx.env, ref, { main: { props, lxc: [...src.main.lxc] }, snapshots: {} }),
        );
        markCreated(ctx.env, newid);
      } catch (error) {
        removeConfig(ctx.env, ref);
        for (const v of allocated) freeVolume(onNode(ctx.env, target), v);
        throw error;
      } finally {
        release();
      }
    });
  },
};

const pending: SubCommand = {
  spec: { name: 'pct pending', endpoint: ep('GET', '/{vmid}/pending'), positional: ['vmid'] },
  run(ctx, { params }) {
    ctx.out(pendingLines(localCt(ctx, Number(params.vmid)).config));
  },
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
  exec,
  push,
  pull,
  resize,
  template,
  clone,
  ...snapshotCommands('lxc'),
};

export function pctMain(ctx: Ctx): number {
  return dispatch(ctx, table, allNames);
}

void readStorageCfg;
