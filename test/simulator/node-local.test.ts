// What is local to each node of a two-node cluster: non-shared storages (`local`, `local-lvm`)
// and the node's own files, reached over the API (template downloads as tasks) and over root SSH
// (mkdir, chown, stat); a container's bind mount must exist on its own node to start.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newHost, type TestHost } from './sim.js';

const DEBIAN = 'debian-12-standard_12.7-1_amd64.tar.zst';
const UBUNTU = 'ubuntu-24.04-standard_24.04-2_amd64.tar.zst';
const PVE2 = { PVE_SIM_NODE: 'pve2' };

let host: TestHost;
beforeAll(() => {
  host = newHost({ nodes: 2 });
});
afterAll(() => host.remove());

const json = <T>(text: string): T => JSON.parse(text) as T;
const templates = (node: string) =>
  json<{ volid: string }[]>(
    host.pvesh(
      'get',
      `/nodes/${node}/storage/local/content`,
      '--content',
      'vztmpl',
      '--output-format',
      'json',
    ).stdout,
  ).map((volume) => volume.volid);

describe('storages that are not shared', () => {
  it('are one store per node: a template removed on pve2 is still on pve', () => {
    expect(templates('pve2')).toEqual([`local:vztmpl/${DEBIAN}`]);
    expect(host.run('pveam', ['remove', `local:vztmpl/${DEBIAN}`], PVE2).code).toBe(0);
    expect(templates('pve2')).toEqual([]);
    expect(templates('pve')).toEqual([`local:vztmpl/${DEBIAN}`]);
    expect(host.run('pveam', ['list', 'local'], PVE2).stdout).not.toContain(DEBIAN);
    // pct create on pve2 finds no template there.
    expect(
      host.run('pct', ['create', '930', `local:vztmpl/${DEBIAN}`, '--rootfs', 'local-lvm:1'], PVE2),
    ).toMatchObject({ code: 255, stderr: `volume 'local:vztmpl/${DEBIAN}' does not exist\n` });
  });

  it("keep each node's guest volumes apart; a shared storage is one store", () => {
    expect(host.run('pvesm', ['alloc', 'local-lvm', '931', 'vm-931-disk-0', '1G'], PVE2).code).toBe(
      0,
    );
    expect(host.run('pvesm', ['list', 'local-lvm'], PVE2).stdout).toContain('vm-931-disk-0');
    expect(host.run('pvesm', ['list', 'local-lvm']).stdout).not.toContain('vm-931-disk-0');
    expect(
      host.run('pvesm', ['add', 'dir', 'nas', '--path', '/mnt/pve/nas', '--shared', '1']).code,
    ).toBe(0);
    expect(host.run('pvesm', ['alloc', 'nas', '932', 'vm-932-disk-0.raw', '1G']).code).toBe(0);
    expect(host.run('pvesm', ['list', 'nas'], PVE2).stdout).toContain('nas:932/vm-932-disk-0');
  });
});

