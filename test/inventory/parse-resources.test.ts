import { describe, expect, it } from 'vitest';
import { Inventory } from '../../source/inventory/inventory.js';
import {
  parseBridges,
  parseClusterNodes,
  parseClusterResources,
  parseNextId,
  parseSnapshotsJson,
  parseSnapshotTree,
  parseVersion,
} from '../../source/inventory/parse-resources.js';
import {
  parsePveamAvailable,
  parsePveamList,
  parsePvesmStatus,
  parseStorageContent,
} from '../../source/inventory/parse-storage.js';

// Compact, key-sorted pvesh JSON as the reference (§2) describes it, in lexical vmid order.
const resources = `${JSON.stringify([
  {
    cpu: 0.02,
    disk: 0,
    diskread: 1,
    diskwrite: 2,
    id: 'qemu/100',
    maxcpu: 2,
    maxdisk: 34359738368,
    maxmem: 2147483648,
    mem: 1073741824,
    memhost: 1,
    name: 'web01',
    netin: 3,
    netout: 4,
    node: 'pve',
    status: 'running',
    tags: 'prod;web',
    template: 0,
    type: 'qemu',
    uptime: 3600,
    vmid: 100,
  },
  {
    cpu: 0,
    disk: 0,
    id: 'qemu/1000',
    maxcpu: 1,
    maxdisk: 0,
    maxmem: 536870912,
    mem: 0,
    name: 'tmpl',
    node: 'pve2',
    status: 'stopped',
    template: 1,
    type: 'qemu',
    uptime: 0,
    vmid: 1000,
  },
  {
    cpu: 0,
    disk: 0,
    id: 'lxc/101',
    lock: 'backup',
    maxcpu: 1,
    maxdisk: 8589934592,
    maxmem: 536870912,
    mem: 0,
    name: 'ct101',
    node: 'pve',
    status: 'stopped',
    template: 0,
    type: 'lxc',
    uptime: 0,
    vmid: 101,
    pool: 'lab',
    hastate: 'started',
  },
  { id: 'qemu/102', name: 'VM 102', node: 'pve', status: 'unknown', type: 'qemu', vmid: 102 },
  { id: 'node/pve', node: 'pve', type: 'node', status: 'online' },
  { id: 'storage/pve/local', node: 'pve', storage: 'local', type: 'storage' },
])}\n`;

describe('parseClusterResources', () => {
  it('types every guest and skips other resource types', () => {
    const guests = parseClusterResources(resources);
    expect(guests.map((guest) => guest.id)).toEqual([100, 101, 102, 1000]);
    expect(guests[0]).toEqual({
      id: 100,
      type: 'qemu',
      node: 'pve',
      name: 'web01',
      status: 'running',
      template: false,
      tags: ['prod', 'web'],
      cpu: 0.02,
      maxcpu: 2,
      mem: 1073741824,
      maxmem: 2147483648,
      disk: 0,
      maxdisk: 34359738368,
      uptime: 3600,
      netin: 3,
      netout: 4,
      diskread: 1,
      diskwrite: 2,
    });
    expect(guests[1]).toMatchObject({
      type: 'lxc',
      lock: 'backup',
      pool: 'lab',
      hastate: 'started',
    });
    expect(guests[3]).toMatchObject({ template: true, node: 'pve2' });
  });

  it('copes with a guest pvestatd has not reported yet (no metrics)', () => {
    const guest = parseClusterResources(resources).find((entry) => entry.id === 102)!;
    expect(guest).toMatchObject({
      status: 'unknown',
      template: false,
      cpu: 0,
      maxmem: 0,
      tags: [],
    });
  });

  it('says what went wrong on bad output', () => {
    expect(() => parseClusterResources('garbage')).toThrow(/not JSON/);
    expect(() => parseClusterResources('{}')).toThrow(/not a JSON array/);
  });

  it('feeds an Inventory with lookups', () => {
    const inventory = new Inventory(parseClusterResources(resources));
    expect(inventory.get(101)?.type).toBe('lxc');
    expect(inventory.has(999)).toBe(false);
    expect(inventory.nodes).toEqual(['pve', 'pve2']);
    expect(inventory.templates().map((guest) => guest.id)).toEqual([1000]);
  });
});

describe('small pvesh answers', () => {
  it('reads nodes, version and nextid', () => {
    expect(parseClusterNodes(resources)).toEqual(['pve']);
    expect(parseVersion('{"release":"9.2","repoid":"0123abcd","version":"9.2.11"}\n')).toEqual({
      release: '9.2',
      repoid: '0123abcd',
      version: '9.2.11',
    });
    expect(parseNextId('104\n')).toBe(104);
    expect(parseNextId('"104"\n')).toBe(104);
    expect(() => parseNextId('""\n')).toThrow(/nextid/);
  });

  it('reads bridges', () => {
    const json = JSON.stringify([
      {
        active: 1,
        autostart: 1,
        bridge_ports: 'eno1',
        bridge_vlan_aware: 1,
        cidr: '10.0.0.2/24',
        families: ['inet'],
        gateway: '10.0.0.1',
        iface: 'vmbr0',
        method: 'static',
        priority: 3,
        type: 'bridge',
      },
      { active: 1, iface: 'vmbr1', type: 'bridge', bridge_ports: '' },
    ]);
    expect(parseBridges(json)).toEqual([
      {
        name: 'vmbr0',
        type: 'bridge',
        active: true,
        autostart: true,
        vlanAware: true,
        ports: ['eno1'],
        cidr: '10.0.0.2/24',
        gateway: '10.0.0.1',
      },
      {
        name: 'vmbr1',
        type: 'bridge',
        active: true,
        autostart: false,
        vlanAware: false,
        ports: [],
      },
    ]);
  });
});

