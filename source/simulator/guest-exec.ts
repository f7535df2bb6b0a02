// Commands "inside" a guest run against a per-guest scratch root ($PVE_SIM_DIR/sim/guests/<id>/root),
// never against this machine: real bash with PHOENIX_ROOT=<root> (the feature-script contract:
// every path is prefixed with "${PHOENIX_ROOT:-}"), PATH = simulator guest tools, then the stub
// system commands of source/simulator/guest-bin (apt-get, systemctl, ...), then /usr/bin:/bin.
// Absolute path arguments of the top-level command are mapped into the scratch root.
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ctx } from './context.js';
import { getRuntime, guestRoot, loadConfig, findGuest } from './cluster.js';
import { paths } from './env.js';
import { sleepMs } from './fsutil.js';
import { nodeRoot } from './node-root.js';

export interface ExecResult {
  exitcode: number;
  out: string;
  err: string;
  /** The command could not be started at all (not found, not executable). */
  notStarted?: string;
  /** It ran longer than the allowed time and was stopped. */
  timedOut?: boolean;
  signal?: number;
}

/** The directory of stub system commands: dist/sim-guest-bin next to sim.js, or the source dir. */
function guestBinDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, 'sim-guest-bin'), join(here, 'guest-bin')]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** cloud-init and hostname shims that call back into the simulator for this guest's state. */
function toolsDir(ctx: Ctx): string {
  const dir = paths.sim(ctx.env.dir, 'guest-tools');
  const script = process.argv[1]!;
  const marker = join(dir, '.for');
  const want = `${process.execPath} ${script}`;
  if (!existsSync(marker) || readSafe(marker) !== want) {
    mkdirSync(dir, { recursive: true });
    for (const tool of ['cloud-init', 'hostname']) {
      writeFileSync(
        join(dir, tool),
        `#!/bin/sh\nexec "${process.execPath}" "${script}" __guest ${tool} "$@"\n`,
      );
      chmodSync(join(dir, tool), 0o755);
    }
    writeFileSync(marker, want);
  }
  return dir;
}

function readSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function seedRoot(
  ctx: Ctx,
  vmid: number,
  root: string,
  hostname: string,
  kind: 'qemu' | 'lxc',
): void {
  const osRelease = join(root, 'etc', 'os-release');
  if (existsSync(osRelease)) return;
  // The directories every Debian/Ubuntu root has.
  for (const sub of [
    'etc',
    'root',
    'tmp',
    'home',
    'opt',
    'run',
    'dev',
    'proc',
    'sys',
    'usr/bin',
    'usr/sbin',
    'usr/lib',
    'usr/local/bin',
    'usr/share',
    'var/lib',
    'var/log',
    'var/cache',
  ]) {
    mkdirSync(join(root, sub), { recursive: true });
  }
  const debian = kind === 'lxc';
  writeFileSync(
    osRelease,
    debian
      ? 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n'
      : 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION="24.04.1 LTS (Noble Numbat)"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\n',
  );
  writeFileSync(join(root, 'etc', 'hostname'), `${hostname}\n`);
  void ctx;
  void vmid;
}

export function guestHostname(
  props: Record<string, string>,
  kind: 'qemu' | 'lxc',
  vmid: number,
): string {
  return kind === 'qemu'
    ? (props.name ?? `VM${vmid}`).split('.')[0]!
    : (props.hostname ?? `CT${vmid}`);
}

/** IPv4 addresses a guest has: static ones from ipconfigN/netN ip=, else a DHCP-like lease. */
export function guestAddresses(props: Record<string, string>, vmid: number): string[] {
  const out: string[] = [];
  for (const key of Object.keys(props)
    .filter((k) => /^net\d+$/.test(k))
    .sort()) {
    const index = key.slice(3);
    const source = props[`ipconfig${index}`] ?? props[key]!;
    const ip = /(?:^|,)ip=([^,]+)/.exec(source)?.[1];
    if (ip && ip !== 'dhcp' && ip !== 'manual') out.push(ip.split('/')[0]!);
    else if (ip !== 'manual') out.push(dhcpAddress(vmid, Number(index)));
  }
  return out;
}

/** The address a guest's DHCP lease gets: stable per guest and NIC. */
export function dhcpAddress(vmid: number, nic = 0): string {
  return `10.${10 + nic}.${Math.floor(vmid / 250) % 250}.${(vmid % 250) + 2}`;
}

/** Resolves a command like execvp would (relative names through PATH, relative to cwd). */
function findProgram(command: string, path: string, cwd: string): string | undefined {
  const executable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/')) {
    const file = command.startsWith('/') ? command : join(cwd, command);
    return executable(file) ? file : undefined;
  }
  return path
    .split(':')
    .filter(Boolean)
    .map((dir) => join(dir, command))
    .find(executable);
}

