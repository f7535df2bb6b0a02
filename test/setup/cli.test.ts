// `phoenix setup` through the bundled CLI (dist/cli.js), as a child process against a fake root.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { saveAnswers } from '../../source/setup/answers.js';
import { runPreflight, suggestedSteps } from '../../source/setup/preflight.js';
import { runSetup } from '../../source/setup/run.js';
import { FakeHost, fullHypervisor, HASH, INTERFACES, repoRoot, SSH_KEY } from './harness.js';

let host: FakeHost;
let work: string;
let configDir: string;

beforeEach(() => {
  host = new FakeHost();
  work = mkdtempSync(join(tmpdir(), 'phoenix-setup-cli-'));
  configDir = join(work, 'etc');
  mkdirSync(configDir);
});
afterEach(() => {
  host.cleanup();
  rmSync(work, { recursive: true, force: true });
});

function phoenix(...args: string[]) {
  const result = spawnSync(process.execPath, [join(repoRoot, 'dist/cli.js'), ...args], {
    env: {
      ...host.processEnv(),
      PHOENIX_CONFIG_DIR: configDir,
      PHOENIX_RUNS_DIR: join(work, 'runs'),
      PHOENIX_JSON_READER: 'jq',
      HOME: work,
    },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function saveAll(): void {
  saveAnswers(configDir, {
    steps: ['repositories', 'base_packages', 'timezone', 'admin_user', 'zfs', 'network', 'nvidia'],
    timezone: 'Europe/Berlin',
    basePackages: ['curl', 'jq'],
    user: {
      username: 'phoenix-admin',
      password_hash: HASH,
      sudo_access: true,
      ssh_public_key: SSH_KEY,
    },
    pool: {
      name: 'tank',
      raid_level: 'mirror',
      disks: ['/dev/disk/by-id/ata-WDC_WD40EFRX_WD-1', '/dev/disk/by-id/ata-OLD_DISK_WD-3'],
    },
    datasets: [
      {
        name: 'vm-disks',
        pool: 'tank',
        proxmox_storage_type: 'zfspool',
        proxmox_content_type: 'images,rootdir',
      },
    ],
    internalBridge: { name: 'vmbr100', subnet: '172.16.100.0/24' },
    nvidia: { install: true, version: '580.76.05' },
  });
}

describe('phoenix setup (CLI)', () => {
  it('--preflight reports what the host has and needs, and changes nothing', () => {
    const before = host.snapshot();
    const plain = phoenix('setup', '--preflight', '--ascii');
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain(
      'Proxmox VE: pve-manager 9.0.6/49c767b70aeb6648 on Debian trixie',
    );
    expect(plain.stdout).toMatch(
      /! apt repositories: enterprise repository enabled without a subscription/,
    );
    expect(plain.stdout).toContain('Bridges: vmbr0');
    expect(plain.stdout).toContain(
      'ata-OLD_DISK_WD-3 (sdd, holds data: signatures: gpt; partitions: sdd1 (ext4))',
    );
    expect(plain.stdout).toContain('ata-WDC_WD40EFRX_WD-1 (sdb, blank)');
    expect(plain.stdout).toMatch(/! NVIDIA driver: NVIDIA GPU present, no driver answering/);
    expect(plain.stdout).toMatch(/! IOMMU: off/);
    expect(plain.stdout).toContain('DNS: 10.0.0.1 (setup never writes /etc/resolv.conf)');
    const json = phoenix('setup', '--preflight', '--json');
    const report = JSON.parse(json.stdout) as {
      items: { id: string; status: string }[];
      facts: { disks: unknown[] };
    };
    expect(report.items.find((item) => item.id === 'repositories')?.status).toBe('needs-setup');
    expect(report.facts.disks).toHaveLength(3);
    expect(host.mutatingCalls()).toEqual([]);
    expect(host.snapshot()).toEqual(before);
  }, 180_000);

  it('suggests the steps a fresh host needs, and none once it is set up', async () => {
    const fresh = await runPreflight(host.env());
    expect(suggestedSteps(fresh)).toEqual(['repositories', 'zfs', 'nvidia']);
    const outcome = await runSetup({
      env: host.env(),
      hypervisor: fullHypervisor(),
      steps: ['repositories', 'zfs', 'nvidia'],
      listeners: [],
    });
    expect(outcome.rebootRequired).toBe('nvidia');
    const waiting = await runPreflight(host.env());
    expect(waiting.items.find((item) => item.id === 'reboot')?.status).toBe('problem');
    host.reboot();
    expect(suggestedSteps(await runPreflight(host.env()))).toEqual([]);
  }, 180_000);

  it('the legacy flag --setup-hypervisor is phoenix setup', () => {
    const result = phoenix('--setup-hypervisor', '--preflight', '--ascii');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Preflight (read-only):');
  }, 180_000);

  it('--yes without saved answers explains what to do', () => {
    const result = phoenix('setup', '--yes');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no setup answers saved yet');
  }, 180_000);

  it('without a terminal and without --yes it shows the plan and applies nothing', () => {
    saveAll();
    const result = phoenix('setup', '--ascii');
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('file     /etc/apt/sources.list.d/pve-enterprise.sources');
    expect(result.stdout).toContain('command  pveum user add phoenix-admin@pam');
    expect(result.stdout).toContain('WIPE     /dev/disk/by-id/ata-OLD_DISK_WD-3');
    expect(result.stderr).toContain('add --yes');
    expect(host.mutatingCalls()).toEqual([]);
  }, 180_000);

  it('--yes repeats the saved answers; a disk with data needs --wipe with its by-id name; a second run changes nothing; undo restores', () => {
    saveAll();
    const refused = phoenix('setup', '--yes', '--ascii');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('holds data');
    expect(refused.stdout).toContain('phoenix setup --wipe ata-OLD_DISK_WD-3');
    expect(host.calls().filter((c) => /^(wipefs --all|zpool create)/.test(c))).toEqual([]);

    const applied = phoenix('setup', '--yes', '--ascii', '--wipe', 'ata-OLD_DISK_WD-3');
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Reboot the host now, then run phoenix setup again');
    expect(applied.stdout).not.toContain(HASH);
    const runs = readFileSync(
      join(work, 'runs', `${/Run (\S+) is recorded/.exec(applied.stdout)![1]}.jsonl`),
      'utf8',
    );
    expect(runs).toContain('"taskId":"hypervisor/setup"');
    expect(runs).not.toContain(HASH);

    host.reboot();
    host.clearCalls();
    const resumed = phoenix('setup', '--yes', '--ascii');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('Resuming after the reboot: setup stopped at "nvidia"');
    expect(host.mutatingCalls()).toEqual([]);

    host.clearCalls();
    const again = phoenix('setup', '--yes', '--ascii');
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('Resuming');
    expect(host.mutatingCalls()).toEqual([]);

    const undo = phoenix('setup', '--undo', 'network', '--ascii');
    expect(undo.code).toBe(0);
    expect(host.read('/etc/network/interfaces')).toBe(INTERFACES);
    const nothing = phoenix('setup', '--undo', 'network', '--ascii');
    expect(nothing.stdout).toContain('Nothing to undo');
  }, 180_000);

  it('saving answers keeps everything else in the config file', () => {
    copyFileSync(
      join(repoRoot, 'etc/phoenix_hypervisor_config.json'),
      join(configDir, 'phoenix_hypervisor_config.json'),
    );
    const before = readFileSync(join(configDir, 'phoenix_hypervisor_config.json'), 'utf8');
    saveAll();
    const after = readFileSync(join(configDir, 'phoenix_hypervisor_config.json'), 'utf8');
    const parsedBefore = JSON.parse(before) as Record<string, unknown>;
    const parsedAfter = JSON.parse(after) as Record<string, unknown>;
    for (const key of [
      'domain_name',
      'nfs',
      'samba',
      'firewall',
      'dns_server',
      'proxmox_storage_ids',
      'vm_defaults',
    ])
      expect(parsedAfter[key], key).toEqual(parsedBefore[key]);
    expect((parsedAfter.setup as { steps: string[] }).steps).toHaveLength(7);
    expect((parsedAfter.users as unknown[]).length).toBe(1);
    expect(
      after.startsWith('{\n  "domain_name": "lab.internal",\n  "timezone": "Europe/Berlin",'),
    ).toBe(true);
    const validate = phoenix('validate');
    expect(validate.stderr).toBe('');
    expect(validate.code).toBe(0);
  }, 180_000);
});
