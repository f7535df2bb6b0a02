import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { probe, type ProbeResult } from '../host/host-scripts.js';
import { hostPath, type SetupEnv } from './environment.js';
import { readResume, rebootedSince } from './resume.js';
import {
  SETUP_STEP_IDS,
  type DiskInfo,
  type PreflightItem,
  type PreflightReport,
  type SetupStepId,
} from './types.js';

function read(env: SetupEnv, path: string): string | undefined {
  const file = hostPath(env, path);
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function list(env: SetupEnv, dir: string): string[] {
  const path = hostPath(env, dir);
  try {
    return readdirSync(path).sort();
  } catch {
    return [];
  }
}

const run = (env: SetupEnv, argv: string[]): Promise<ProbeResult> =>
  probe(argv, { env: env.processEnv }).catch((): ProbeResult => ({
    ok: false,
    exitCode: undefined,
    stdout: '',
    stderr: '',
    missing: true,
  }));

/** Enabled apt source stanzas / lines, each as one string, with the file they are in. */
function aptSources(env: SetupEnv): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const name of list(env, '/etc/apt/sources.list.d')) {
    const file = `/etc/apt/sources.list.d/${name}`;
    const text = read(env, file) ?? '';
    if (name.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const body = stanza
          .split('\n')
          .filter((line) => !line.trim().startsWith('#'))
          .join('\n');
        if (body.trim() === '' || /^enabled:\s*(no|false)/im.test(body)) continue;
        out.push({ file, text: body });
      }
    } else if (name.endsWith('.list')) {
      for (const line of text.split('\n'))
        if (/^\s*deb\s/.test(line)) out.push({ file, text: line });
    }
  }
  for (const line of (read(env, '/etc/apt/sources.list') ?? '').split('\n'))
    if (/^\s*deb\s/.test(line)) out.push({ file: '/etc/apt/sources.list', text: line });
  return out;
}

function bridges(env: SetupEnv): string[] {
  const files = [
    '/etc/network/interfaces',
    ...list(env, '/etc/network/interfaces.d').map((n) => `/etc/network/interfaces.d/${n}`),
  ];
  const found = new Set<string>();
  for (const file of files) {
    for (const match of (read(env, file) ?? '').matchAll(/^\s*iface\s+(\S+)\s/gm)) {
      if (/^vmbr\d+$/.test(match[1]!)) found.add(match[1]!);
    }
  }
  return [...found].sort();
}

function storages(env: SetupEnv): { id: string; type: string }[] {
  const text = read(env, '/etc/pve/storage.cfg') ?? '';
  return [...text.matchAll(/^([a-z]+):\s+(\S+)\s*$/gm)].map((m) => ({ type: m[1]!, id: m[2]! }));
}

async function disks(env: SetupEnv, poolDevices: Map<string, string>): Promise<DiskInfo[]> {
  const out: DiskInfo[] = [];
  const seen = new Set<string>();
  for (const name of list(env, '/dev/disk/by-id')) {
    if (/-part\d+$/.test(name) || name.startsWith('wwn-') || name.startsWith('nvme-eui.')) continue;
    const link = hostPath(env, `/dev/disk/by-id/${name}`);
    let target: string;
    try {
      readlinkSync(link);
      target = realpathSync(link);
    } catch {
      continue;
    }
    const device = basename(target);
    if (seen.has(device)) continue;
    seen.add(device);
    const [parts, sigs] = await Promise.all([
      run(env, ['lsblk', '-n', '-r', '-o', 'NAME,FSTYPE', target]),
      run(env, ['wipefs', '--noheadings', '--output', 'TYPE', target]),
    ]);
    const partitions = parts.stdout
      .split('\n')
      .slice(1)
      .filter((l) => l.trim() !== '')
      .map((l) => l.trim().replace(/ (\S+)$/, ' ($1)'));
    const signatures = sigs.stdout.split('\n').filter((l) => l.trim() !== '');
    const holds = [
      ...(signatures.length > 0 ? [`signatures: ${signatures.join(',')}`] : []),
      ...(partitions.length > 0 ? [`partitions: ${partitions.join(',')}`] : []),
    ].join('; ');
    const pool = poolDevices.get(target);
    out.push({ byId: `/dev/disk/by-id/${name}`, device, holds, ...(pool ? { pool } : {}) });
  }
  return out;
}

/** Devices of every pool (resolved under the root), from `zpool status -P`. */
function poolMembers(env: SetupEnv, status: string): Map<string, string> {
  const members = new Map<string, string>();
  let pool = '';
  for (const line of status.split('\n')) {
    const name = /^\s*pool:\s*(\S+)/.exec(line);
    if (name) pool = name[1]!;
    const device = /^\s*(\/dev\/\S+)/.exec(line);
    if (device && pool) {
      const path = hostPath(env, device[1]!.replace(/-part\d+$/, ''));
      try {
        members.set(realpathSync(path), pool);
      } catch {
        members.set(path, pool);
      }
    }
  }
  return members;
}