describe('POST /nodes/{node}/aplinfo', () => {
  it("downloads onto another node's storage in a task that runs on after the answer", () => {
    // At 0.3 of real latency the download takes 1.8 s.
    const slow = { PVE_SIM_LATENCY: '0.3' };
    const started = host.run(
      'pvesh',
      ['create', '/nodes/pve2/aplinfo', '--storage', 'local', '--template', DEBIAN],
      slow,
    );
    expect(started.code).toBe(0);
    expect(started.stderr).toBe('');
    const upid = started.stdout.trim();
    expect(upid).toMatch(
      new RegExp(
        `^UPID:pve2:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:download:${DEBIAN.replace(/\./g, '\\.')}:root@pam:$`,
      ),
    );
    const status = () =>
      json<{ status: string; exitstatus?: string; type: string; node: string }>(
        host.pvesh('get', `/nodes/pve2/tasks/${upid}/status`, '--output-format', 'json').stdout,
      );
    expect(status()).toMatchObject({ status: 'running', type: 'download', node: 'pve2' });
    expect(status().exitstatus).toBeUndefined();
    expect(templates('pve2')).toEqual([]);
    const deadline = Date.now() + 10_000;
    while (status().status === 'running' && Date.now() < deadline) {
      // polled like a client of the API does
    }
    expect(status()).toMatchObject({ status: 'stopped', exitstatus: 'OK' });
    expect(templates('pve2')).toEqual([`local:vztmpl/${DEBIAN}`]);
    const log = json<{ n: number; t: string }[]>(
      host.pvesh('get', `/nodes/pve2/tasks/${upid}/log`, '--output-format', 'json').stdout,
    );
    expect(log[0]).toEqual({
      n: 1,
      t: `downloading http://download.proxmox.com/images/system/${DEBIAN} to /var/lib/vz/template/cache/${DEBIAN}`,
    });
    expect(log.at(-1)).toEqual({ n: log.length, t: 'TASK OK' });
  });

  it('runs in the foreground on its own node: the log, then the UPID', () => {
    const result = host.pvesh(
      'create',
      '/nodes/pve/aplinfo',
      '--storage',
      'local',
      '--template',
      UBUNTU,
    );
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toContain(`downloading http://download.proxmox.com/images/system/${UBUNTU}`);
    expect(lines.at(-1)).toMatch(/^UPID:pve:.*:download:/);
    expect(templates('pve')).toContain(`local:vztmpl/${UBUNTU}`);
    expect(templates('pve2')).not.toContain(`local:vztmpl/${UBUNTU}`);
  });

  it('fails a task whose download fails; checks the request before it starts one', () => {
    host.faults({ storageFull: ['local'] });
    const upid = host
      .pvesh('create', '/nodes/pve2/aplinfo', '--storage', 'local', '--template', UBUNTU)
      .stdout.trim();
    host.faults({});
    const status = json<{ status: string; exitstatus: string }>(
      host.pvesh('get', `/nodes/pve2/tasks/${upid}/status`, '--output-format', 'json').stdout,
    );
    expect(status).toMatchObject({
      status: 'stopped',
      exitstatus: 'download failed: write error: No space left on device',
    });
    expect(templates('pve2')).not.toContain(`local:vztmpl/${UBUNTU}`);
    expect(
      host.pvesh('create', '/nodes/pve2/aplinfo', '--storage', 'local', '--template', 'x.tar.zst'),
    ).toMatchObject({
      code: 255,
      stderr: '400 Parameter verification failed.\ntemplate: no such template\n',
    });
    expect(
      host.pvesh('create', '/nodes/pve2/aplinfo', '--storage', 'local-lvm', '--template', DEBIAN),
    ).toMatchObject({ code: 255, stderr: "storage 'local-lvm' does not support templates\n" });
  });
});

describe('POST /nodes/{node}/storage/{storage}/download-url on another node', () => {
  it('answers with the UPID; the file arrives on that node when the task ends', () => {
    const image = join(host.dir, 'sim', 'web', 'images.example', 'noble.img');
    mkdirSync(join(image, '..'), { recursive: true });
    writeFileSync(image, 'an image\n');
    const sha256 = createHash('sha256').update('an image\n').digest('hex');
    const args = (filename: string, checksum: string) => [
      'create',
      '/nodes/pve2/storage/local/download-url',
      '--url',
      'https://images.example/noble.img',
      '--filename',
      filename,
      '--content',
      'import',
      '--checksum',
      checksum,
      '--checksum-algorithm',
      'sha256',
    ];
    const started = host.pvesh(...args('noble.qcow2', sha256));
    expect(started).toMatchObject({ code: 0, stderr: '' });
    expect(started.stdout).toMatch(/^UPID:pve2:\S+:download:local:root@pam:\n$/);
    const status = (upid: string) =>
      json<{ status: string; exitstatus?: string }>(
        host.pvesh('get', `/nodes/pve2/tasks/${upid}/status`, '--output-format', 'json').stdout,
      );
    expect(status(started.stdout.trim())).toEqual(
      expect.objectContaining({ status: 'stopped', exitstatus: 'OK' }),
    );
    const content = (node: string) =>
      host.pvesh('get', `/nodes/${node}/storage/local/content`, '--content', 'import').stdout;
    expect(content('pve2')).toContain('local:import/noble.qcow2');
    expect(content('pve')).not.toContain('local:import/noble.qcow2');
    expect(
      readFileSync(join(host.dir, 'sim/nodes/pve2/fs/var/lib/vz/import/noble.qcow2'), 'utf8'),
    ).toBe('an image\n');

    // A wrong checksum fails the task, not the call.
    const wrong = host.pvesh(...args('other.qcow2', 'f'.repeat(64)));
    expect(wrong.code).toBe(0);
    expect(status(wrong.stdout.trim())).toMatchObject({
      status: 'stopped',
      exitstatus: `checksum mismatch: got '${sha256}' != expect '${'f'.repeat(64)}'`,
    });
    expect(content('pve2')).not.toContain('other.qcow2');
  });
});

