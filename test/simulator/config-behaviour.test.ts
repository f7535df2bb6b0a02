// Pending changes, raw lxc lines, operation locks, shutdown timeouts, no-upid_exit tasks (§3, §4, §6, §10).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newHost, readConf, type TestHost } from './sim.js';

let host: TestHost;
beforeAll(() => {
  host = newHost();
  host.qm('clone', '9000', '120', '--name', 'web01');
  host.pct(
    'create',
    '130',
    'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
    '--rootfs',
    'local-lvm:4',
  );
});
afterAll(() => host.remove());

describe('pending changes', () => {
  it('§10 §11 a running VM keeps non-hotpluggable changes in [PENDING]; --current shows the applied value', () => {
    host.qm('start', '120');
    expect(host.qm('set', '120', '--memory', '4096', '--name', 'web02').code).toBe(0);
    const file = readConf(host, 'qemu-server', 120);
    expect(file).toMatch(/\n\[PENDING\]\nmemory: 4096\n/);
    expect(file).toMatch(/^name: web02$/m);
    expect(host.qm('config', '120').stdout).toContain('memory: 4096\n');
    expect(host.qm('config', '120', '--current').stdout).toContain('memory: 2048\n');
    expect(host.qm('config', '120', '--current', '--snapshot', 'snapx').stderr).toBe(
      "400 Parameter verification failed.\ncurrent: cannot use 'snapshot' parameter with 'current'\nsnapshot: cannot use 'snapshot' parameter with 'current'\nqm config <vmid> [OPTIONS]\n",
    );
    expect(host.qm('pending', '120').stdout).toContain('cur memory: 2048\nnew memory: 4096\n');
    expect(host.qm('reboot', '120').code).toBe(0);
    expect(readConf(host, 'qemu-server', 120)).not.toContain('[PENDING]');
    expect(host.qm('config', '120', '--current').stdout).toContain('memory: 4096\n');
    host.qm('stop', '120');
  });

  it('§10 pct config appends raw lxc.* lines after the sorted keys', () => {
    const file = join(host.dir, 'nodes/pve/lxc/130.conf');
    writeFileSync(
      file,
      `${readFileSync(file, 'utf8')}lxc.cgroup2.devices.allow: c 195:* rwm\nlxc.mount.entry = /dev/nvidia0 dev/nvidia0 none bind,optional,create=file\n`,
    );
    const out = host.pct('config', '130').stdout.trimEnd().split('\n');
    expect(out.slice(-2)).toEqual([
      'lxc.cgroup2.devices.allow: c 195:* rwm',
      'lxc.mount.entry: /dev/nvidia0 dev/nvidia0 none bind,optional,create=file',
    ]);
    host.pct('set', '130', '--cores', '2');
    expect(readConf(host, 'lxc', 130)).toContain('lxc.mount.entry: /dev/nvidia0');
  });
});

