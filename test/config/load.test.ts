import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../source/config/format.js';
import { loadConfig } from '../../source/config/load.js';
import { makeFeaturesRoot, repoRoot, tempDir, writeConfig } from './helpers.js';

const features = makeFeaturesRoot();

describe('loadConfig on the shipped example host (etc/)', () => {
  const dir = tempDir();
  cpSync(join(repoRoot, 'etc'), dir, { recursive: true });
  const result = loadConfig(dir, { featuresRoot: features });

  it('is valid without findings', () => {
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('merges vm_defaults (objects key by key) and records what was declared', () => {
    const dev = result.spec.vms.find((vm) => vm.vm_name === 'rumpledev')!;
    expect(dev).toMatchObject({
      kind: 'qemu',
      vm_id: 1000,
      clone_from_vmid: 9000,
      cpu_cores: 2,
      cpu_sockets: 1,
      memory_mb: 4096,
      boot_disk_size_gb: 32,
      boot_disk_storage: 'local-lvm',
      network_config: {
        ip: '10.0.0.100/24',
        gw: '10.0.0.1',
        nameserver: '10.0.0.1',
        searchdomain: 'lab.internal',
      },
      user_config: { username: 'phoenix' },
      snapshots: { 'pre-features': 'pre-features', 'post-features': 'post-features' },
    });
    expect(dev.user_config!.password_hash).toMatch(/^\$6\$/);
    expect(dev.declared).toEqual(
      expect.arrayContaining(['vm_id', 'vm_name', 'cpu_cores', 'network_config', 'user_config']),
    );
    expect(dev.declared).not.toContain('start_at_boot');
    expect(dev.origin).toEqual({
      file: join(dir, 'phoenix_vm_configs.json'),
      jsonPath: '$.virtual_machines[1]',
      segments: ['virtual_machines', 1],
    });
    const template = result.spec.vms.find((vm) => vm.vm_id === 9000)!;
    expect(template).toMatchObject({
      is_template: true,
      template_image: 'noble-server-cloudimg-amd64.img',
    });
  });

  it('builds containers in Proxmox units with built-in defaults where nothing is declared', () => {
    const [base, docker, gpu] = result.spec.containers;
    expect(base).toMatchObject({
      kind: 'lxc',
      ctid: 900,
      is_template: true,
      unprivileged: true,
      swap_mb: 512,
    });
    expect(docker).toMatchObject({
      ctid: 901,
      clone_from_ctid: 900,
      pct_options: ['nesting=1', 'keyctl=1'],
      features: ['docker'],
    });
    expect(gpu).toMatchObject({
      ctid: 902,
      gpu_assignment: [0],
      dependencies: [901],
      features: ['nvidia', 'ollama'],
    });
    expect(gpu!.network_config).toEqual({
      name: 'eth0',
      bridge: 'vmbr0',
      ip: '10.0.0.111/24',
      gw: '10.0.0.1',
      nameserver: '10.0.0.1',
    });
    expect(result.spec.hypervisor).toMatchObject({
      domain_name: 'lab.internal',
      ubuntu_release: 'noble',
    });
  });
});

describe('findings', () => {
  it('reports every error of every file at once, sorted by file and position', () => {
    const dir = writeConfig({
      'phoenix_vm_configs.json':
        '{ "virtual_machines": [ { "vm_name": "a", "cpu_cores": 0, "memory_mb": "lots" } ] }',
      'phoenix_lxc_configs.json': '{ "lxc_configs": { "900": { "name": "b", "cores": -1 }, } }',
    });
    const result = loadConfig(dir, { featuresRoot: features });
    const lines = result.diagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => `${d.file.slice(dir.length + 1)}:${d.line}:${d.column} ${d.path}`);
    expect(lines).toEqual([
      'phoenix_lxc_configs.json:1:57 $', // the trailing comma; the file is not checked further
      'phoenix_vm_configs.json:1:56 $.virtual_machines[0].cpu_cores',
      'phoenix_vm_configs.json:1:72 $.virtual_machines[0].memory_mb',
    ]);
    expect(result.valid).toBe(false);
  });

  it('formats a finding as file:line:column severity path: message — hint', () => {
    const dir = writeConfig({
      'phoenix_vm_configs.json':
        '{\n  "virtual_machines": [\n    { "vm_name": "a", "cpu_cores": "two" }\n  ]\n}\n',
    });
    const error = loadConfig(dir, { featuresRoot: features }).diagnostics.find(
      (d) => d.severity === 'error',
    )!;
    expect(formatDiagnostic(error, dir)).toBe(
      'phoenix_vm_configs.json:3:36 error $.virtual_machines[0].cpu_cores: must be an integer (got "two") — CPU cores per socket. — e.g. "cpu_cores": 4',
    );
  });

  it('resolves dependencies given by name to IDs', () => {
    const dir = writeConfig({
      'phoenix_vm_configs.json': JSON.stringify({
        virtual_machines: [
          { vm_id: 1000, vm_name: 'db', clone_from_vmid: 9000 },
          { vm_id: 1001, vm_name: 'app', clone_from_vmid: 9000, dependencies: ['db'] },
        ],
      }),
    });
    const result = loadConfig(dir, { featuresRoot: features });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.spec.vms[1]!.dependencies).toEqual([1000]);
  });

  it('names a clone cycle through clone sources', () => {
    const dir = writeConfig({
      'phoenix_lxc_configs.json': JSON.stringify({
        lxc_configs: {
          '901': { name: 'a', clone_from_ctid: 902 },
          '902': { name: 'b', clone_from_ctid: 901 },
        },
      }),
    });
    const errors = loadConfig(dir, { featuresRoot: features }).diagnostics.filter(
      (d) => d.severity === 'error',
    );
    expect(errors.map((d) => d.message)).toEqual(['dependency cycle: 901 → 902 → 901']);
  });

  it('an empty directory is valid with a warning; a missing one is an error', () => {
    const empty = loadConfig(tempDir(), { featuresRoot: features });
    expect(empty.valid).toBe(true);
    expect(empty.diagnostics[0]!.message).toContain('no config files');
    const missing = loadConfig(join(tempDir(), 'nope'), { featuresRoot: features });
    expect(missing.valid).toBe(false);
    expect(missing.diagnostics[0]).toMatchObject({ severity: 'error', line: 0, column: 0 });
  });
});

