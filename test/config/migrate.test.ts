import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../source/config/load.js';
import { migrateConfig } from '../../source/config/migrate.js';
import type { Spec } from '../../source/config/types.js';
import { copyFixture, makeFeaturesRoot, repoRoot } from './helpers.js';

const features = makeFeaturesRoot({
  vm: ['base_setup', 'docker', 'install_webserver', 'trusted_ca', 'step_cli', 'docker_proxy'],
  lxc: [
    'base_setup',
    'docker',
    'nvidia',
    'ollama',
    'vllm',
    'trusted_ca',
    'step_cli',
    'step_ca',
    'traefik',
  ],
});

/** The guests without where they came from (migration moves seed 000's VMs to another file). */
const guests = (spec: Spec) => ({
  vms: spec.vms.map(({ origin: _origin, ...vm }) => vm),
  containers: spec.containers.map(({ origin: _origin, ...container }) => container),
});

const legacyWarnings = (dir: string) =>
  loadConfig(dir, { featuresRoot: features }).diagnostics.filter((d) =>
    /old(er)? spelling|belong in/.test(d.message),
  );

describe('phoenix config migrate', () => {
  it('moves seed 000 VMs into phoenix_vm_configs.json in canonical form, keeping backups', () => {
    const dir = copyFixture('seeds/000');
    const host = join(dir, 'phoenix_hypervisor_config.json');
    const hostBefore = readFileSync(host, 'utf8');
    const before = loadConfig(dir, { featuresRoot: features });
    const result = migrateConfig(dir);
    expect(result.changes.map((c) => [c.file.replace(`${dir}/`, ''), c.action])).toEqual([
      ['phoenix_vm_configs.json', 'created'],
      ['phoenix_hypervisor_config.json', 'rewritten'],
    ]);
    expect(readFileSync(`${host}.bak`, 'utf8')).toBe(hostBefore);
    expect(JSON.parse(readFileSync(join(dir, 'phoenix_vm_configs.json'), 'utf8'))).toEqual({
      vm_defaults: {
        template_name: 'ubuntu-24.04-standard',
        cpu_cores: 4,
        memory_mb: 8192,
        boot_disk_size_gb: 100,
        boot_disk_storage: 'local-lvm',
        network_bridge: 'vmbr0',
      },
      virtual_machines: [
        {
          vm_name: 'webserver-vm',
          cpu_cores: 4,
          memory_mb: 8192,
          boot_disk_size_gb: 100,
          features: ['install_webserver'],
        },
      ],
    });
    expect(JSON.parse(readFileSync(host, 'utf8'))).toEqual({});
    const after = loadConfig(dir, { featuresRoot: features });
    expect(after.diagnostics).toEqual([]);
    expect(guests(after.spec)).toEqual(guests(before.spec));
  });

  it('rewrites the original files: same spec, same key order, site keys kept, then nothing left to do', () => {
    const dir = copyFixture('original');
    const lxc = join(dir, 'phoenix_lxc_configs.json');
    const before = loadConfig(dir, { featuresRoot: features });
    expect(legacyWarnings(dir).length).toBeGreaterThan(0);
    migrateConfig(dir);
    const after = loadConfig(dir, { featuresRoot: features });
    expect(legacyWarnings(dir)).toEqual([]);
    expect(guests(after.spec)).toEqual(guests(before.spec));
    const text = readFileSync(lxc, 'utf8');
    const order = [...text.matchAll(/^ {8}"(\d+)": \{/gm)].map((m) => m[1]);
    expect(order).toEqual([
      '900',
      '901',
      '910',
      '911',
      '912',
      '801',
      '802',
      '101',
      '914',
      '917',
      '103',
      '102',
    ]);
    expect(text).toContain('"vllm_engine_config": {');
    expect(text).toContain('"clone_from_ctid": 900,');
    expect(text.startsWith('{\n    "$schema"')).toBe(true); // the file's 4-space indentation
    expect(existsSync(`${lxc}.bak`)).toBe(true);
    const again = migrateConfig(dir);
    expect(again.changes.map((c) => c.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });

  it('leaves a canonical file byte-identical', () => {
    const dir = copyFixture('seeds/001');
    const file = join(dir, 'phoenix_vm_configs.json');
    const text = readFileSync(file, 'utf8');
    expect(migrateConfig(dir).changes).toEqual([{ file, action: 'unchanged' }]);
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(existsSync(`${file}.bak`)).toBe(false);
  });

  it('refuses to touch files with syntax errors', () => {
    const dir = copyFixture('seeds/003');
    const file = join(dir, 'phoenix_vm_configs.json');
    writeFileSync(file, '{ "vms": [ }');
    expect(() => migrateConfig(dir)).toThrow(/cannot migrate/);
    expect(readFileSync(file, 'utf8')).toBe('{ "vms": [ }');
  });
});

describe('phoenix config migrate (CLI)', () => {
  it('rewrites, reports the backups and exits 0; a second run has nothing to do', () => {
    const dir = copyFixture('seeds/003');
    const run = (...args: string[]) =>
      spawnSync(
        process.execPath,
        [join(repoRoot, 'dist/cli.js'), 'config', 'migrate', '--config-dir', dir, ...args],
        {
          encoding: 'utf8',
        },
      );
    const dry = run('--dry-run');
    expect(dry.stdout).toContain('phoenix_vm_configs.json: would be rewritten');
    expect(existsSync(join(dir, 'phoenix_vm_configs.json.bak'))).toBe(false);
    const first = run();
    expect(first.stdout).toContain(
      `phoenix_vm_configs.json: rewritten (previous version: ${join(dir, 'phoenix_vm_configs.json')}.bak)`,
    );
    // The seed's "..." placeholders remain true errors that migration cannot fix.
    expect(first.stdout).toContain('password_hash is not a crypt(3) hash');
    expect(first.status).toBe(2);
    expect(readFileSync(join(dir, 'phoenix_vm_configs.json'), 'utf8')).toContain(
      '"virtual_machines": [',
    );
    expect(run().stdout).toContain('phoenix_vm_configs.json: already canonical');
  });
});
