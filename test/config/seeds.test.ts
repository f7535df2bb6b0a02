import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../source/config/load.js';
import type { Diagnostic } from '../../source/config/types.js';
import { copyFixture, makeFeaturesRoot } from './helpers.js';

// Each fixture under test/fixtures/config/seeds/ is a config written from a seed document's JSON.
const features = makeFeaturesRoot({
  vm: ['base_setup', 'docker', 'qemu_guest_agent', 'install_webserver'],
  lxc: ['base_setup'],
});

const errors = (diagnostics: Diagnostic[]) => diagnostics.filter((d) => d.severity === 'error');
const warningFor = (diagnostics: Diagnostic[], path: string) =>
  diagnostics.find((d) => d.severity === 'warning' && d.path === path);

/** A real sha512-crypt hash and a public key in place of the seeds' "..." placeholders. */
const HASH =
  '$6$phoenixdemo8Kq2$MnTJ/1nPU4cy1Hzb/3/dep0PqHw/xxlcdN5/s9agrQ9K5Bti/4w7jJAooSUROjGreFs2E6udRSxsiWCHfYKDJ/';
const KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHJFoReWUwqimvy6rJjJeHVGmKk2N5uYmzLWDqtkAMZN admin@workstation';

function fillPlaceholders(dir: string, file: string): void {
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8')
    .replace('"password_hash": "..."', `"password_hash": "${HASH}"`)
    .replace(/"ssh_public_key": "[^"]*"/, `"ssh_public_key": "${KEY}"`);
  writeFileSync(path, text);
}

describe('seed 000: vm_defaults and vms inside phoenix_hypervisor_config.json', () => {
  const result = loadConfig(copyFixture('seeds/000'), { featuresRoot: features });

  it('loads and normalises to the canonical form', () => {
    expect(errors(result.diagnostics)).toEqual([]);
    expect(result.spec.vms).toHaveLength(1);
    const vm = result.spec.vms[0]!;
    expect(vm).toMatchObject({
      kind: 'qemu',
      vm_name: 'webserver-vm',
      template_name: 'ubuntu-24.04-standard',
      cpu_cores: 4,
      memory_mb: 8192,
      boot_disk_size_gb: 100,
      boot_disk_storage: 'local-lvm',
      network_bridge: 'vmbr0',
      features: ['install_webserver'],
    });
    expect(vm.vm_id).toBeUndefined();
    expect(vm.origin.file).toMatch(/phoenix_hypervisor_config\.json$/);
    expect(vm.origin.jsonPath).toBe('$.vms[0]');
  });

  it('names the canonical key in a warning for each old spelling', () => {
    const d = result.diagnostics;
    expect(warningFor(d, '$.vms')?.message).toContain('virtual_machines');
    expect(warningFor(d, '$.vms[0].cores')?.message).toContain('"cpu_cores"');
    expect(warningFor(d, '$.vms[0].disk_size_gb')?.message).toContain('"boot_disk_size_gb"');
    expect(warningFor(d, '$.vms[0].post_create_scripts')?.message).toContain('"features"');
    expect(warningFor(d, '$.vms[0].name')?.message).toContain('"vm_name"');
    expect(
      d.some(
        (x) => x.path === '$.vm_defaults.storage_pool' && x.message.includes('"boot_disk_storage"'),
      ),
    ).toBe(true);
  });

  it('a VM without an ID is valid', () => {
    expect(result.valid).toBe(true);
  });
});

