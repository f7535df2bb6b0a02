// qm guest cmd / agent / guest exec / exec-status, qm cloudinit dump, qm status --verbose.
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import type { Ctx } from './context.js';
import type { GuestConfig } from './config-file.js';
import { getRuntime, loadConfig, setRuntime, type Runtime } from './cluster.js';
import { SimError } from './errors.js';
import { paths } from './env.js';
import { readJson, writeAtomic } from './fsutil.js';
import { dhcpAddress, guestHostname, runInGuest } from './guest-exec.js';
import { bootDisk, driveSizeBytes, isNetKey, memoryMiB, parseNet } from './qemu-devices.js';
import { jsonPretty } from './text.js';
import { paramError, type SubCommand } from './command.js';

const ep = (method: string, tail: string) => `${method} /nodes/{node}/qemu/{vmid}${tail}`;

/** Guest agent preconditions in Proxmox's order (reference §4 "Guest agent"). */
function agentReady(ctx: Ctx, vmid: number): GuestConfig {
  const conf = loadConfig(ctx.env, 'qemu', vmid);
  if (conf.main.props.agent === undefined) throw new SimError('No QEMU guest agent configured');
  const runtime = getRuntime(ctx.env, vmid);
  if (!runtime) throw new SimError(`VM ${vmid} is not running`);
  const enabled = /^(1|enabled=1)/.test(conf.main.props.agent);
  const up =
    enabled &&
    !ctx.faults.agentNeverUp?.includes(vmid) &&
    Date.now() >= (runtime.agentAt ?? runtime.startedAt);
  if (!up) throw new SimError('QEMU guest agent is not running');
  return conf;
}

function printResult(ctx: Ctx, result: unknown): void {
  if (typeof result === 'string') ctx.out(`${result}\n`);
  else if (
    result &&
    typeof result === 'object' &&
    !Array.isArray(result) &&
    !Object.keys(result).length
  )
    return;
  else ctx.out(`${jsonPretty(result)}\n`);
}

function interfaces(conf: GuestConfig, vmid: number): unknown[] {
  const props = conf.main.props;
  const out: unknown[] = [
    {
      name: 'lo',
      'hardware-address': '00:00:00:00:00:00',
      'ip-addresses': [
        { 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', prefix: 8 },
        { 'ip-address': '::1', 'ip-address-type': 'ipv6', prefix: 128 },
      ],
      statistics: {
        'rx-bytes': 0,
        'rx-dropped': 0,
        'rx-errs': 0,
        'rx-packets': 0,
        'tx-bytes': 0,
        'tx-dropped': 0,
        'tx-errs': 0,
        'tx-packets': 0,
      },
    },
  ];
  for (const key of Object.keys(props)
    .filter(isNetKey)
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))) {
    const index = Number(key.slice(3));
    const net = parseNet(props[key]!);
    const ipconfig = props[`ipconfig${index}`] ?? '';
    const ip = /(?:^|,)ip=([^,]+)/.exec(ipconfig)?.[1];
    const addresses: unknown[] = [];
    if (ip && ip !== 'dhcp' && ip !== 'manual') {
      const [address, prefix] = ip.split('/');
      addresses.push({ 'ip-address': address, 'ip-address-type': 'ipv4', prefix: Number(prefix) });
    } else if (ip === 'dhcp' || !ipconfig) {
      addresses.push({
        'ip-address': dhcpAddress(vmid, index),
        'ip-address-type': 'ipv4',
        prefix: 24,
      });
    }
    out.push({
      name: `eth${index}`,
      'hardware-address': (net.macaddr ?? '').toLowerCase(),
      'ip-addresses': addresses,
      statistics: {
        'rx-bytes': 1024,
        'rx-dropped': 0,
        'rx-errs': 0,
        'rx-packets': 10,
        'tx-bytes': 1024,
        'tx-dropped': 0,
        'tx-errs': 0,
        'tx-packets': 10,
      },
    });
  }
  return out;
}

export function agentCommand(name: string): SubCommand {
  return {
    spec: { name, endpoint: ep('POST', '/agent'), positional: ['vmid', 'command'] },
    run(ctx, { params }) {
      const vmid = Number(params.vmid);
      const conf = agentReady(ctx, vmid);
      const props = conf.main.props;
      switch (params.command) {
        case 'ping':
        case 'fsfreeze-thaw':
        case 'fsfreeze-freeze':
        case 'suspend-ram':
        case 'suspend-disk':
        case 'suspend-hybrid':
          return printResult(ctx, {});
        case 'shutdown':
          ctx.delay('shutdown');
          setRuntime(ctx.env, vmid, undefined);
          return printResult(ctx, {});
        case 'fsfreeze-status':
          return printResult(ctx, 'thawed');
        case 'get-host-name':
          return printResult(ctx, { 'host-name': guestHostname(props, 'qemu', vmid) });
        case 'network-get-interfaces':
          return printResult(ctx, interfaces(conf, vmid));
        case 'get-osinfo':
          return printResult(ctx, {
            id: 'ubuntu',
            'kernel-release': '6.8.0-45-generic',
            'kernel-version': '#45-Ubuntu SMP PREEMPT_DYNAMIC',
            machine: 'x86_64',
            name: 'Ubuntu',
            'pretty-name': 'Ubuntu 24.04.1 LTS',
            version: '24.04.1 LTS (Noble Numbat)',
            'version-id': '24.04',
          });
        case 'get-time':
          return printResult(ctx, Date.now() * 1000000);
        case 'get-timezone':
          return printResult(ctx, { offset: 0, zone: 'UTC' });
        case 'get-vcpus':
          return printResult(
            ctx,
            Array.from(
              { length: Number(props.cores ?? 1) * Number(props.sockets ?? 1) },
              (_, i) => ({
                'can-offline': i > 0,
                'logical-id': i,
                online: true,
              }),
            ),
          );
        case 'get-users':
          return printResult(ctx, []);
        case 'info':
          return printResult(ctx, { version: '8.2.2', supported_commands: [] });
        default:
          return printResult(ctx, {});
      }
    },
  };
}

