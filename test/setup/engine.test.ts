import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import type { RunEvent } from '../../source/runner/types.js';
import { planSetup, runSetup, undoStep, unconfirmedWipes } from '../../source/setup/run.js';
import { listEntries } from '../../source/setup/journal.js';
import { readResume } from '../../source/setup/resume.js';
import { SETUP_STEP_IDS } from '../../source/setup/types.js';
import {
  FakeHost,
  fullHypervisor,
  HASH,
  SMB_CONF,
  SSH_KEY,
  STORAGE_CFG,
  USER_CFG,
} from './harness.js';

let host: FakeHost;
beforeEach(() => {
  host = new FakeHost();
});
afterEach(() => host.cleanup());

const allSteps = [...SETUP_STEP_IDS];

async function setup(steps = allSteps, consent: string[] = [], hypervisor = fullHypervisor()) {
  const events: RunEvent[] = [];
  const outcome = await runSetup({
    env: host.env(),
    hypervisor,
    steps,
    consent,
    listeners: [(event) => events.push(event)],
  });
  return { outcome, events };
}

function failures(events: RunEvent[]): string[] {
  return events.flatMap((e) =>
    e.type === 'step-finished' && e.status === 'failed'
      ? [`${e.stepKey}: ${e.failure?.message} ${e.failure?.logTail.join(' | ')}`]
      : [],
  );
}