describe('snapshot names', () => {
  it('rejects the names Proxmox reserves', () => {
    const dir = writeConfig({
      'phoenix_vm_configs.json': JSON.stringify({
        virtual_machines: [
          {
            vm_id: 1000,
            vm_name: 'a',
            clone_from_vmid: 9000,
            snapshots: { 'pre-features': 'current' },
          },
        ],
      }),
    });
    const errors = loadConfig(dir, { featuresRoot: features }).diagnostics.filter(
      (d) => d.severity === 'error',
    );
    expect(errors.map((d) => [d.path, d.message])).toEqual([
      [
        '$.virtual_machines[0].snapshots["pre-features"]',
        'snapshot name "current" is reserved by Proxmox',
      ],
    ]);
  });
});

describe('template_name', () => {
  it('counts as an edge to a template VM of the config (a cycle through it is named)', () => {
    const dir = writeConfig({
      'phoenix_vm_configs.json': JSON.stringify({
        virtual_machines: [
          {
            vm_id: 9000,
            vm_name: 'tpl',
            is_template: true,
            template_image: 'x.img',
            dependencies: [1000],
          },
          { vm_id: 1000, vm_name: 'web', template_name: 'tpl' },
        ],
      }),
    });
    const errors = loadConfig(dir, { featuresRoot: features }).diagnostics.filter(
      (d) => d.severity === 'error',
    );
    expect(errors.map((d) => d.message)).toEqual(['dependency cycle: 9000 → 1000 → 9000']);
  });
});

describe('unreadable documents', () => {
  it('an empty file, an array, an unclosed array: one clear error each', () => {
    const cases: [string, string, string][] = [
      ['', '1:1', 'the file is empty'],
      ['[1, 2]', '1:1', 'the file must hold a JSON object, not an array'],
      [
        '{\n  "virtual_machines": [\n',
        '3:1',
        'JSON syntax error: close bracket expected at the end of the file',
      ],
    ];
    for (const [text, position, message] of cases) {
      const dir = writeConfig({ 'phoenix_vm_configs.json': text });
      const errors = loadConfig(dir, { featuresRoot: features }).diagnostics.filter(
        (d) => d.severity === 'error',
      );
      expect(errors.map((d) => [`${d.line}:${d.column}`, d.message])).toEqual([
        [position, message],
      ]);
    }
  });
});