/**
 * When the simulator runs as root (CI, test machines) guest commands run in a private mount
 * namespace where every mount except the state dir (and /dev, /proc, /sys) is read-only: a
 * feature script that forgets ${PHOENIX_ROOT:-} fails instead of changing this machine.
 * PVE_SIM_SANDBOX=0 turns it off.
 */
const sandboxScript = `d="$PVE_SIM_DIR"
mount --bind "$d" "$d" || exit 125
while read -r _ m _; do
  case "$m" in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*|"$d") ;; *) mount -o remount,bind,ro "$m" 2>/dev/null ;; esac
done < /proc/self/mounts
exec "$@"`;
const sandbox = ['unshare', '-m', '--propagation', 'private', 'sh', '-c', sandboxScript, 'guest'];

function sandboxed(dir: string): boolean {
  return (
    process.env.PVE_SIM_SANDBOX !== '0' &&
    process.getuid?.() === 0 &&
    !dir.includes('\n') &&
    ['/usr/bin/unshare', '/bin/unshare'].some((file) => existsSync(file))
  );
}

export type CloudInitState = 'not started' | 'running' | 'done' | 'error';

export function cloudInitState(ctx: Ctx, vmid: number): CloudInitState {
  const runtime = getRuntime(ctx.env, vmid);
  if (!runtime) return 'not started';
  const doneAt = runtime.cloudInitAt ?? runtime.startedAt;
  if (Date.now() < doneAt) return 'running';
  return ctx.faults.cloudInitError?.includes(vmid) ? 'error' : 'done';
}

/** `cloud-init status [--wait] [--long]` for a guest. */
export function cloudInitStatus(ctx: Ctx, vmid: number, args: string[]): ExecResult {
  if (args[0] !== 'status') {
    return { exitcode: 0, out: '', err: '' };
  }
  let state = cloudInitState(ctx, vmid);
  let out = '';
  if (args.includes('--wait') || args.includes('-w')) {
    while (state === 'running') {
      out += '.';
      sleepMs(
        Math.min(1000, Math.max(20, (getRuntime(ctx.env, vmid)?.cloudInitAt ?? 0) - Date.now())),
      );
      state = cloudInitState(ctx, vmid);
    }
    if (out) out += '\n';
  }
  out += `status: ${state}\n`;
  if (args.includes('--long') || args.includes('-l')) {
    out += `extended_status: ${state === 'error' ? 'error - done' : state}\nboot_status_code: enabled-by-generator\n`;
    out += `detail: DataSourceNoCloud [seed=/dev/sr0]\n`;
    out +=
      state === 'error'
        ? `errors:\n\t- ('scripts_user', RuntimeError('Runparts: 1 failures (part-001) in 1 attempted commands'))\nrecoverable_errors: {}\n`
        : 'errors: []\nrecoverable_errors: {}\n';
  }
  return { exitcode: state === 'error' ? 2 : 0, out, err: '' };
}