function execDir(ctx: Ctx, vmid: number): string {
  return paths.sim(ctx.env.dir, 'exec', String(vmid));
}

export const guestExec: SubCommand = {
  spec: {
    name: 'qm guest exec',
    positional: ['vmid'],
    rest: 'extra-args',
    options: {
      vmid: { type: 'integer', format: 'pve-vmid' },
      synchronous: { type: 'boolean', optional: 1, default: 1 },
      timeout: { type: 'integer', minimum: 0, optional: 1, default: 30 },
      'pass-stdin': { type: 'boolean', optional: 1 },
    },
  },
  run(ctx, { params, rest }) {
    const vmid = Number(params.vmid);
    if (params.timeout !== undefined && params.synchronous === '0') {
      throw paramError(guestExec.spec, { synchronous: "needs to be set for 'timeout'" });
    }
    let stdin: string | undefined;
    if (params['pass-stdin'] === '1') {
      stdin = ctx.stdin ?? readStdin();
      if (Buffer.byteLength(stdin) > 1024 * 1024)
        throw new SimError(`'input-data' (STDIN) is limited to 1 MiB, aborting`);
    }
    if (!rest.length && stdin === undefined)
      throw new SimError('command or input-data (or both) required');
    agentReady(ctx, vmid);
    // synchronous mode waits --timeout seconds (default 30, 0 = forever); the simulator then
    // stops the command (a real guest would let it run on)
    const timeout = params.synchronous === '0' ? 0 : Number(params.timeout ?? 30);
    const result = runInGuest(ctx, vmid, rest, { stdin, timeoutMs: timeout * 1000 });
    if (result.notStarted) {
      throw new SimError(
        `Agent error: Guest agent command failed, error was 'Failed to execute child process “${rest[0]}” (${result.notStarted})'`,
      );
    }
    const status: Record<string, unknown> = { exited: 1, exitcode: result.exitcode };
    if (result.signal) status.signal = result.signal;
    if (result.out) status['out-data'] = result.out;
    if (result.err) status['err-data'] = result.err;
    const dir = execDir(ctx, vmid);
    // the guest's pid: the next free number, claimed by exclusive create (concurrent execs)
    mkdirSync(dir, { recursive: true });
    let pid = 1000 + readdirSync(dir).length;
    for (; ; pid++) {
      try {
        closeSync(openSync(`${dir}/${pid}.json`, 'wx'));
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    writeAtomic(`${dir}/${pid}.json`, JSON.stringify(status));
    if (params.synchronous === '0' || result.timedOut) {
      if (result.timedOut) ctx.err('timeout reached, returning pid\n');
      ctx.out(`${jsonPretty({ pid })}\n`);
      return 0;
    }
    ctx.out(`${jsonPretty(status)}\n`);
    return 0;
  },
};

function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

export const guestExecStatus: SubCommand = {
  spec: {
    name: 'qm guest exec-status',
    endpoint: ep('GET', '/agent/exec-status'),
    positional: ['vmid', 'pid'],
  },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    agentReady(ctx, vmid);
    const status = readJson<Record<string, unknown>>(`${execDir(ctx, vmid)}/${params.pid}.json`);
    if (!status) throw new SimError(`Agent error: Invalid parameter 'pid'`);
    ctx.out(`${jsonPretty(status)}\n`);
  },
};

function cidrMask(prefix: number): string {
  const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join('.');
}

export function userData(props: Record<string, string>, vmid: number): string {
  const host = guestHostname(props, 'qemu', vmid);
  const fqdn = props.searchdomain ? `${host}.${props.searchdomain}` : (props.name ?? `VM${vmid}`);
  let out = `#cloud-config\nhostname: ${host}\nmanage_etc_hosts: true\nfqdn: ${fqdn}\n`;
  if (props.ciuser) out += `user: ${props.ciuser}\n`;
  if (props.ciuser === 'root') out += 'disable_root: False\n';
  if (props.cipassword) out += `password: ${props.cipassword}\n`;
  if (props.sshkeys) {
    out += 'ssh_authorized_keys:\n';
    for (const key of decodeURIComponent(props.sshkeys)
      .split('\n')
      .filter((l) => l.trim()))
      out += `  - ${key}\n`;
  }
  out += 'chpasswd:\n  expire: False\n';
  if (props.ciuser !== 'root') out += 'users:\n  - default\n';
  if (props.ciupgrade !== '0') out += 'package_upgrade: true\n';
  return out;
}

export function networkData(props: Record<string, string>): string {
  let out = 'version: 1\nconfig:\n';
  for (const key of Object.keys(props)
    .filter(isNetKey)
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))) {
    const index = Number(key.slice(3));
    const ipconfig = props[`ipconfig${index}`];
    if (ipconfig === undefined) continue;
    const net = parseNet(props[key]!);
    out += `    - type: physical\n      name: eth${index}\n      mac_address: '${(net.macaddr ?? '').toLowerCase()}'\n      subnets:\n`;
    const get = (k: string) => new RegExp(`(?:^|,)${k}=([^,]+)`).exec(ipconfig)?.[1];
    const ip = get('ip');
    if (ip === 'dhcp') out += '      - type: dhcp4\n';
    else if (ip && ip !== 'manual') {
      const [address, prefix] = ip.split('/');
      out += `      - type: static\n        address: '${address}'\n        netmask: '${cidrMask(Number(prefix))}'\n`;
      if (get('gw')) out += `        gateway: '${get('gw')}'\n`;
    }
    const ip6 = get('ip6');
    if (ip6 === 'dhcp') out += '      - type: dhcp6\n';
    else if (ip6 === 'auto') out += '      - type: ipv6_slaac\n';
    else if (ip6 && ip6 !== 'manual') {
      out += `      - type: static6\n        address: '${ip6}'\n`;
      if (get('gw6')) out += `        gateway: '${get('gw6')}'\n`;
    }
  }
  out += '    - type: nameserver\n      address:\n';
  for (const ns of (props.nameserver ?? '10.0.0.1').split(/[\s,;]+/).filter(Boolean))
    out += `      - '${ns}'\n`;
  out += '      search:\n';
  for (const s of (props.searchdomain ?? 'local').split(/[\s,;]+/).filter(Boolean))
    out += `      - '${s}'\n`;
  return out;
}

