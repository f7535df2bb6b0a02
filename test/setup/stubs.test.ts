import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeHost, hostBin } from './harness.js';

const stubs = [
  ...readdirSync(hostBin)
    .filter((name) => statSync(join(hostBin, name)).isFile())
    .map((name) => [name, hostBin]),
  ['host-stub.sh', join(hostBin, 'lib')],
];

describe('host command stubs', () => {
  it.each(stubs)('%s is shellcheck-clean', (name, dir) => {
    const result = spawnSync('shellcheck', ['-x', '--shell=bash', name!], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  let host: FakeHost;
  beforeEach(() => {
    host = new FakeHost();
  });
  afterEach(() => host.cleanup());
  const run = (argv: string[]) =>
    spawnSync(argv[0]!, argv.slice(1), { env: host.processEnv(), encoding: 'utf8' });

  it('record their calls and keep state under PHOENIX_ROOT', () => {
    expect(run(['pvesm', 'add', 'dir', 'x', '--path', '/x']).status).toBe(0);
    expect(run(['pvesm', 'add', 'dir', 'x', '--path', '/x']).status).toBe(255);
    expect(host.read('/etc/pve/storage.cfg')).toContain('dir: x\n\tpath /x\n');
    expect(host.calls()).toEqual(['pvesm add dir x --path /x', 'pvesm add dir x --path /x']);
  });

  it('refuse what setup must never do: touch a device outside the root, force a pool', () => {
    expect(run(['wipefs', '--all', '/dev/sda']).status).toBe(98);
    const forced = run(['zpool', 'create', '-f', 'tank', `/dev/disk/by-id/ata-WDC_WD40EFRX_WD-1`]);
    expect(forced.status).toBe(99);
    const data = run(['zpool', 'create', 'tank', '/dev/disk/by-id/ata-OLD_DISK_WD-3']);
    expect(data.status).toBe(1);
    expect(data.stderr).toContain('contains a filesystem');
  });
});
