// Storage administration, disk import, suspend/resume and pvesh write paths used by Phoenix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newHost, readConf, type TestHost } from './sim.js';

let host: TestHost;
beforeAll(() => {
  host = newHost({ nodes: 2 });
});
afterAll(() => host.remove());

const pvesm = (...args: string[]) => host.run('pvesm', args);

describe('pvesm administration', () => {
  it('add, set, remove storages in storage.cfg', () => {
    expect(
      pvesm('add', 'dir', 'backup2', '--path', '/mnt/backup2', '--content', 'backup').code,
    ).toBe(0);
    expect(readFileSync(join(host.dir, 'storage.cfg'), 'utf8')).toContain(
      'dir: backup2\n\tpath /mnt/backup2\n\tcontent backup\n',
    );
    expect(pvesm('add', 'dir', 'backup2', '--path', '/x').stderr).toBe(
      "create storage failed: storage ID 'backup2' already defined\n",
    );
    expect(pvesm('add', 'dir', 'nopath').stderr).toContain(
      'path: property is missing and it is not optional\n',
    );
    expect(pvesm('add', 'bogus', 'x').stderr).toContain(
      "type: value 'bogus' does not have a value in the enumeration",
    );
    expect(pvesm('set', 'local', '--content', 'iso,vztmpl,backup').code).toBe(0);
    expect(pvesm('status').stdout).toMatch(/^backup2 +dir +active/m);
    expect(pvesm('remove', 'backup2').code).toBe(0);
    expect(pvesm('status').stdout).not.toContain('backup2');
  });

  it('snippets content is required for cicustom volumes only by the docs; pvesm list shows snippets', () => {
    pvesm('set', 'local', '--content', 'iso,vztmpl,backup,snippets');
    writeFileSync(join(host.dir, 'fs/var/lib/vz/snippets/user.yaml'), '#cloud-config\n');
    expect(pvesm('list', 'local', '--content', 'snippets').stdout).toContain(
      'local:snippets/user.yaml snippet snippets',
    );
  });

  it('alloc, path, free', () => {
    host.qm('create', '150', '--memory', '512');
    expect(pvesm('alloc', 'local-lvm', '150', 'vm-150-disk-3', '2G').stdout).toBe(
      "successfully created 'local-lvm:vm-150-disk-3'\n",
    );
    expect(pvesm('alloc', 'local-lvm', '150', 'bad-name', '2G').stderr).toBe(
      "illegal name 'bad-name' - should be 'vm-150-*'\n",
    );
    expect(pvesm('path', 'local-lvm:vm-150-disk-3').stdout).toBe('/dev/pve/vm-150-disk-3\n');
    expect(pvesm('path', 'local:iso/x.iso').stdout).toBe('/var/lib/vz/template/iso/x.iso\n');
    expect(pvesm('free', 'local-lvm:vm-150-disk-3').code).toBe(0);
    expect(pvesm('free', 'local-lvm:vm-150-disk-3').stderr).toBe(
      "volume 'local-lvm:vm-150-disk-3' does not exist\n",
    );
  });
});