/** Runs argv in the guest's scratch root. */
export function runInGuest(
  ctx: Ctx,
  vmid: number,
  argv: string[],
  options: { stdin?: string; inherit?: boolean; timeoutMs?: number } = {},
): ExecResult {
  const ref = findGuest(ctx.env, vmid);
  const kind = ref?.kind ?? 'qemu';
  const props = ref ? loadConfig(ctx.env, kind, vmid, ref.node).main.props : {};
  const hostname = guestHostname(props, kind, vmid);
  const root = guestRoot(ctx.env, vmid);
  seedRoot(ctx, vmid, root, hostname, kind);
  if (kind === 'lxc') passThroughDevices(ctx, root, props);
  const [command, ...args] = argv;
  if (command === 'cloud-init') return cloudInitStatus(ctx, vmid, args);
  if (command === 'hostname') {
    if (!args.length) return { exitcode: 0, out: `${hostname}\n`, err: '' };
    if (args[0] === '-I' || args[0] === '--all-ip-addresses') {
      return { exitcode: 0, out: `${guestAddresses(props, vmid).join(' ')} \n`, err: '' };
    }
    if (args[0] === '-f' || args[0] === '--fqdn') {
      const domain = props.searchdomain;
      return {
        exitcode: 0,
        out: `${domain ? `${hostname}.${domain}` : (props.name ?? hostname)}\n`,
        err: '',
      };
    }
  }
  const mapPath = (arg: string) =>
    arg.startsWith('/') && !arg.startsWith(root) ? join(root, arg) : arg;
  // Shell scripts (`bash -c '…'`) follow the PHOENIX_ROOT contract themselves; for any other
  // top-level command every absolute path argument is mapped into the scratch root.
  const shell = ['bash', 'sh', 'dash'].includes(command ?? '');
  let mapped: string[];
  if (shell) {
    mapped =
      args[0] !== undefined && !args[0].startsWith('-')
        ? [command!, mapPath(args[0]), ...args.slice(1)]
        : [command!, ...args];
  } else if (command?.startsWith('/')) {
    const inRoot = mapPath(command);
    mapped = [existsSync(inRoot) ? inRoot : command.split('/').pop()!, ...args.map(mapPath)];
  } else mapped = [command!, ...args.map(mapPath)];
  const bin = guestBinDir();
  const env: NodeJS.ProcessEnv = {
    PATH: [toolsDir(ctx), bin, '/usr/local/bin', '/usr/bin', '/bin'].filter(Boolean).join(':'),
    PHOENIX_ROOT: root,
    HOME: join(root, 'root'),
    TMPDIR: join(root, 'tmp'),
    HOSTNAME: hostname,
    LANG: 'C.UTF-8',
    PVE_SIM_DIR: ctx.env.dir,
    PVE_SIM_NODE: ctx.env.node,
    PVE_SIM_LATENCY: '0',
    PVE_SIM_GUEST_VMID: String(vmid),
    PVE_SIM_GUEST_KIND: kind,
  };
  ctx.delay('guestExec');
  const program = findProgram(mapped[0]!, env.PATH!, root);
  if (!program) {
    return {
      exitcode: 127,
      out: '',
      err: `${argv[0]}: command not found\n`,
      notStarted: 'No such file or directory',
    };
  }
  const [file, ...fileArgs] = sandboxed(ctx.env.dir)
    ? [...sandbox, program, ...mapped.slice(1)]
    : [program, ...mapped.slice(1)];
  const child = spawnSync(file!, fileArgs, {
    cwd: root,
    env,
    input: options.inherit ? undefined : (options.stdin ?? ''),
    // pct exec: stdin/stdout/stderr pass through like lxc-attach (output streams live)
    stdio: options.inherit ? 'inherit' : 'pipe',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
  });
  if (child.error && (child.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    return {
      exitcode: 143,
      out: child.stdout ?? '',
      err: child.stderr ?? '',
      timedOut: true,
      signal: 15,
    };
  }
  if (child.error) {
    const code = (child.error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'No such file or directory' : 'Permission denied';
    return {
      exitcode: code === 'ENOENT' ? 127 : 126,
      out: '',
      err: `${argv[0]}: ${code === 'ENOENT' ? 'command not found' : child.error.message}\n`,
      notStarted: reason,
    };
  }
  return {
    exitcode: child.status ?? 128 + 9,
    out: child.stdout ?? '',
    err: child.stderr ?? '',
  };
}

/** Entry for the in-guest shims (`sim.js __guest cloud-init status --wait`). */
export function guestShim(ctx: Ctx): number {
  const vmid = Number(process.env.PVE_SIM_GUEST_VMID);
  const [tool, ...args] = ctx.args;
  if (tool === 'cloud-init') {
    const result = cloudInitStatus(ctx, vmid, args);
    ctx.out(result.out);
    return result.exitcode;
  }
  const ref = findGuest(ctx.env, vmid);
  const props = ref ? loadConfig(ctx.env, ref.kind, vmid, ref.node).main.props : {};
  ctx.out(`${guestHostname(props, ref?.kind ?? 'qemu', vmid)}\n`);
  return 0;
}

/**
 * A container sees the host devices its `devN` entries pass through, and (sharing the host's
 * kernel) the host's NVIDIA driver version in /proc.
 */
function passThroughDevices(ctx: Ctx, root: string, props: Record<string, string>): void {
  const hostFs = nodeRoot(ctx.env);
  let nvidia = false;
  for (const [key, value] of Object.entries(props)) {
    if (!/^dev\d+$/.test(key)) continue;
    const path = /^(?:path=)?([^,]+)/.exec(value)?.[1];
    if (!path || !existsSync(join(hostFs, path))) continue;
    mkdirSync(dirname(join(root, path)), { recursive: true });
    if (!existsSync(join(root, path))) writeFileSync(join(root, path), '');
    if (path.startsWith('/dev/nvidia')) nvidia = true;
  }
  const version = join(hostFs, 'proc', 'driver', 'nvidia', 'version');
  if (nvidia && existsSync(version)) {
    mkdirSync(join(root, 'proc', 'driver', 'nvidia'), { recursive: true });
    writeFileSync(join(root, 'proc', 'driver', 'nvidia', 'version'), readFileSync(version));
  }
}