describe("a node's own files over root SSH", () => {
  const ssh = (line: string) => host.run('ssh', ['root@pve2', '--', line]);
  const pve2Root = () => join(host.dir, 'sim', 'nodes', 'pve2', 'fs');

  it('mkdir, chown and stat act on that node only, with coreutils messages', () => {
    expect(ssh('stat -c %u:%g -- /srv/media')).toEqual({
      code: 1,
      stdout: '',
      stderr: "stat: cannot statx '/srv/media': No such file or directory\n",
    });
    expect(ssh('mkdir /srv/media')).toMatchObject({
      code: 1,
      stderr: "mkdir: cannot create directory '/srv/media': No such file or directory\n",
    });
    expect(ssh('mkdir -p -m 0750 -- /srv/media')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(ssh('chown 101000:101000 -- /srv/media').code).toBe(0);
    expect(ssh("stat -c '%u:%g %a %F %n' -- /srv/media")).toEqual({
      code: 0,
      stdout: '101000:101000 750 directory /srv/media\n',
      stderr: '',
    });
    const made = statSync(join(pve2Root(), 'srv', 'media'));
    expect([made.uid, made.gid]).toEqual([101000, 101000]);
    expect(existsSync(join(host.dir, 'fs', 'srv', 'media'))).toBe(false);
    expect(ssh('mkdir /srv/media').stderr).toBe(
      "mkdir: cannot create directory '/srv/media': File exists\n",
    );
    expect(ssh('chown nobody-here /srv/media')).toMatchObject({
      code: 1,
      stderr: "chown: invalid user: 'nobody-here'\n",
    });
    // Each ran on pve2 and is in the call log under its own name.
    const names = host
      .calls()
      .slice(-14)
      .filter((call) => call.argv[0] !== 'ssh')
      .map((call) => call.argv[0]);
    expect(names).toEqual(['stat', 'mkdir', 'mkdir', 'chown', 'stat', 'mkdir', 'chown']);
  });

  it("starts a container only when its bind mount's directory exists on its node", () => {
    const template = `local:vztmpl/${DEBIAN}`;
    const create = ['create', '940', template, '--rootfs', 'local-lvm:1'];
    expect(host.run('pct', [...create, '--mp0', '/srv/photos,mp=/photos'], PVE2).code).toBe(0);
    expect(host.run('pct', ['start', '940'], PVE2)).toEqual({
      code: 255,
      stdout: '',
      stderr: [
        "directory '/srv/photos' does not exist",
        'run_buffer: 571 Script exited with status 2',
        'lxc_init: 845 Failed to run lxc.hook.pre-start for container "940"',
        '__lxc_start: 2034 Failed to initialize container "940"',
        "startup for container '940' failed",
        '',
      ].join('\n'),
    });
    // The same directory on pve does not count.
    expect(host.run('ssh', ['root@pve', '--', 'mkdir -p /srv/photos']).code).toBe(0);
    expect(host.run('pct', ['start', '940'], PVE2).code).toBe(255);
    expect(ssh('mkdir -p /srv/photos').code).toBe(0);
    expect(host.run('pct', ['start', '940'], PVE2)).toMatchObject({ code: 0 });
  });
});