describe('qm disk import', () => {
  it('imports a host image as unusedN or straight into a drive', () => {
    mkdirSync(join(host.dir, 'fs/var/lib/vz/template/iso'), { recursive: true });
    writeFileSync(
      join(host.dir, 'fs/var/lib/vz/template/iso/noble.img'),
      JSON.stringify({ size: 3.5 * 1024 ** 3 }),
    );
    const r = host.qm('importdisk', '150', '/var/lib/vz/template/iso/noble.img', 'local-lvm');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^importing disk '\/var\/lib\/vz\/template\/iso\/noble.img' to VM 150 \.\.\.\n/,
    );
    expect(r.stdout).toContain("unused0: successfully imported disk 'local-lvm:vm-150-disk-0'\n");
    const t = host.qm(
      'disk',
      'import',
      '150',
      '/var/lib/vz/template/iso/noble.img',
      'local-lvm',
      '--target-disk',
      'scsi0',
    );
    expect(t.stdout).toContain(
      "scsi0: successfully imported disk 'local-lvm:vm-150-disk-1,size=3584M'\n",
    );
    expect(host.qm('disk', 'import', '150', '/nope.img', 'local-lvm').stderr).toBe(
      '/nope.img: non-existent or non-regular file\n',
    );
    expect(
      host.qm(
        'disk',
        'import',
        '150',
        '/var/lib/vz/template/iso/noble.img',
        'local-lvm',
        '--target-disk',
        'scsi0',
      ).stderr,
    ).toBe('cowardly refusing to overwrite existing entry: scsi0\n');
    expect(
      host.qm('disk', 'import', '150', '/var/lib/vz/template/iso/noble.img', 'local').stderr,
    ).toBe('storage local does not support vm images\n');
  });
});

describe('suspend/resume and pvesh write paths', () => {
  it('qm suspend/resume switch the QMP status', () => {
    host.qm('start', '150');
    expect(host.qm('suspend', '150').code).toBe(0);
    expect(host.qm('status', '150').stdout).toBe('status: paused\n');
    expect(host.qm('list', '--full').stdout).toMatch(/ 150 VM 150 +paused /);
    expect(host.qm('shutdown', '150').stderr).toBe('VM is paused - cannot shutdown\n');
    expect(host.qm('resume', '150').code).toBe(0);
    expect(host.qm('status', '150').stdout).toBe('status: running\n');
    host.qm('stop', '150');
  });

  it('pvesh snapshot, rollback, config, delete on another node', () => {
    host.run('qm', ['create', '160', '--memory', '512', '--scsi0', 'local-lvm:1'], {
      PVE_SIM_NODE: 'pve2',
    });
    expect(
      host.pvesh('create', '/nodes/pve2/qemu/160/snapshot', '--snapname', 'first').stdout,
    ).toMatch(/:qmsnapshot:160:root@pam:\n$/);
    const snaps = JSON.parse(
      host.pvesh('get', '/nodes/pve2/qemu/160/snapshot', '--output-format', 'json').stdout,
    ) as { name: string }[];
    expect(snaps.map((s) => s.name)).toEqual(['first', 'current']);
    expect(host.pvesh('set', '/nodes/pve2/qemu/160/config', '--memory', '1024')).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
    expect(readConf(host, 'qemu-server', 160, 'pve2')).toMatch(/^memory: 1024$/m);
    expect(host.pvesh('create', '/nodes/pve2/qemu/160/snapshot/first/rollback').code).toBe(0);
    expect(readConf(host, 'qemu-server', 160, 'pve2')).toMatch(/^memory: 512$/m);
    expect(
      host.pvesh('set', '/nodes/pve2/qemu/160/config', '--delete', 'lock', '--skiplock', '1').code,
    ).toBe(0);
    expect(host.pvesh('delete', '/nodes/pve2/qemu/160').stdout).toMatch(
      /:qmdestroy:160:root@pam:\n$/,
    );
    expect(host.run('qm', ['status', '160'], { PVE_SIM_NODE: 'pve2' }).code).toBe(2);
  });
});