describe('phoenix setup engine against a fake root', () => {
  it('plans every step: files, commands, no change on the host', async () => {
    const before = host.snapshot();
    const checks = await planSetup({
      env: host.env(),
      hypervisor: fullHypervisor(),
      steps: allSteps,
    });
    expect(checks.map((c) => [c.step, c.state])).toEqual([
      ['repositories', 'changes'],
      ['base_packages', 'changes'],
      ['timezone', 'changes'],
      ['admin_user', 'changes'],
      ['zfs', 'changes'],
      ['network', 'changes'],
      ['nfs', 'changes'],
      ['samba', 'changes'],
      ['firewall', 'changes'],
      ['nvidia', 'changes'],
    ]);
    const files = checks.flatMap((c) => c.files);
    expect(files).toEqual(
      expect.arrayContaining([
        '/etc/apt/sources.list.d/pve-enterprise.sources',
        '/etc/apt/sources.list.d/ceph.sources',
        '/etc/apt/sources.list.d/phoenix-pve-no-subscription.sources',
        '/home/phoenix-admin/.ssh/authorized_keys',
        '/etc/network/interfaces.d/phoenix-vmbr100.cfg',
        '/etc/network/interfaces',
        '/etc/modprobe.d/phoenix-blacklist-nouveau.conf',
        '/etc/exports.d/phoenix.exports',
      ]),
    );
    const commands = checks.flatMap((c) => c.commands);
    expect(commands).toContain('apt-get install -y jq htop');
    expect(commands).toContain('pveum user add phoenix-admin@pam');
    expect(commands.some((c) => c.startsWith('zpool create') && c.includes('fast mirror'))).toBe(
      true,
    );
    expect(commands).toContain(
      'pvesm add zfspool fast-vm-disks --pool fast/vm-disks --content images,rootdir',
    );
    expect(JSON.stringify(checks)).not.toContain(HASH);
    expect(host.mutatingCalls()).toEqual([]);
    expect(host.snapshot()).toEqual(before);
  }, 180_000);

  it('applies every step, then a second run changes nothing', async () => {
    const { outcome, events } = await setup();
    expect(failures(events)).toEqual([]);
    expect(outcome.status).toBe('succeeded');
    expect(outcome.changed).toEqual(allSteps);
    expect(outcome.rebootRequired).toBe('nvidia');

    // repositories: enterprise disabled, not deleted; no-subscription added
    expect(host.read('/etc/apt/sources.list.d/pve-enterprise.sources')).toBe(
      `${'Types: deb\nURIs: https://enterprise.proxmox.com/debian/pve\nSuites: trixie\nComponents: pve-enterprise\nSigned-By: /usr/share/keyrings/proxmox-archive-keyring.gpg\n'}Enabled: no\n`,
    );
    expect(host.read('/etc/apt/sources.list.d/phoenix-pve-no-subscription.sources')).toContain(
      'Components: pve-no-subscription',
    );
    // admin user
    expect(host.read('/etc/passwd')).toMatch(/^phoenix-admin:/m);
    expect(host.read('/etc/shadow')).toContain(`phoenix-admin:${HASH}:`);
    expect(host.read('/etc/group')).toMatch(/^sudo:x:27:phoenix-admin$/m);
    expect(host.read('/etc/pve/user.cfg')).toContain('user:phoenix-admin@pam:');
    expect(host.read('/etc/pve/user.cfg')).toContain('acl:1:/:phoenix-admin@pam:Administrator:');
    expect(host.read('/home/phoenix-admin/.ssh/authorized_keys')).toBe(`${SSH_KEY}\n`);
    // zfs
    expect(host.read('/var/lib/phoenix-stub/host/zpools')).toContain('fast\tmirror\t');
    expect(host.read('/etc/pve/storage.cfg')).toContain(
      'zfspool: fast-vm-disks\n\tpool fast/vm-disks',
    );
    expect(host.read('/etc/pve/storage.cfg')).toContain('dir: fast-iso\n\tpath /fast/iso');
    // network: a new file, and one appended line
    expect(host.read('/etc/network/interfaces.d/phoenix-vmbr100.cfg')).toContain(
      'address 172.16.100.1/24',
    );
    expect(
      host
        .read('/etc/network/interfaces')
        .startsWith('auto lo\niface lo inet loopback\n\niface nic0 inet manual\n\nauto vmbr0\n'),
    ).toBe(true);
    expect(host.read('/etc/network/interfaces')).toMatch(
      /\nsource \/etc\/network\/interfaces\.d\/\*\n$/,
    );
    // nfs: its own file; /etc/exports (which already exports /srv/legacy) untouched
    expect(host.read('/etc/exports.d/phoenix.exports')).toBe(
      '# Written by phoenix setup from nfs.exports in phoenix_hypervisor_config.json.\n/srv/nfs/vm-data 10.0.0.0/24(rw,sync,no_subtree_check)\n',
    );
    expect(host.read('/etc/exports')).toBe(
      '# /etc/exports: the access control list for NFS\n/srv/legacy 10.0.0.0/24(ro)\n',
    );
    expect(host.calls()).toContain('exportfs -ra');
    // samba: its own file, one line appended to smb.conf; [homes] of smb.conf left to it
    expect(host.read('/etc/samba/smb.conf')).toBe(
      `${SMB_CONF}\n# Shares managed by phoenix setup\ninclude = /etc/samba/phoenix-shares.conf\n`,
    );
    const shares = host.read('/etc/samba/phoenix-shares.conf');
    expect(shares).toContain('[models]\n   path = /mnt/pve/srv/models\n');
    expect(shares).not.toContain('[homes]');
    // firewall: a new cluster.fw
    expect(host.read('/etc/pve/firewall/cluster.fw')).toBe(
      '[OPTIONS]\nenable: 1\npolicy_in: DROP\npolicy_out: ACCEPT\n\n[RULES]\nIN ACCEPT -source 10.0.0.0/24 -p tcp -dport 8006 # web UI\nIN SSH(ACCEPT) -source 10.0.0.0/24\n',
    );
    // time
    expect(host.read('/var/lib/phoenix-stub/host/timezone').trim()).toBe('Europe/Berlin');
    expect(host.read('/var/lib/phoenix-stub/host/ntp').trim()).toBe('yes');
    // never touched
    expect(host.read('/etc/resolv.conf')).toBe('nameserver 10.0.0.1\n');
    // the password hash reached no event and no journal
    expect(JSON.stringify(events)).not.toContain(HASH);
    for (const step of allSteps)
      for (const entry of listEntries(host.env(), step))
        expect(JSON.stringify(entry)).not.toContain(HASH);

    host.clearCalls();
    const before = host.snapshot();
    const second = await setup();
    expect(failures(second.events)).toEqual([]);
    expect(second.outcome.changed).toEqual([]);
    expect(host.mutatingCalls()).toEqual([]);
    expect(host.snapshot()).toEqual(before);
  }, 180_000);

  it('journals every changed file with digests, and undo restores them byte for byte', async () => {
    const before = host.snapshot();
    await setup(['repositories', 'network', 'admin_user', 'nfs', 'samba', 'firewall']);
    const [entry] = listEntries(host.env(), 'repositories');
    expect(entry!.files.map((f) => f.path)).toEqual([
      '/etc/apt/sources.list.d/ceph.sources',
      '/etc/apt/sources.list.d/pve-enterprise.sources',
      '/etc/apt/sources.list.d/phoenix-pve-no-subscription.sources',
    ]);
    expect(entry!.files[0]!.before).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(entry!.files[0]!.after).not.toBe(entry!.files[0]!.before);
    expect(entry!.files[2]!.before).toBeNull();
    expect(entry!.commands).toContain('apt-get update');

    for (const step of [
      'repositories',
      'network',
      'admin_user',
      'nfs',
      'samba',
      'firewall',
    ] as const) {
      const undo = await undoStep({
        env: host.env(),
        hypervisor: fullHypervisor(),
        step,
        listeners: [],
      });
      expect(undo.status).toBe('succeeded');
      expect(undo.entries).toBe(1);
    }
    const after = host.snapshot();
    // The home directory stays (userdel without -r); everything else is as before.
    const kept = Object.keys(after).filter((path) => !(path in before));
    expect(kept.every((path) => path.startsWith('home/phoenix-admin'))).toBe(true);
    // The NFS server and Samba packages stay installed (undo keeps packages other steps installed).
    for (const [path, digest] of Object.entries(before))
      if (path !== 'var/lib/dpkg/phoenix-installed') expect(after[path], path).toBe(digest);
    expect(host.read('/etc/pve/user.cfg')).toBe(USER_CFG);
    // undone twice: nothing left to undo
    const again = await undoStep({
      env: host.env(),
      hypervisor: fullHypervisor(),
      step: 'repositories',
      listeners: [],
    });
    expect(again.entries).toBe(0);
  }, 180_000);

  it('refuses undo of a file changed since setup wrote it', async () => {
    await setup(['network']);
    host.write('/etc/network/interfaces.d/phoenix-vmbr100.cfg', 'edited by hand\n');
    const events: RunEvent[] = [];
    const undo = await undoStep({
      env: host.env(),
      hypervisor: fullHypervisor(),
      step: 'network',
      listeners: [(e) => events.push(e)],
    });
    expect(undo.status).toBe('failed');
    expect(failures(events).join()).toContain('changed since phoenix setup wrote it');
    expect(host.read('/etc/network/interfaces.d/phoenix-vmbr100.cfg')).toBe('edited by hand\n');
  }, 180_000);

  it('never wipes a disk with data unless its by-id name was typed', async () => {
    const hypervisor = fullHypervisor();
    (hypervisor.zfs as { pools: { disks: string[] }[] }).pools[0]!.disks[1] =
      '/dev/disk/by-id/ata-OLD_DISK_WD-3';
    const checks = await planSetup({ env: host.env(), hypervisor, steps: ['zfs'] });
    expect(checks[0]!.wipes).toEqual([
      {
        disk: '/dev/disk/by-id/ata-OLD_DISK_WD-3',
        holds: 'signatures: gpt; partitions: sdd1 (ext4)',
      },
    ]);
    expect(unconfirmedWipes(checks, [])).toHaveLength(1);
    expect(unconfirmedWipes(checks, ['ata-OLD_DISK_WD-3'])).toHaveLength(0);

    const refused = await setup(['zfs'], [], hypervisor);
    expect(refused.outcome.status).toBe('failed');
    expect(failures(refused.events).join()).toContain('holds data');
    expect(host.calls().filter((c) => /^(wipefs (-a|--all)|zpool create)/.test(c))).toEqual([]);
    expect(host.read('/var/lib/phoenix-stub/host/disks/sdd.parts')).toBe('sdd1 ext4\n');

    // A consent for another disk is no consent for this one.
    const wrong = await setup(['zfs'], ['ata-WDC_WD40EFRX_WD-1'], hypervisor);
    expect(wrong.outcome.status).toBe('failed');
    expect(host.calls().filter((c) => /^wipefs --all/.test(c))).toEqual([]);

    const typed = await setup(['zfs'], ['ata-OLD_DISK_WD-3'], hypervisor);
    expect(failures(typed.events)).toEqual([]);
    expect(host.calls().filter((c) => /^wipefs --all/.test(c))).toEqual([
      `wipefs --all ${host.root}/dev/sdd`,
    ]);
  }, 180_000);

  it('never removes storages or users it did not create', async () => {
    const applied = await setup(['zfs', 'admin_user']);
    expect(failures(applied.events)).toEqual([]);
    const events: RunEvent[] = [];
    await undoStep({
      env: host.env(),
      hypervisor: fullHypervisor(),
      step: 'zfs',
      listeners: [(e) => events.push(e)],
    });
    expect(failures(events)).toEqual([]);
    await undoStep({
      env: host.env(),
      hypervisor: fullHypervisor(),
      step: 'admin_user',
      listeners: [],
    });
    expect(host.read('/etc/pve/storage.cfg')).toBe(`${STORAGE_CFG}`);
    expect(host.read('/etc/pve/user.cfg')).toBe(USER_CFG);
    expect(
      host
        .calls()
        .filter((c) => /^pvesm remove/.test(c))
        .sort(),
    ).toEqual(['pvesm remove fast-iso', 'pvesm remove fast-vm-disks']);
    // the pool stays (it may hold data)
    expect(host.read('/var/lib/phoenix-stub/host/zpools')).toContain('fast\t');
  }, 180_000);

  it('a storage ID taken by someone else is a conflict, never overwritten', async () => {
    const hypervisor = fullHypervisor();
    (hypervisor.zfs as { datasets: Record<string, unknown>[] }).datasets[1]!.storage_id =
      'users-own';
    const { outcome, events } = await setup(['zfs'], [], hypervisor);
    expect(outcome.status).toBe('failed');
    expect(failures(events).join()).toContain('storage users-own already exists');
    expect(host.read('/etc/pve/storage.cfg')).toContain('dir: users-own\n\tpath /srv/own\n');
    expect(host.calls().filter((c) => /^pvesm (remove|set)/.test(c))).toEqual([]);
  }, 180_000);

  it('keeps an existing admin user and only completes it', async () => {
    host.write(
      '/etc/passwd',
      'root:x:0:0:root:/root:/bin/bash\nphoenix-admin:x:1000:1000::/home/phoenix-admin:/bin/bash\n',
    );
    await setup(['admin_user']);
    expect(host.calls().filter((c) => c.startsWith('useradd'))).toEqual([]);
    await undoStep({
      env: host.env(),
      hypervisor: fullHypervisor(),
      step: 'admin_user',
      listeners: [],
    });
    expect(host.read('/etc/passwd')).toContain('phoenix-admin:x:1000');
    expect(host.calls().filter((c) => c.startsWith('userdel'))).toEqual([]);
  }, 180_000);

  it('NVIDIA: stops for a reboot, records where, and finishes after the reboot', async () => {
    const first = await setup(['timezone', 'nvidia']);
    expect(first.outcome.rebootRequired).toBe('nvidia');
    expect(
      host.calls().some((c) => c.startsWith('NVIDIA-Linux-x86_64-580.76.05.run --silent --dkms')),
    ).toBe(true);
    const resume = readResume(host.env());
    expect(resume).toMatchObject({
      step: 'nvidia',
      steps: ['timezone', 'nvidia'],
      bootId: 'boot-1',
    });

    // No reboot yet: the step waits, installs nothing again.
    host.clearCalls();
    const waiting = await setup(['timezone', 'nvidia']);
    expect(waiting.outcome.rebootRequired).toBe('nvidia');
    expect(host.mutatingCalls()).toEqual([]);

    host.reboot();
    host.clearCalls();
    const resumed = await setup(['timezone', 'nvidia']);
    expect(failures(resumed.events)).toEqual([]);
    expect(resumed.outcome.rebootRequired).toBeUndefined();
    expect(host.mutatingCalls()).toEqual([]);
    expect(readResume(host.env())).toBeUndefined();
    expect(existsSync(host.path('/var/lib/phoenix_hypervisor/setup/nvidia-pending'))).toBe(false);
  }, 180_000);

  it('firewall: an existing cluster.fw keeps its rules; options set, missing rules appended; undo restores it', async () => {
    const mine =
      '[OPTIONS]\n\nenable: 0\n\n[IPSET office]\n192.168.5.0/24\n\n[RULES]\n\nIN ACCEPT -source +office -p tcp -dport 443 # my own rule\nIN SSH(ACCEPT) -source 10.0.0.0/24\n';
    host.write('/etc/pve/firewall/cluster.fw', mine);
    const { events } = await setup(['firewall']);
    expect(failures(events)).toEqual([]);
    expect(host.read('/etc/pve/firewall/cluster.fw')).toBe(
      '[OPTIONS]\npolicy_in: DROP\npolicy_out: ACCEPT\n\nenable: 1\n\n[IPSET office]\n192.168.5.0/24\n\n[RULES]\n\nIN ACCEPT -source +office -p tcp -dport 443 # my own rule\nIN SSH(ACCEPT) -source 10.0.0.0/24\nIN ACCEPT -source 10.0.0.0/24 -p tcp -dport 8006 # web UI\n',
    );
    const second = await setup(['firewall']);
    expect(second.outcome.changed).toEqual([]);
    await undoStep({
      env: host.env(),
      hypervisor: fullHypervisor(),
      step: 'firewall',
      listeners: [],
    });
    expect(host.read('/etc/pve/firewall/cluster.fw')).toBe(mine);
  }, 180_000);

  it('apt-get failing over IPv6 is retried over IPv4 (pain point 11)', async () => {
    const env = host.env();
    env.processEnv = { ...env.processEnv, PHOENIX_STUB_FAIL: 'apt-get:100:1' };
    const events: RunEvent[] = [];
    const outcome = await runSetup({
      env,
      hypervisor: fullHypervisor(),
      steps: ['repositories'],
      listeners: [(e) => events.push(e)],
    });
    expect(failures(events)).toEqual([]);
    expect(outcome.status).toBe('succeeded');
    const updates = host.calls().filter((c) => c.startsWith('apt-get') && c.endsWith('update -q'));
    expect(updates).toHaveLength(2);
    expect(updates[1]).toContain('Acquire::ForceIPv4=true');
  }, 180_000);

  it('NVIDIA: a host that binds NVIDIA GPUs to vfio-pci is a conflict, nothing installed (pain point 21)', async () => {
    host.write('/etc/modprobe.d/vfio.conf', 'options vfio-pci ids=10de:2684,10de:22ba\n');
    const { outcome, events } = await setup(['nvidia']);
    expect(outcome.status).toBe('failed');
    expect(failures(events).join()).toContain('vfio-pci');
    expect(host.mutatingCalls()).toEqual([]);
  }, 180_000);

  it('one setup at a time: a live lock holder is refused, a stale lock is taken over', async () => {
    host.write('/var/lib/phoenix_hypervisor/setup/lock', `${process.pid}\n`);
    await expect(setup(['timezone'])).rejects.toThrow(/another phoenix setup is running/);
    host.write('/var/lib/phoenix_hypervisor/setup/lock', '999999999\n');
    const { outcome } = await setup(['timezone']);
    expect(outcome.status).toBe('succeeded');
    expect(existsSync(host.path('/var/lib/phoenix_hypervisor/setup/lock'))).toBe(false);
  }, 180_000);

  it('reads the config the same with python3 (real hosts) as with jq', async () => {
    const withJq = await planSetup({
      env: host.env(),
      hypervisor: fullHypervisor(),
      steps: allSteps,
    });
    const env = host.env();
    env.processEnv = {
      ...env.processEnv,
      PHOENIX_JSON_READER: 'python3',
      PATH: `${env.processEnv.PATH}:${process.env.PATH}`,
    };
    const withPython = await planSetup({ env, hypervisor: fullHypervisor(), steps: allSteps });
    expect(withPython).toEqual(withJq);
  }, 180_000);
});
