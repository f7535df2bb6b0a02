// Golden tests for pvesh, pvesm and pveam (§2, §7 and §10 items 8, 9, 30).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newHost, type TestHost } from './sim.js';

let host: TestHost;
beforeAll(() => {
  host = newHost({ nodes: 2 });
  host.qm('clone', '9000', '120', '--name', 'web01');
  host.qm('set', '120', '--tags', 'prod,web');
  host.qm('start', '120');
  host.pct(
    'create',
    '1000',
    'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
    '--rootfs',
    'local-lvm:4',
    '--hostname',
    'db',
  );
});
afterAll(() => host.remove());

describe('pvesh', () => {
  it('§8 /cluster/resources --type vm: compact sorted JSON, string-sorted vmids, fields', () => {
    const r = host.pvesh('get', '/cluster/resources', '--type', 'vm', '--output-format', 'json');
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith('}]\n')).toBe(true);
    expect(r.stdout.split('\n')).toHaveLength(2);
    const list = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(list.map((g) => g.vmid)).toEqual([1000, 120, 9000]);
    const vm = list.find((g) => g.vmid === 120)!;
    expect(Object.keys(vm)).toEqual([...Object.keys(vm)].sort());
    expect(vm).toMatchObject({
      id: 'qemu/120',
      type: 'qemu',
      node: 'pve',
      status: 'running',
      name: 'web01',
      template: 0,
      tags: 'prod;web',
    });
    for (const key of [
      'maxcpu',
      'cpu',
      'maxmem',
      'mem',
      'maxdisk',
      'disk',
      'uptime',
      'netin',
      'netout',
      'diskread',
      'diskwrite',
    ]) {
      expect(typeof vm[key]).toBe('number');
    }
    expect(list.find((g) => g.vmid === 9000)).toMatchObject({ template: 1, status: 'stopped' });
    expect(list.find((g) => g.vmid === 1000)).toMatchObject({
      id: 'lxc/1000',
      type: 'lxc',
      name: 'db',
    });
  });

  it('§9 /nodes/{node}/qemu has no type; lxc entries have type lxc; template only when set', () => {
    const qemu = JSON.parse(
      host.pvesh('get', '/nodes/pve/qemu', '--output-format', 'json').stdout,
    ) as Record<string, unknown>[];
    expect(qemu.every((g) => !('type' in g))).toBe(true);
    expect(qemu.find((g) => g.vmid === 120)).not.toHaveProperty('template');
    expect(qemu.find((g) => g.vmid === 9000)).toMatchObject({ template: 1 });
    const lxc = JSON.parse(
      host.pvesh('get', '/nodes/pve/lxc', '--output-format', 'json').stdout,
    ) as Record<string, unknown>[];
    expect(lxc[0]).toMatchObject({
      vmid: 1000,
      type: 'lxc',
      status: 'stopped',
      maxswap: 512 * 1024 * 1024,
    });
  });

  it('json-pretty uses Perl style; config typing follows the schema', () => {
    const pretty = host.pvesh(
      'get',
      '/nodes/pve/qemu/120/config',
      '--output-format',
      'json-pretty',
    ).stdout;
    expect(pretty).toContain('   "cores" : 2,\n');
    expect(pretty).toContain('   "memory" : "2048",\n');
    const config = JSON.parse(
      host.pvesh('get', '/nodes/pve/qemu/120/config', '--output-format', 'json').stdout,
    );
    expect(config.digest).toMatch(/^[0-9a-f]{40}$/);
    expect(config.agent).toBe('1');
  });

  it('§2 a guest is "unknown" in /cluster/resources until pvestatd reported (~10 s × latency)', () => {
    host.qm('create', '140', '--memory', '512');
    const res = host.run(
      'pvesh',
      ['get', '/cluster/resources', '--type', 'vm', '--output-format', 'json'],
      { PVE_SIM_LATENCY: '0.5' },
    );
    expect(JSON.parse(res.stdout).find((g: { vmid: number }) => g.vmid === 140)).toEqual({
      id: 'qemu/140',
      node: 'pve',
      status: 'unknown',
      type: 'qemu',
      vmid: 140,
    });
    const now = JSON.parse(
      host.pvesh('get', '/cluster/resources', '--type', 'vm', '--output-format', 'json').stdout,
    );
    expect(now.find((g: { vmid: number }) => g.vmid === 140)).toMatchObject({
      status: 'stopped',
      name: 'VM 140',
    });
    host.qm('destroy', '140');
  });

  it('nextid, nodes, network, version, errors', () => {
    expect(host.pvesh('get', '/cluster/nextid').stdout).toBe('100\n');
    expect(host.pvesh('get', '/cluster/nextid', '--vmid', '120').stderr).toContain(
      'vmid: VM 120 already exists\n',
    );
    const nodes = JSON.parse(host.pvesh('get', '/nodes', '--output-format', 'json').stdout) as {
      node: string;
    }[];
    expect(nodes.map((n) => n.node)).toEqual(['pve', 'pve2']);
    const net = JSON.parse(
      host.pvesh('get', '/nodes/pve/network', '--type', 'bridge', '--output-format', 'json').stdout,
    );
    expect(net[0]).toMatchObject({ iface: 'vmbr0', type: 'bridge' });
    expect(
      JSON.parse(host.pvesh('get', '/version', '--output-format', 'json').stdout).version,
    ).toMatch(/^9\./);
    expect(host.pvesh('get', '/foo')).toMatchObject({
      code: 255,
      stderr: "no such resource '/foo'\n",
    });
    expect(host.pvesh('get', '/nodes/pve/qemu/4242/config').stderr).toBe(
      "Configuration file 'nodes/pve/qemu-server/4242.conf' does not exist\n",
    );
  });

  it('create .../status/start works for a guest on another node and prints the UPID', () => {
    host.run('qm', ['create', '130', '--memory', '512'], { PVE_SIM_NODE: 'pve2' });
    expect(host.qm('start', '130').stderr).toBe(
      "Configuration file 'nodes/pve/qemu-server/130.conf' does not exist\n",
    );
    const r = host.pvesh('create', '/nodes/pve2/qemu/130/status/start');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^UPID:pve2:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmstart:130:root@pam:\n$/,
    );
    const res = JSON.parse(
      host.pvesh('get', '/cluster/resources', '--type', 'vm', '--output-format', 'json').stdout,
    );
    expect(res.find((g: { vmid: number }) => g.vmid === 130)).toMatchObject({
      node: 'pve2',
      status: 'running',
    });
    expect(host.pvesh('create', '/nodes/pve2/qemu/130/status/stop').code).toBe(0);
  });
});