/**
 * The read-only look at the host before setup: every item fine, needing setup (with the step
 * that does it) or a problem (with its fix). Nothing on the host changes.
 */
export async function runPreflight(env: SetupEnv): Promise<PreflightReport> {
  const items: PreflightItem[] = [];
  const [version, subscription, zpoolList, zpoolStatus, lspci, smi, tz] = await Promise.all([
    run(env, ['pveversion']),
    run(env, ['pvesubscription', 'get']),
    run(env, ['zpool', 'list', '-H', '-o', 'name']),
    run(env, ['zpool', 'status', '-P']),
    run(env, ['lspci', '-nn']),
    run(env, ['nvidia-smi', '--query-gpu=driver_version', '--format=csv,noheader']),
    run(env, ['timedatectl', 'show', '-p', 'Timezone', '--value']),
  ]);
  const facts: PreflightReport['facts'] = {
    bridges: bridges(env),
    storages: storages(env),
    pools: zpoolList.stdout.split('\n').filter((l) => l.trim() !== ''),
    disks: [],
    gpus: [],
  };

  const proxmoxVersion = /pve-manager\/(\S+)/.exec(version.stdout)?.[1];
  if (proxmoxVersion) facts.proxmoxVersion = proxmoxVersion;
  const codename = /^VERSION_CODENAME=(\S+)/m.exec(read(env, '/etc/os-release') ?? '')?.[1];
  if (codename) facts.codename = codename;
  items.push(
    proxmoxVersion
      ? {
          id: 'proxmox',
          title: 'Proxmox VE',
          status: 'fine',
          detail: `pve-manager ${proxmoxVersion}${codename ? ` on Debian ${codename}` : ''}`,
        }
      : {
          id: 'proxmox',
          title: 'Proxmox VE',
          status: 'problem',
          detail: 'pveversion did not answer: this does not look like a Proxmox VE host',
          fix: 'run phoenix setup on the Proxmox VE host, as root',
        },
  );

  const sources = aptSources(env);
  const enterprise = sources.filter((s) => s.text.includes('enterprise.proxmox.com'));
  const noSub = sources.some(
    (s) =>
      s.text.includes('download.proxmox.com/debian/pve') && s.text.includes('pve-no-subscription'),
  );
  const subscribed = /^status:\s*active/im.test(subscription.stdout);
  if (enterprise.length > 0 && !subscribed) {
    items.push({
      id: 'repositories',
      title: 'apt repositories',
      status: 'needs-setup',
      detail: `enterprise repository enabled without a subscription (${[...new Set(enterprise.map((s) => s.file))].join(', ')}): apt-get update fails`,
      fix: 'the repositories step disables it and adds pve-no-subscription',
      step: 'repositories',
    });
  } else if (!noSub && !subscribed) {
    items.push({
      id: 'repositories',
      title: 'apt repositories',
      status: 'needs-setup',
      detail: 'no Proxmox repository is enabled',
      fix: 'the repositories step adds pve-no-subscription',
      step: 'repositories',
    });
  } else {
    items.push({
      id: 'repositories',
      title: 'apt repositories',
      status: 'fine',
      detail: subscribed ? 'subscription active, enterprise repository' : 'pve-no-subscription',
    });
  }

  items.push(
    facts.bridges.length > 0
      ? {
          id: 'bridges',
          title: 'Bridges',
          status: 'fine',
          detail: facts.bridges.join(', '),
        }
      : {
          id: 'bridges',
          title: 'Bridges',
          status: 'problem',
          detail: 'no vmbr bridge in /etc/network/interfaces',
          fix: 'create vmbr0 in the Proxmox web UI (System > Network); guests need a bridge',
        },
  );
  items.push({
    id: 'storages',
    title: 'Storages',
    status: facts.storages.length > 0 ? 'fine' : 'needs-setup',
    detail:
      facts.storages.length > 0
        ? facts.storages.map((s) => `${s.id} (${s.type})`).join(', ')
        : 'none in /etc/pve/storage.cfg',
    ...(facts.storages.length > 0 ? {} : { fix: 'the zfs step registers storages', step: 'zfs' }),
  });

  facts.disks = await disks(env, poolMembers(env, zpoolStatus.stdout));
  const free = facts.disks.filter((d) => !d.pool && d.holds === '');
  const used = facts.disks.filter((d) => !d.pool && d.holds !== '');
  items.push({
    id: 'zfs',
    title: 'ZFS pools',
    status: facts.pools.length > 0 ? 'fine' : free.length > 0 ? 'needs-setup' : 'fine',
    detail: facts.pools.length > 0 ? facts.pools.join(', ') : 'none',
    ...(facts.pools.length === 0 && free.length > 0
      ? { fix: 'the zfs step creates a pool from unused disks', step: 'zfs' as const }
      : {}),
  });
  items.push({
    id: 'disks',
    title: 'Unused disks',
    status: 'fine',
    detail:
      [
        ...free.map((d) => `${basename(d.byId)} (${d.device}, blank)`),
        ...used.map((d) => `${basename(d.byId)} (${d.device}, holds data: ${d.holds})`),
      ].join('; ') || 'none',
  });

  facts.gpus = lspci.stdout
    .split('\n')
    .filter((l) => /VGA compatible controller|3D controller|Display controller/.test(l));
  const nvidiaGpus = facts.gpus.filter((l) => l.includes('[10de:'));
  items.push({
    id: 'gpus',
    title: 'GPUs',
    status: 'fine',
    detail:
      facts.gpus.length > 0 ? facts.gpus.map((l) => l.replace(/^\S+\s+/, '')).join('; ') : 'none',
  });
  const driver = smi.ok ? smi.stdout.split('\n')[0]?.trim() : undefined;
  if (driver) facts.nvidiaDriver = driver;
  const resume = readResume(env);
  if (resume && !rebootedSince(env, resume)) facts.waitingForReboot = resume.step;
  items.push(
    nvidiaGpus.length === 0
      ? { id: 'nvidia', title: 'NVIDIA driver', status: 'fine', detail: 'no NVIDIA GPU' }
      : driver
        ? { id: 'nvidia', title: 'NVIDIA driver', status: 'fine', detail: `driver ${driver}` }
        : {
            id: 'nvidia',
            title: 'NVIDIA driver',
            status: 'needs-setup',
            detail: 'NVIDIA GPU present, no driver answering (nvidia-smi)',
            fix: 'the nvidia step installs the driver (then a reboot)',
            step: 'nvidia',
          },
  );

  const cmdline = read(env, '/proc/cmdline') ?? '';
  const groups = list(env, '/sys/kernel/iommu_groups');
  items.push(
    groups.length > 0
      ? {
          id: 'iommu',
          title: 'IOMMU',
          status: 'fine',
          detail: `on (${groups.length} groups)`,
        }
      : {
          id: 'iommu',
          title: 'IOMMU',
          status: 'needs-setup',
          detail: /(intel|amd)_iommu=on/.test(cmdline)
            ? 'asked for on the kernel command line but no IOMMU groups: enable VT-d/AMD-Vi in the firmware'
            : 'off: PCI passthrough to VMs is not possible (containers can still share GPUs)',
          fix: 'only for PCI passthrough to VMs: enable VT-d/AMD-Vi in the firmware and add intel_iommu=on (Intel) to the kernel command line, then reboot',
        },
  );

  const rebootFile = existsSync(hostPath(env, '/run/reboot-required'));
  items.push(
    facts.waitingForReboot
      ? {
          id: 'reboot',
          title: 'Reboot',
          status: 'problem',
          detail: `setup stopped after the ${facts.waitingForReboot} step and waits for a reboot`,
          fix: 'reboot the host, then run phoenix setup again: it continues where it stopped',
        }
      : rebootFile
        ? {
            id: 'reboot',
            title: 'Reboot',
            status: 'problem',
            detail: 'a reboot is pending (/run/reboot-required)',
            fix: 'reboot the host when convenient',
          }
        : { id: 'reboot', title: 'Reboot', status: 'fine', detail: 'none pending' },
  );
  const nameservers = [
    ...(read(env, '/etc/resolv.conf') ?? '').matchAll(/^\s*nameserver\s+(\S+)/gm),
  ].map((m) => m[1]!);
  items.push(
    nameservers.length > 0
      ? {
          id: 'dns',
          title: 'DNS',
          status: 'fine',
          detail: `${nameservers.join(', ')} (setup never writes /etc/resolv.conf)`,
        }
      : {
          id: 'dns',
          title: 'DNS',
          status: 'problem',
          detail: 'no nameserver in /etc/resolv.conf: apt and downloads will fail',
          fix: 'set the DNS servers in the Proxmox web UI (System > DNS)',
        },
  );
  const zone = tz.stdout.trim();
  if (zone) facts.timezone = zone;
  items.push({
    id: 'timezone',
    title: 'Time zone',
    status: 'fine',
    detail: zone || 'unknown (timedatectl did not answer)',
  });
  return { items, facts };
}

/**
 * The steps the report says are needed (for the TUI's "this host looks unset" banner and the
 * default answers): empty when the host looks set up.
 */
export function suggestedSteps(report: PreflightReport): SetupStepId[] {
  const steps = new Set(
    report.items.flatMap((item) => (item.step && item.status !== 'fine' ? [item.step] : [])),
  );
  return SETUP_STEP_IDS.filter((id) => steps.has(id));
}