describe('seed 001: canonical vm_defaults + virtual_machines', () => {
  it('loads the rumpledev/rumpletest/rumpleprod example without findings', () => {
    const result = loadConfig(copyFixture('seeds/001'), { featuresRoot: features });
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
    const [dev, test, prod] = result.spec.vms;
    expect(dev).toMatchObject({
      vm_id: 1000,
      vm_name: 'rumpledev',
      cpu_cores: 2,
      memory_mb: 4096,
      cpu_sockets: 1,
    });
    expect(test).toMatchObject({
      vm_id: 1001,
      vm_name: 'rumpletest',
      cpu_cores: 4,
      memory_mb: 8192,
    });
    expect(prod).toMatchObject({
      vm_id: 1002,
      boot_disk_storage: 'local-zfs',
      network_model: 'virtio',
      os_type: 'l26',
    });
    expect(dev!.tags).toEqual(['development', 'web-server']);
    expect(dev!.features).toEqual(['base_setup', 'install_docker']);
    // template_name comes from vm_defaults: declared, though not by the VM itself
    expect(dev!.declared).toContain('template_name');
    expect(dev!.declared).toContain('description');
  });

  it('loads the volumes variant of section 2.1', () => {
    const result = loadConfig(copyFixture('seeds/001-volumes'), { featuresRoot: features });
    expect(result.valid).toBe(true);
    expect(result.spec.vms[0]!.volumes).toEqual([
      {
        type: 'nfs',
        share: 'local-nfs',
        path: '/vm-features/1000',
        mount_point: '/mnt/nfs/features',
      },
    ]);
  });
});

describe('seed 002: vms with vmid/name, network_config and user_config', () => {
  it('reports the seed placeholders as what they are, without printing them', () => {
    const result = loadConfig(copyFixture('seeds/002'), { featuresRoot: features });
    expect(errors(result.diagnostics).map((d) => d.path)).toEqual([
      '$.vms[0].user_config.password_hash',
      '$.vms[0].user_config.ssh_public_key',
    ]);
    expect(errors(result.diagnostics)[0]!.hint).toContain('openssl passwd -6');
    expect(JSON.stringify(result.diagnostics)).not.toContain('"..."');
  });

  it('loads once the placeholders hold a real hash and key', () => {
    const dir = copyFixture('seeds/002');
    fillPlaceholders(dir, 'phoenix_hypervisor_config.json');
    const result = loadConfig(dir, { featuresRoot: features });
    expect(errors(result.diagnostics)).toEqual([]);
    expect(result.spec.vms[0]).toMatchObject({
      vm_id: 8001,
      vm_name: 'docker-vm-01',
      network_config: { ip: '10.0.0.101/24', gw: '10.0.0.1' },
      user_config: { username: 'phoenix_user', password_hash: HASH, ssh_public_key: KEY },
    });
    expect(warningFor(result.diagnostics, '$.vms[0].vmid')?.message).toContain('"vm_id"');
  });
});

describe('seed 003: cloud-image template clone with vms/vmid/cores/disk_size_gb', () => {
  it('loads with a warning that the clone source is not in the config', () => {
    const dir = copyFixture('seeds/003');
    fillPlaceholders(dir, 'phoenix_vm_configs.json');
    const result = loadConfig(dir, { featuresRoot: features });
    expect(errors(result.diagnostics)).toEqual([]);
    expect(result.spec.vms[0]).toMatchObject({
      vm_id: 8001,
      clone_from_vmid: 8000,
      cpu_cores: 4,
      memory_mb: 8192,
      boot_disk_size_gb: 100,
    });
    const clone = warningFor(result.diagnostics, '$.vms[0].clone_from_vmid');
    expect(clone?.message).toContain('not in the config');
    expect(clone).toMatchObject({ line: 6, column: 28 });
  });
});

describe('seed 004: the older repository (LXC era)', () => {
  it('loads its phoenix_lxc_configs.json with warnings only; "features" was the Proxmox feature string', () => {
    const result = loadConfig(copyFixture('original-older-repo'), { featuresRoot: features });
    expect(errors(result.diagnostics)).toEqual([]);
    expect(result.spec.containers.map((c) => c.ctid)).toEqual([900, 901, 902, 999]);
    expect(result.spec.containers[0]).toMatchObject({
      pct_options: ['nesting=1', 'keyctl=1'],
      features: [],
      gpu_assignment: [0],
      unprivileged: false,
      network_config: { hwaddr: '52:54:00:67:89:A0', ip: '10.0.0.110/24' },
    });
    expect(warningFor(result.diagnostics, '$.lxc_configs["900"].features')?.message).toContain(
      'pct_options',
    );
  });
});