describe('pvesm and pveam', () => {
  it('§30 pvesm status: dynamic name width and percentage format', () => {
    const lines = host.run('pvesm', ['status']).stdout.split('\n');
    expect(lines[0]).toBe(
      'Name             Type     Status     Total (KiB)      Used (KiB) Available (KiB)        %',
    );
    expect(lines[1]).toMatch(
      /^local {13}dir {5}active {2}[ \d]{15} [ \d]{15} [ \d]{15} {2,3}\d+\.\d\d%$/,
    );
    expect(lines[2]).toMatch(/^local-lvm {5}lvmthin {5}active /);
  });

  it('§30 pvesm list: owned volumes first with VMID', () => {
    const out = host.run('pvesm', ['list', 'local-lvm']).stdout.split('\n');
    expect(out[0]).toMatch(/^Volid +Format {2}Type +Size VMID$/);
    expect(out).toContain(out.find((l) => l.startsWith('local-lvm:vm-1000-disk-0 ')));
    expect(out.find((l) => l.startsWith('local-lvm:vm-1000-disk-0 '))).toMatch(
      / raw {5}rootdir +4294967296 1000$/,
    );
  });

  it('§30 pveam available/list/download', () => {
    const available = host.run('pveam', ['available', '--section', 'system']).stdout;
    expect(available).toContain(
      `${'system'.padEnd(15)} ${'debian-12-standard_12.7-1_amd64.tar.zst'.padEnd(60)} amd64\n`,
    );
    expect(available).toContain('ubuntu-24.04-standard_24.04-2_amd64.tar.zst');
    expect(host.run('pveam', ['list', 'local']).stdout).toBe(
      `${'NAME'.padEnd(60)} SIZE  \n${'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst'.padEnd(60)} 126.14MB\n`,
    );
    expect(host.run('pveam', ['list', 'local-lvm']).stderr).toBe(
      'Storage does not support templates!\n',
    );
    expect(host.run('pveam', ['download', 'local', 'nope.tar.zst']).stderr).toBe(
      '400 Parameter verification failed.\ntemplate: no such template\npveam download <storage> <template> [OPTIONS]\n',
    );
    const dl = host.run('pveam', [
      'download',
      'local',
      'ubuntu-24.04-standard_24.04-2_amd64.tar.zst',
    ]);
    expect(dl.code).toBe(0);
    expect(dl.stdout).toContain('calculating checksum...OK, checksum verified\n');
    expect(
      host.run('pveam', ['download', 'local', 'ubuntu-24.04-standard_24.04-2_amd64.tar.zst'])
        .stdout,
    ).toBe(
      'calculating checksum of existing file...OK, got correct file already, no need to download\n',
    );
    expect(host.run('pveam', ['list', 'local']).stdout).toContain(
      'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst',
    );
  });
});