export const cloudinitDump: SubCommand = {
  spec: {
    name: 'qm cloudinit dump',
    endpoint: ep('GET', '/cloudinit/dump'),
    positional: ['vmid', 'type'],
  },
  run(ctx, { params }) {
    const vmid = Number(params.vmid);
    const props = loadConfig(ctx.env, 'qemu', vmid).main.props;
    const user = userData(props, vmid);
    const network = networkData(props);
    if (params.type === 'user') ctx.out(`${user}\n`);
    else if (params.type === 'network') ctx.out(`${network}\n`);
    else
      ctx.out(
        `instance-id: ${createHash('sha1')
          .update(user + network)
          .digest('hex')}\n\n`,
      );
  },
};

/** `qm status --verbose`: sorted keys, nested hashes indented with tabs. */
export function vmStatusVerbose(
  ctx: Ctx,
  vmid: number,
  conf: GuestConfig,
  runtime: Runtime | undefined,
): string {
  const props = conf.main.props;
  const disk = bootDisk(props);
  const status: Record<string, unknown> = {
    cpus: Number(props.cores ?? 1) * Number(props.sockets ?? 1),
    disk: 0,
    maxdisk: disk ? driveSizeBytes(props[disk]) : 0,
    maxmem: memoryMiB(props) * 1024 * 1024,
    mem: 0,
    memhost: 0,
    name: props.name ?? `VM ${vmid}`,
    netin: 0,
    netout: 0,
    qmpstatus: runtime?.status ?? 'stopped',
    status: runtime ? 'running' : 'stopped',
    uptime: runtime ? Math.floor((Date.now() - runtime.startedAt) / 1000) : 0,
    vmid,
  };
  if (props.lock) status.lock = props.lock;
  if (props.tags) status.tags = props.tags;
  if (props.template === '1') status.template = 1;
  if (Object.keys(props).some((k) => /^serial\d$/.test(k))) status.serial = 1;
  if (runtime) {
    status.pid = runtime.pid;
    status.mem = Math.floor(memoryMiB(props) * 1024 * 1024 * 0.3);
    status.freemem = Math.floor(memoryMiB(props) * 1024 * 1024 * 0.7);
    status.diskread = 0;
    status.diskwrite = 0;
    status['running-machine'] = 'pc-i440fx-10.0+pve0';
    status['running-qemu'] = '10.0.2';
    status.ballooninfo = {
      actual: memoryMiB(props) * 1024 * 1024,
      max_mem: memoryMiB(props) * 1024 * 1024,
    };
  }
  let out = '';
  const emit = (key: string, value: unknown, indent: string) => {
    if (value && typeof value === 'object') {
      out += `${indent}${key}:\n`;
      for (const k of Object.keys(value).sort())
        emit(k, (value as Record<string, unknown>)[k], `${indent}\t`);
    } else out += `${indent}${key}: ${value}\n`;
  };
  for (const key of Object.keys(status).sort()) emit(key, status[key], '');
  void ctx;
  return out;
}