describe('pvesh text output, container addresses, fixed-size disks', () => {
  it('text tables with and without borders', () => {
    expect(host.pvesh('get', '/version').stdout).toMatch(
      /^┌─+┬─+┐\n│ key +│ value +│\n╞═+╪═+╡\n│ console +│ xtermjs +│\n├/,
    );
    const plain = host.pvesh('get', '/nodes', '--noborder', '--noheader').stdout.split('\n');
    expect(plain[0]).toMatch(/^\S/);
    expect(plain.filter(Boolean)).toHaveLength(2);
  });

  it('lxc interfaces and hostname -I agree with the config', () => {
    host.pct(
      'create',
      '170',
      'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
      '--rootfs',
      'local-lvm:2',
      '--net0',
      'name=eth0,bridge=vmbr0,ip=10.0.0.70/24,gw=10.0.0.1',
    );
    host.pct('start', '170');
    const ifaces = JSON.parse(
      host.pvesh('get', '/nodes/pve/lxc/170/interfaces', '--output-format', 'json').stdout,
    );
    expect(ifaces[1]).toMatchObject({ name: 'eth0', inet: '10.0.0.70/24' });
    expect(host.pct('exec', '170', '--', 'hostname', '-I').stdout).toBe('10.0.0.70 \n');
  });

  it('efidisk0 and tpmstate0 get their fixed sizes', () => {
    const r = host.qm(
      'create',
      '171',
      '--efidisk0',
      'local-lvm:1,efitype=4m,pre-enrolled-keys=1',
      '--tpmstate0',
      'local-lvm:1,version=v2.0',
    );
    expect(r.stdout).toContain(
      "efidisk0: successfully created disk 'local-lvm:vm-171-disk-0,efitype=4m,pre-enrolled-keys=1,size=4M'\n",
    );
    expect(r.stdout).toContain(
      "tpmstate0: successfully created disk 'local-lvm:vm-171-disk-1,size=4M,version=v2.0'\n",
    );
  });
});

describe('pvesh forwarding for guests on other nodes', () => {
  it('template, resize, agent commands and agent exec through the API', () => {
    host.run('qm', ['create', '180', '--memory', '512', '--scsi0', 'local-lvm:1', '--agent', '1'], {
      PVE_SIM_NODE: 'pve2',
    });
    expect(
      host.pvesh('set', '/nodes/pve2/qemu/180/resize', '--disk', 'scsi0', '--size', '+1G').stdout,
    ).toMatch(/:resize:180:root@pam:\n$/);
    expect(readConf(host, 'qemu-server', 180, 'pve2')).toMatch(
      /^scsi0: local-lvm:vm-180-disk-0,size=2G$/m,
    );
    host.pvesh('create', '/nodes/pve2/qemu/180/status/start');
    expect(
      host.pvesh('create', '/nodes/pve2/qemu/180/agent/ping', '--output-format', 'json').stdout,
    ).toBe('{"result":{}}\n');
    const exec = host.pvesh(
      'create',
      '/nodes/pve2/qemu/180/agent/exec',
      '--command',
      'bash',
      '--command',
      '-c',
      '--command',
      'echo a,b',
      '--output-format',
      'json',
    );
    const { pid } = JSON.parse(exec.stdout) as { pid: number };
    const status = host.pvesh(
      'get',
      '/nodes/pve2/qemu/180/agent/exec-status',
      '--pid',
      String(pid),
      '--output-format',
      'json',
    );
    expect(JSON.parse(status.stdout)).toEqual({ exitcode: 0, exited: 1, 'out-data': 'a,b\n' });
    host.pvesh('create', '/nodes/pve2/qemu/180/status/stop');
    expect(host.pvesh('create', '/nodes/pve2/qemu/180/template').code).toBe(0);
    expect(readConf(host, 'qemu-server', 180, 'pve2')).toMatch(/^template: 1$/m);
  });

  it('cluster and node status', () => {
    const status = JSON.parse(
      host.pvesh('get', '/cluster/status', '--output-format', 'json').stdout,
    ) as { type: string; local?: number; name: string }[];
    expect(status[0]).toMatchObject({ type: 'cluster', quorate: 1, nodes: 2 });
    expect(status.filter((s) => s.type === 'node').map((s) => [s.name, s.local])).toEqual([
      ['pve', 1],
      ['pve2', 0],
    ]);
    expect(
      JSON.parse(host.pvesh('get', '/nodes/pve/status', '--output-format', 'json').stdout).memory
        .total,
    ).toBeGreaterThan(0);
  });
});