describe('operation locks (§18)', () => {
  async function lockSeen(
    kind: 'qemu-server' | 'lxc',
    vmid: number,
    run: Promise<unknown>,
  ): Promise<Set<string>> {
    const seen = new Set<string>();
    let done = false;
    void run.then(() => (done = true));
    while (!done) {
      try {
        const m = /^lock: (\S+)$/m.exec(readConf(host, kind, vmid));
        if (m) seen.add(m[1]!);
      } catch {
        // not created yet
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return seen;
  }

  it('qm clone locks the target with clone, snapshot with snapshot', async () => {
    expect(
      await lockSeen(
        'qemu-server',
        121,
        host.start('qm', ['clone', '9000', '121'], { PVE_SIM_LATENCY: '0.5' }),
      ),
    ).toContain('clone');
    expect(
      await lockSeen(
        'qemu-server',
        121,
        host.start('qm', ['snapshot', '121', 'one'], { PVE_SIM_LATENCY: '0.5' }),
      ),
    ).toContain('snapshot');
    expect(
      await lockSeen(
        'qemu-server',
        121,
        host.start('qm', ['rollback', '121', 'one'], { PVE_SIM_LATENCY: '0.3' }),
      ),
    ).toContain('rollback');
    expect(readConf(host, 'qemu-server', 121)).not.toMatch(/^lock:/m);
  });

  it('pct clone locks the source with disk', async () => {
    expect(
      await lockSeen(
        'lxc',
        130,
        host.start('pct', ['clone', '130', '131'], { PVE_SIM_LATENCY: '0.5' }),
      ),
    ).toContain('disk');
    expect(readConf(host, 'lxc', 130)).not.toMatch(/^lock:/m);
    expect(readConf(host, 'lxc', 131)).not.toMatch(/^lock:/m);
  });
});

describe('timeouts and tasks', () => {
  it('§22 a guest that ignores shutdown: qm got timeout, pct did not stop; --forceStop stops it', () => {
    host.faults({ shutdownHangs: [120, 130] });
    host.qm('start', '120');
    expect(host.qm('shutdown', '120')).toMatchObject({
      code: 255,
      stderr: 'VM quit/powerdown failed - got timeout\n',
    });
    expect(host.qm('shutdown', '120', '--forceStop', '1').code).toBe(0);
    expect(host.qm('status', '120').stdout).toBe('status: stopped\n');
    host.pct('start', '130');
    expect(host.pct('shutdown', '130')).toMatchObject({
      code: 255,
      stderr: 'container did not stop\n',
    });
    expect(host.pct('shutdown', '130', '--forceStop', '1').code).toBe(0);
    host.faults({});
  });

  it('§4 pveam download exits 0 even when its task fails', () => {
    host.faults({ storageFull: ['local'] });
    expect(
      host.run('pveam', ['download', 'local', 'alpine-3.20-default_20240908_amd64.tar.xz']),
    ).toEqual({
      code: 0,
      stdout: '',
      stderr: 'download failed: write error: No space left on device\n',
    });
    host.faults({});
  });

  it('qm create cleans up after a failure inside the task', () => {
    const r = host.qm(
      'create',
      '140',
      '--scsi0',
      'local-lvm:4',
      '--ide2',
      'local:iso/missing.iso,media=cdrom',
    );
    expect(r.code).toBe(255);
    expect(r.stderr).toBe(
      "unable to create VM 140 - volume 'local:iso/missing.iso' does not exist\n",
    );
    expect(host.qm('status', '140').code).toBe(2);
    expect(host.run('pvesm', ['list', 'local-lvm', '--vmid', '140']).stdout).not.toContain(
      'vm-140-disk',
    );
  });
});

describe('cloud-init pending and RAM snapshots', () => {
  it('cloud-init changes on a running VM are tracked in [special:cloudinit] until regeneration', () => {
    host.qm('set', '120', '--ipconfig0', 'ip=dhcp');
    host.qm('start', '120');
    host.qm('set', '120', '--ciuser', 'bob', '--ipconfig0', 'ip=10.0.0.9/24,gw=10.0.0.1');
    expect(readConf(host, 'qemu-server', 120)).toContain(
      '\n[special:cloudinit]\nipconfig0: ip=dhcp\n',
    );
    expect(host.qm('cloudinit', 'pending', '120').stdout).toBe(
      'new ciuser: bob\ncur ipconfig0: ip=dhcp\nnew ipconfig0: ip=10.0.0.9/24,gw=10.0.0.1\n',
    );
    expect(host.qm('cloudinit', 'update', '120').stdout).toBe('generating cloud-init ISO\n');
    expect(readConf(host, 'qemu-server', 120)).not.toContain('[special:cloudinit]');
    expect(host.qm('cloudinit', 'pending', '120').stdout).toBe(
      'cur ciuser: bob\ncur ipconfig0: ip=10.0.0.9/24,gw=10.0.0.1\n',
    );
  });

  it('a snapshot with --vmstate saves RAM; rollback starts the VM again', () => {
    expect(host.qm('snapshot', '120', 'live', '--vmstate', '1').code).toBe(0);
    expect(host.qm('config', '120', '--snapshot', 'live').stdout).toContain(
      'vmstate: local-lvm:vm-120-state-live\n',
    );
    host.qm('stop', '120');
    expect(host.qm('rollback', '120', 'live').code).toBe(0);
    expect(host.qm('status', '120').stdout).toBe('status: running\n');
    expect(host.qm('delsnapshot', '120', 'live').code).toBe(0);
    expect(host.run('pvesm', ['list', 'local-lvm', '--vmid', '120']).stdout).not.toContain(
      'state-live',
    );
    host.qm('stop', '120');
  });
});
