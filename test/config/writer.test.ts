import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../source/config/load.js';
import {
  ConfigChangedError,
  editConfigFile,
  upsertGuest,
  writeBackVmId,
  writeFileAtomic,
} from '../../source/config/writer.js';
import { copyFixture, makeFeaturesRoot, repoRoot, tempDir } from './helpers.js';
import { cpSync } from 'node:fs';

const features = makeFeaturesRoot({
  vm: ['base_setup', 'docker', 'qemu_guest_agent', 'install_webserver'],
  lxc: ['base_setup', 'docker', 'nvidia', 'ollama'],
});

function copyEtc(): string {
  const dir = tempDir();
  cpSync(join(repoRoot, 'etc'), dir, { recursive: true });
  return dir;
}

describe('writeFileAtomic', () => {
  it('replaces the file by rename (a reader of the old file never sees a half-written one), keeps mode and .bak', () => {
    const dir = tempDir();
    const file = join(dir, 'x.json');
    writeFileSync(file, '{ "a": 1 }\n', { mode: 0o640 });
    const fd = openSync(file, 'r');
    writeFileAtomic(file, '{ "a": 2 }\n', { backup: true });
    const buffer = Buffer.alloc(64);
    const read = readSync(fd, buffer, 0, 64, 0);
    closeSync(fd);
    expect(buffer.subarray(0, read).toString()).toBe('{ "a": 1 }\n'); // the old inode is untouched
    expect(readFileSync(file, 'utf8')).toBe('{ "a": 2 }\n');
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe('{ "a": 1 }\n');
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).sort()).toEqual(['x.json', 'x.json.bak']); // no temp files left
  });
});

describe('editConfigFile', () => {
  const original = readFileSync(
    join(repoRoot, 'test/fixtures/config/original/phoenix_vm_configs.json'),
    'utf8',
  );

  it('changes only the edited value: everything else stays byte-identical (4-space file, unknown keys)', () => {
    const dir = tempDir();
    const file = join(dir, 'phoenix_vm_configs.json');
    writeFileSync(file, original);
    const text = editConfigFile(file, original, [{ path: ['vms', 1, 'memory_mb'], value: 16384 }]);
    const at = original.indexOf('"memory_mb": 8192');
    expect(at).toBeGreaterThan(0);
    expect(text.slice(0, at)).toBe(original.slice(0, at));
    expect(text.slice(at)).toBe(
      original.slice(at).replace('"memory_mb": 8192', '"memory_mb": 16384'),
    );
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe(original);
  });

  it("new keys use the file's indentation and key order is kept", () => {
    const dir = tempDir();
    const file = join(dir, 'f.json');
    const before = '{\n    "b": 1,\n    "a": true\n}\n';
    writeFileSync(file, before);
    const text = editConfigFile(file, before, [{ path: ['c'], value: { d: [1] } }]);
    expect(text).toBe(
      '{\n    "b": 1,\n    "a": true,\n    "c": {\n        "d": [\n            1\n        ]\n    }\n}\n',
    );
  });

  it('refuses to overwrite a file that changed on disk since it was read', () => {
    const dir = tempDir();
    const file = join(dir, 'f.json');
    writeFileSync(file, '{ "a": 1 }\n');
    const read = readFileSync(file, 'utf8');
    writeFileSync(file, '{ "a": 1, "edited": "elsewhere" }\n');
    expect(() => editConfigFile(file, read, [{ path: ['a'], value: 2 }])).toThrow(
      ConfigChangedError,
    );
    expect(readFileSync(file, 'utf8')).toBe('{ "a": 1, "edited": "elsewhere" }\n');
    expect(existsSync(`${file}.bak`)).toBe(false);
  });
});

