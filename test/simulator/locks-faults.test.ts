// Concurrency (real file locks across processes), faults on demand, call log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newHost, readConf, type TestHost } from './sim.js';

let host: TestHost;
beforeAll(() => {
  host = newHost();
  host.qm('clone', '9000', '120');
});
afterAll(() => host.remove());

describe('locks', () => {
  it('concurrent qm set on one VM: both changes land (no lost update)', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        host.start('qm', ['set', '120', `--net${i + 1}`, 'virtio,bridge=vmbr0']),
      ),
    );
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0]);
    const conf = readConf(host, 'qemu-server', 120);
    for (let i = 1; i <= 6; i++) expect(conf).toMatch(new RegExp(`\\nnet${i}: virtio=BC:24:11:`));
  });

  it('concurrent linked clones get distinct ids and disks', async () => {
    const results = await Promise.all(
      [121, 122, 123, 124].map((id) => host.start('qm', ['clone', '9000', String(id)])),
    );
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const disks = [121, 122, 123, 124].map(
      (id) => /scsi0: (\S+),/.exec(readConf(host, 'qemu-server', id))![1],
    );
    expect(new Set(disks).size).toBe(4);
  });

  it('ids are unique across VMs and CTs even when qm and pct create one concurrently', async () => {
    const results = await Promise.all([
      host.start('qm', ['create', '140', '--memory', '512']),
      host.start('pct', [
        'create',
        '140',
        'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
        '--rootfs',
        'local-lvm:1',
      ]),
    ]);
    expect(results.filter((r) => r.code === 0)).toHaveLength(1);
    expect(results.find((r) => r.code !== 0)!.stderr).toMatch(
      /140 already exists on node 'pve'\n$/,
    );
  });

  it('a lock held by a slow start makes another writer time out with the real message', async () => {
    const slow = host.start('qm', ['start', '120'], { PVE_SIM_LATENCY: '0.6' });
    await new Promise((r) => setTimeout(r, 700));
    const blocked = host.run('qm', ['set', '120', '--cores', '2'], { PVE_SIM_LOCK_TIMEOUT: '0.2' });
    expect(blocked).toMatchObject({
      code: 255,
      stderr: "can't lock file '/var/lock/qemu-server/lock-120.conf' - got timeout\n",
    });
    expect((await slow).code).toBe(0);
    host.qm('stop', '120');
  });

  it('the holdLock fault holds a guest lock (qemu and lxc paths)', () => {
    host.faults({ holdLock: [120] });
    expect(
      host.run('qm', ['set', '120', '--cores', '2'], { PVE_SIM_LOCK_TIMEOUT: '0.1' }).stderr,
    ).toBe("can't lock file '/var/lock/qemu-server/lock-120.conf' - got timeout\n");
    host.faults({});
    expect(host.qm('set', '120', '--cores', '2').code).toBe(0);
  });

  it('a stale lock file of a dead process is taken over', () => {
    writeFileSync(join(host.dir, 'sim/locks/qemu-120.lock'), '999999 0');
    expect(
      host.run('qm', ['set', '120', '--cores', '3'], { PVE_SIM_LOCK_TIMEOUT: '0.1' }).code,
    ).toBe(0);
  });
});

describe('faults', () => {
  it('fails the Nth matching call with the given exit code and stderr', () => {
    host.faults({
      fail: [
        {
          tool: 'qm',
          args: '^start ',
          nth: 2,
          exit: 255,
          stderr: 'start failed: QEMU exited with code 1',
        },
      ],
    });
    expect(host.qm('start', '121').code).toBe(0);
    expect(host.qm('start', '122')).toEqual({
      code: 255,
      stdout: '',
      stderr: 'start failed: QEMU exited with code 1\n',
    });
    expect(host.qm('start', '122').code).toBe(0);
    expect(host.qm('status', '122').stdout).toBe('status: running\n');
  });

  it('env PVE_SIM_FAULTS works too; storage full fails allocations', () => {
    host.faults({});
    const r = host.run('qm', ['set', '121', '--scsi1', 'local-lvm:10'], {
      PVE_SIM_FAULTS: JSON.stringify({ storageFull: ['local-lvm'] }),
    });
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('insufficient free space');
    const c = host.run('qm', ['clone', '9000', '130'], {
      PVE_SIM_FAULTS: JSON.stringify({ storageFull: ['local-lvm'] }),
    });
    expect(c.code).toBe(255);
    expect(c.stderr).toMatch(/^clone failed: /);
    expect(host.qm('status', '130').code).toBe(2);
  });

  it('calls.jsonl has one line per call with argv, exit and ms', () => {
    const calls = host.calls();
    const failed = calls.find((c) => c.argv.join(' ') === 'qm start 122' && c.exit === 255);
    expect(failed).toBeDefined();
    expect(
      calls.filter((c) => c.argv[0] === 'qm' && c.argv[1] === 'clone').length,
    ).toBeGreaterThanOrEqual(6);
  });
});

describe('latency', () => {
  it('PVE_SIM_LATENCY scales the model (a start with factor 0.2 takes at least its share)', () => {
    const started = Date.now();
    expect(host.run('qm', ['start', '123'], { PVE_SIM_LATENCY: '0.2' }).code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(0.2 * (400 + 2500));
  });
});