describe('snapshots', () => {
  it('parses the listsnapshot tree, with parents and the current entry', () => {
    const text = [
      '`-> snap1                       2024-05-01 10:00:00     before upgrade',
      ' `-> snap2                      2024-05-02 11:30:00     no-description',
      '  `-> current                                           You are here!',
      '',
    ].join('\n');
    const snapshots = parseSnapshotTree(text);
    expect(
      snapshots.map((snapshot) => [
        snapshot.name,
        snapshot.parent,
        snapshot.description,
        snapshot.current,
      ]),
    ).toEqual([
      ['snap1', undefined, 'before upgrade', false],
      ['snap2', 'snap1', '', false],
      ['current', 'snap2', '', true],
    ]);
    expect(snapshots[0]!.snaptime).toBe(
      Math.floor(new Date('2024-05-01T10:00:00').getTime() / 1000),
    );
  });

  it('parses the tree with no snapshots', () => {
    const snapshots = parseSnapshotTree(
      '`-> current                                            You are here!\n',
    );
    expect(snapshots).toEqual([
      { name: 'current', description: '', vmstate: false, current: true },
    ]);
  });

  it('parses the snapshot API', () => {
    const snapshots = parseSnapshotsJson(
      '[{"description":"x","name":"snap1","snaptime":1714557600,"vmstate":0},{"description":"You are here!","name":"current","parent":"snap1","running":1}]\n',
    );
    expect(snapshots[0]).toEqual({
      name: 'snap1',
      description: 'x',
      snaptime: 1714557600,
      vmstate: false,
      current: false,
    });
    expect(snapshots[1]).toMatchObject({ name: 'current', parent: 'snap1', current: true });
  });
});

describe('storage tables', () => {
  it('parses pvesm status (KiB → bytes, N/A when disabled)', () => {
    const text = [
      'Name             Type     Status     Total (KiB)      Used (KiB) Available (KiB)        %',
      'local             dir     active        98497780        11403428        82044804   11.58%',
      'local-lvm     lvmthin     active       366276608        19895070       346381537    5.43%',
      'nfs1              nfs   disabled               0               0               0      N/A',
      '',
    ].join('\n');
    expect(parsePvesmStatus(text)).toEqual([
      {
        id: 'local',
        type: 'dir',
        status: 'active',
        totalBytes: 98497780 * 1024,
        usedBytes: 11403428 * 1024,
        availableBytes: 82044804 * 1024,
        usedPercent: 11.58,
      },
      {
        id: 'local-lvm',
        type: 'lvmthin',
        status: 'active',
        totalBytes: 366276608 * 1024,
        usedBytes: 19895070 * 1024,
        availableBytes: 346381537 * 1024,
        usedPercent: 5.43,
      },
      {
        id: 'nfs1',
        type: 'nfs',
        status: 'disabled',
        totalBytes: 0,
        usedBytes: 0,
        availableBytes: 0,
      },
    ]);
  });

  it('parses the storage content API, with parent for linked clones', () => {
    const json =
      '[{"content":"images","ctime":1714557600,"format":"raw","size":3758096384,"vmid":9000,"volid":"local-lvm:base-9000-disk-0"},{"content":"images","format":"raw","parent":"base-9000-disk-0","size":3758096384,"vmid":101,"volid":"local-lvm:vm-101-disk-0"},{"content":"vztmpl","format":"tzst","size":1,"volid":"local:vztmpl/debian.tar.zst"}]\n';
    expect(parseStorageContent(json)).toEqual([
      {
        volid: 'local-lvm:base-9000-disk-0',
        content: 'images',
        format: 'raw',
        sizeBytes: 3758096384,
        vmid: 9000,
      },
      {
        volid: 'local-lvm:vm-101-disk-0',
        content: 'images',
        format: 'raw',
        sizeBytes: 3758096384,
        vmid: 101,
        parent: 'base-9000-disk-0',
      },
      { volid: 'local:vztmpl/debian.tar.zst', content: 'vztmpl', format: 'tzst', sizeBytes: 1 },
    ]);
  });

  it('parses pveam list, also when empty', () => {
    const text =
      'NAME                                                         SIZE  \nlocal:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst         126.14MB\n';
    expect(parsePveamList(text)).toEqual([
      {
        volid: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
        file: 'debian-12-standard_12.7-1_amd64.tar.zst',
        sizeBytes: Math.round(126.14 * 1024 * 1024),
      },
    ]);
    expect(
      parsePveamList('NAME                                                         SIZE  \n'),
    ).toEqual([]);
  });

  it('parses pveam available with and without the arch column', () => {
    const text =
      'system          debian-12-standard_12.7-1_amd64.tar.zst                      amd64\nturnkeylinux    debian-12-turnkey-core_18.0-1_amd64.tar.gz\n';
    expect(parsePveamAvailable(text)).toEqual([
      { section: 'system', template: 'debian-12-standard_12.7-1_amd64.tar.zst', arch: 'amd64' },
      { section: 'turnkeylinux', template: 'debian-12-turnkey-core_18.0-1_amd64.tar.gz' },
    ]);
  });
});
