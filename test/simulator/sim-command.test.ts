// `phoenix sim path` and `phoenix sim init` from the built CLI (dist/cli.js).
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, simBin } from './sim.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function phoenix(...args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist/cli.js'), ...args], {
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('phoenix sim', () => {
  it('sim path prints the folder holding the five executables', () => {
    const r = phoenix('sim', 'path');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(simBin);
    for (const tool of ['qm', 'pct', 'pvesh', 'pvesm', 'pveam'])
      expect(existsSync(join(r.stdout.trim(), tool))).toBe(true);
  });

  it('sim init seeds nodes, storages, template 9000, the Debian template and N guests deterministically', () => {
    const a = mkdtempSync(join(tmpdir(), 'sim-init-'));
    const b = mkdtempSync(join(tmpdir(), 'sim-init-'));
    dirs.push(a, b);
    const r = phoenix('sim', 'init', a, '--guests', '30', '--nodes', '3', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ nodes: ['pve', 'pve2', 'pve3'], guests: 30 });
    phoenix('sim', 'init', b, '--guests', '30', '--nodes', '3');
    const confs = (dir: string) =>
      ['pve', 'pve2', 'pve3'].flatMap((n) =>
        ['qemu-server', 'lxc'].flatMap((k) =>
          readdirSync(join(dir, 'nodes', n, k)).map((f) =>
            readFileSync(join(dir, 'nodes', n, k, f), 'utf8'),
          ),
        ),
      );
    expect(confs(a)).toHaveLength(31);
    expect(confs(a).sort()).toEqual(confs(b).sort());
    const template = readFileSync(join(a, 'nodes/pve/qemu-server/9000.conf'), 'utf8');
    for (const line of [
      'agent: 1',
      'ide2: local-lvm:vm-9000-cloudinit,media=cdrom',
      'name: ubuntu-24.04-cloud',
      'serial0: socket',
      'template: 1',
      'vga: serial0',
    ]) {
      expect(template).toContain(`${line}\n`);
    }
    expect(readFileSync(join(a, 'storage.cfg'), 'utf8')).toContain(
      'dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup,snippets,import\n',
    );
    expect(
      existsSync(join(a, 'fs/var/lib/vz/template/cache/debian-12-standard_12.7-1_amd64.tar.zst')),
    ).toBe(true);
  });

  it('scale: 1200 guests over 3 nodes are listed completely', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-init-'));
    dirs.push(dir);
    expect(phoenix('sim', 'init', dir, '--guests', '1200', '--nodes', '3').code).toBe(0);
    const env = { ...process.env, PVE_SIM_DIR: dir, PVE_SIM_LATENCY: '0' };
    const resources = spawnSync(
      join(simBin, 'pvesh'),
      ['get', '/cluster/resources', '--type', 'vm', '--output-format', 'json'],
      { env, encoding: 'utf8' },
    );
    const list = JSON.parse(resources.stdout) as { vmid: number; node: string; type: string }[];
    expect(list).toHaveLength(1201);
    const localVms = readdirSync(join(dir, 'nodes/pve/qemu-server')).length;
    const qmList = spawnSync(join(simBin, 'qm'), ['list'], { env, encoding: 'utf8' })
      .stdout.trimEnd()
      .split('\n');
    expect(qmList).toHaveLength(localVms + 1);
    expect(list.filter((g) => g.node === 'pve' && g.type === 'qemu')).toHaveLength(localVms);
  });

  it('sim init refuses a directory that already holds a host', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-init-'));
    dirs.push(dir);
    expect(phoenix('sim', 'init', dir).code).toBe(0);
    const again = phoenix('sim', 'init', dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already holds a simulated host');
    expect(phoenix('sim', 'init', join(dir, 'x'), '--guests', 'many').stderr).toContain(
      '--guests must be a whole number',
    );
  });
});