describe('upsertGuest', () => {
  it('adds a VM to virtual_machines and the config stays valid', () => {
    const dir = copyEtc();
    const file = join(dir, 'phoenix_vm_configs.json');
    const before = readFileSync(file, 'utf8');
    upsertGuest(
      dir,
      {
        kind: 'qemu',
        entry: {
          vm_id: 1003,
          vm_name: 'rumplestage',
          clone_from_vmid: 9000,
          network_config: { ip: '10.0.0.103/24' },
        },
      },
      before,
    );
    const result = loadConfig(dir, { featuresRoot: features });
    expect(result.valid).toBe(true);
    expect(result.spec.vms.map((vm) => vm.vm_id)).toEqual([9000, 1000, 1001, 1002, 1003]);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith(before.slice(0, before.lastIndexOf('}\n    }')))).toBe(true);
    expect(text).toContain('      "vm_name": "rumplestage",');
  });

  it('replaces the VM with the same vm_id, and sets a container by CTID', () => {
    const dir = copyEtc();
    upsertGuest(dir, {
      kind: 'qemu',
      entry: {
        vm_id: 1001,
        vm_name: 'rumpletest',
        clone_from_vmid: 9000,
        cpu_cores: 8,
        network_config: { ip: '10.0.0.101/24' },
      },
    });
    upsertGuest(dir, {
      kind: 'lxc',
      ctid: 903,
      entry: { name: 'web', clone_from_ctid: 900, network_config: { ip: '10.0.0.112/24' } },
    });
    const result = loadConfig(dir, { featuresRoot: features });
    expect(result.valid).toBe(true);
    expect(result.spec.vms.find((vm) => vm.vm_id === 1001)!.cpu_cores).toBe(8);
    expect(result.spec.vms).toHaveLength(4);
    expect(result.spec.containers.find((c) => c.ctid === 903)).toMatchObject({
      name: 'web',
      clone_from_ctid: 900,
    });
  });

  it('updates only the given keys of an existing entry: site keys, old spellings and formatting kept', () => {
    const dir = copyFixture('original');
    const file = join(dir, 'phoenix_vm_configs.json');
    const before = readFileSync(file, 'utf8');
    upsertGuest(
      dir,
      { kind: 'qemu', entry: { vm_id: 1002, vm_name: 'drphoenix', memory_mb: 6144, cpu_cores: 6 } },
      before,
    );
    const text = readFileSync(file, 'utf8');
    const vm = (JSON.parse(text) as { vms: Record<string, unknown>[] }).vms[2]!;
    expect(vm).toMatchObject({
      vmid: 1002,
      memory_mb: 6144,
      cpu_cores: 6,
      portainer_role: 'agent',
      docker_stacks: ['qdrant_service'],
    });
    expect(vm).not.toHaveProperty('cores'); // the old spelling gave way to the canonical key
    expect(vm).not.toHaveProperty('vm_name'); // unchanged name: "name" stays as written
    const first = before.indexOf('"vmid": 1002');
    expect(text.slice(0, first)).toBe(before.slice(0, first));
  });

  it("refuses when the caller's copy is stale", () => {
    const dir = copyEtc();
    expect(() =>
      upsertGuest(dir, { kind: 'lxc', ctid: 903, entry: { name: 'web' } }, '{}'),
    ).toThrow(ConfigChangedError);
  });
});

describe('writeBackVmId', () => {
  it('records the ID the plan assigned where the VM is declared (seed 000: in the host file)', () => {
    const dir = copyFixture('seeds/000');
    const before = loadConfig(dir, { featuresRoot: features });
    const vm = before.spec.vms[0]!;
    expect(vm.vm_id).toBeUndefined();
    const file = vm.origin.file;
    const oldText = readFileSync(file, 'utf8');
    writeBackVmId(vm.origin, vm.vm_name, 1000, oldText);
    const after = loadConfig(dir, { featuresRoot: features });
    expect(after.spec.vms[0]!.vm_id).toBe(1000);
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(
      oldText.replace(
        '        {\n            "name"',
        '        {\n            "vm_id": 1000,\n            "name"',
      ),
    );
  });

  it('refuses when the entry is no longer that VM', () => {
    const dir = copyFixture('seeds/000');
    const vm = loadConfig(dir, { featuresRoot: features }).spec.vms[0]!;
    expect(() => writeBackVmId(vm.origin, 'another-vm', 1000)).toThrow(/no longer that VM/);
  });
});
