// ssh between the nodes of the simulated cluster: the root SSH that `pvecm` sets up and Proxmox's
// own migration uses (`ssh -e none -o BatchMode=yes -o HostKeyAlias=NODE root@IP -- COMMAND`).
// `ssh [options] [user@]host [--] [command…]` runs the command with bash as root on that node —
// PVE_SIM_NODE=<node>, stdin/stdout/stderr passed through — and exits with the command's status.
// There, mkdir, chown and stat act on the node's own files (node-files.ts).
// Hosts are node names (/etc/hosts of a cluster has them) and node addresses (/cluster/status);
// anything else fails like OpenSSH does: a message on stderr and exit 255.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Ctx } from './context.js';
import { listNodes, nodeAddress } from './cluster.js';
import { SimError } from './errors.js';
import { nodeRoot } from './node-root.js';

const USAGE = `usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] [-b bind_address]
           [-c cipher_spec] [-D [bind_address:]port] [-E log_file]
           [-e escape_char] [-F configfile] [-I pkcs11] [-i identity_file]
           [-J destination] [-L address] [-l login_name] [-m mac_spec]
           [-O ctl_cmd] [-o option] [-P tag] [-p port] [-Q query_option]
           [-R address] [-S ctl_path] [-W host:port]
           [-w local_tun[:remote_tun]] destination [command [argument ...]]`;

const FLAGS = new Set('46AaCfGgKkMNnqsTtVvXxYy');
const WITH_VALUE = new Set('BbcDEeFIiJLlmOoPpQRSWw');

/** ssh fails before running anything: its message, exit 255. */
const failure = (message: string) => new SimError(message, 255);

interface Invocation {
  destination?: string;
  command: string[];
  /** `-o Key=value` options, keys lower-cased; `-l` is `user`, `-p` is `port`. */
  options: Map<string, string>;
  version: boolean;
}

/** OpenSSH's option parsing: options before and after the destination, up to `--`. */
function parseInvocation(args: string[]): Invocation {
  const invocation: Invocation = { command: [], options: new Map(), version: false };
  let optionsDone = false;
  let index = 0;
  while (index < args.length) {
    const arg = args[index++]!;
    if (!optionsDone && arg === '--') optionsDone = true;
    else if (!optionsDone && arg.startsWith('-') && arg !== '-')
      index = parseOption(args, index, invocation);
    else if (invocation.destination === undefined) invocation.destination = arg;
    else {
      invocation.command = args.slice(index - 1);
      break;
    }
  }
  return invocation;
}

/** One `-xyz` word (flags, or a flag and its value, here or in the next word); the next index. */
function parseOption(args: string[], index: number, invocation: Invocation): number {
  const word = args[index - 1]!;
  for (let at = 1; at < word.length; at++) {
    const flag = word[at]!;
    if (FLAGS.has(flag)) {
      if (flag === 'V') invocation.version = true;
      continue;
    }
    if (!WITH_VALUE.has(flag)) throw failure(`unknown option -- ${flag}\n${USAGE}`);
    let value = word.slice(at + 1);
    if (value === '') {
      if (index >= args.length) throw failure(`option requires an argument -- ${flag}\n${USAGE}`);
      value = args[index++]!;
    }
    if (flag === 'o') setOption(invocation.options, value);
    if (flag === 'l') invocation.options.set('user', value);
    if (flag === 'p') invocation.options.set('port', value);
    break;
  }
  return index;
}

function setOption(options: Map<string, string>, text: string): void {
  const match = /^\s*([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/.exec(text);
  if (!match) throw failure(`command-line line 0: Bad configuration option: ${text}`);
  const key = match[1]!.toLowerCase();
  // the first value given wins, as in ssh_config
  if (!options.has(key)) options.set(key, match[2]!);
}

/** `[user@]host`, `ssh://[user@]host[:port]`. */
function splitDestination(destination: string): { user?: string; host: string } {
  const bare = destination.replace(/^ssh:\/\//, '').replace(/:\d+$/, '');
  const at = bare.lastIndexOf('@');
  return at === -1 ? { host: bare } : { user: bare.slice(0, at), host: bare.slice(at + 1) };
}

/** The node a host name or address is, as this node's /etc/hosts and the network see it. */
function resolveNode(ctx: Ctx, host: string): string {
  const nodes = listNodes(ctx.env);
  const lower = host.toLowerCase();
  if (lower === 'localhost' || lower === '127.0.0.1' || lower === '::1') return ctx.env.node;
  const byName = nodes.find((node) => node.toLowerCase() === lower);
  if (byName) return byName;
  const byAddress = nodes.find((node) => nodeAddress(ctx.env, node) === host);
  if (byAddress) return byAddress;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':'))
    throw failure(`ssh: connect to host ${host} port 22: No route to host`);
  throw failure(`ssh: Could not resolve hostname ${lower}: Name or service not known`);
}

/**
 * root's PATH on a Proxmox node, with the simulator's tools in front of the system's: the node's
 * own file commands (dist/sim-node-bin: mkdir, chown, stat on that node's files, node-files.ts),
 * the Proxmox tools (dist/sim-bin), and the directory of the node binary their launchers start.
 */
function nodePath(): string {
  const dist = dirname(process.argv[1] ?? '');
  const simBins = ['sim-node-bin', 'sim-bin'].map((name) => join(dist, name));
  return [
    ...simBins.filter((dir) => existsSync(dir)),
    dirname(process.execPath),
    '/usr/local/sbin',
    '/usr/local/bin',
    '/usr/sbin',
    '/usr/bin',
    '/sbin',
    '/bin',
  ].join(':');
}

export function sshMain(ctx: Ctx): number {
  const invocation = parseInvocation(ctx.args);
  if (invocation.version) {
    ctx.err('OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.15 3 Sep 2024\n');
    return 0;
  }
  if (invocation.destination === undefined) throw failure(USAGE);
  const { user: given, host } = splitDestination(invocation.destination);
  const node = resolveNode(ctx, host);
  const user = given ?? invocation.options.get('user') ?? process.env.USER ?? 'root';
  // The cluster's known_hosts holds every node under its name and its address.
  const alias = invocation.options.get('hostkeyalias');
  if (alias !== undefined && alias !== node && alias !== nodeAddress(ctx.env, node))
    throw failure('Host key verification failed.');
  // pvecm authorizes root's key on every node; nobody else gets in without a password.
  if (user !== 'root') throw failure(`${user}@${host}: Permission denied (publickey,password).`);
  ctx.delay('sshConnect');

  // root's home is the node's /root: its shell reads that node's startup files (bash sources
  // ~/.bashrc for ssh), never the ones of the machine the simulator runs on.
  const home = join(nodeRoot(ctx.env, node), 'root');
  mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: nodePath(),
    HOME: home,
    USER: 'root',
    LOGNAME: 'root',
    SHELL: '/bin/bash',
    SSH_CONNECTION: `${nodeAddress(ctx.env, ctx.env.node) ?? '127.0.0.1'} 50022 ${nodeAddress(ctx.env, node) ?? host} 22`,
  };
  // sshd passes on only the locale; the simulator's own settings come along so its tools work.
  for (const [key, value] of Object.entries(process.env))
    if (/^(PVE_SIM_|LANG$|LC_)/.test(key)) env[key] = value;
  env.PVE_SIM_NODE = node;

  // Without a command: a login shell reading its commands from stdin.
  if (invocation.command.length === 0)
    ctx.err('Pseudo-terminal will not be allocated because stdin is not a terminal.\n');
  const line = invocation.command.join(' ');
  const shell = spawnSync('bash', line ? ['-c', line] : ['-s'], {
    stdio: 'inherit',
    env,
    cwd: home,
  });
  if (shell.error) throw failure(`ssh: ${node}: ${shell.error.message}`);
  // A command killed by a signal ends the session with 255, like OpenSSH's client.
  return shell.status ?? 255;
}
