import { describe, expect, it } from 'vitest';
import {
  decodeDescription,
  guestDisks,
  guestNics,
  isProtected,
  parseConfigJson,
  parseConfigText,
  parsePropertyString,
  parseSize,
  parseTags,
} from '../../source/inventory/parse-config.js';

// The example file of the reference (§9), as `qm config` prints it (no sections, description URL-encoded).
const qmConfig = `agent: 1
boot: order=scsi0;net0
cores: 2
description: Web server%3A production%0Asecond line
memory: 2048
name: web01
net0: virtio=bc:24:11:3f:a2:7c,bridge=vmbr0,firewall=1
parent: before-upgrade
scsi0: local-lvm:vm-100-disk-0,iothread=1,size=32G
scsihw: virtio-scsi-single
smbios1: uuid=5f0c7e1e-0b8c-4d5e-9a4e-2f1b8f4d9c11
tags: prod;web
`;

const pctConfig = `arch: amd64
cores: 2
features: nesting=1
hostname: ct101
memory: 2048
mp0: local-lvm:vm-101-disk-1,mp=/data,backup=1,size=10G
net0: name=eth0,bridge=vmbr0,firewall=1,gw=10.0.0.1,hwaddr=BC:24:11:5E:3A:1F,ip=10.0.0.51/24,type=veth
ostype: debian
rootfs: local-lvm:vm-101-disk-0,size=8G
swap: 512
unprivileged: 1
lxc.cgroup2.devices.allow: c 195:* rwm
lxc.mount.entry: /dev/nvidia0 dev/nvidia0 none bind,optional,create=file
`;

describe('parsePropertyString', () => {
  it('reads key=value items and the default key', () => {
    expect(parsePropertyString('local-lvm:vm-100-disk-0,iothread=1,size=32G', 'file')).toEqual({
      file: 'local-lvm:vm-100-disk-0',
      iothread: '1',
      size: '32G',
    });
    expect(parsePropertyString('order=scsi0;ide2;net0')).toEqual({ order: 'scsi0;ide2;net0' });
    expect(parsePropertyString('1', 'enabled')).toEqual({ enabled: '1' });
  });
});

describe('parseSize', () => {
  it('understands K/M/G/T and bare bytes', () => {
    expect(parseSize('32G')).toBe(32 * 1024 ** 3);
    expect(parseSize('4M')).toBe(4 * 1024 ** 2);
    expect(parseSize('8589934592')).toBe(8589934592);
    expect(parseSize('1.5T')).toBe(1.5 * 1024 ** 4);
    expect(parseSize('512K')).toBe(512 * 1024);
    expect(parseSize('big')).toBeUndefined();
  });
});

describe('description and tags', () => {
  it('URL-decodes descriptions, also malformed ones', () => {
    expect(decodeDescription('Web server%3A production')).toBe('Web server: production');
    expect(decodeDescription('caf%C3%A9')).toBe('café');
    expect(decodeDescription('100%25 and 50%')).toBe('100% and 50%');
  });
  it('splits tags on ; , and spaces', () => {
    expect(parseTags('prod;web')).toEqual(['prod', 'web']);
    expect(parseTags('a, b c')).toEqual(['a', 'b', 'c']);
    expect(parseTags(undefined)).toEqual([]);
  });
});

describe('parseConfigText', () => {
  it('parses qm config output', () => {
    const config = parseConfigText(100, 'qemu', qmConfig);
    expect(config.values.memory).toBe('2048');
    expect(config.values.boot).toBe('order=scsi0;net0');
    expect(config.description).toBe('Web server: production\nsecond line');
    expect(config.tags).toEqual(['prod', 'web']);
    expect(config.lxc).toEqual([]);
  });

  it('reads description comment lines of a raw config file and stops at the first section', () => {
    const config = parseConfigText(
      100,
      'qemu',
      '#Web server%3A production\ncores: 2\n\n[before-upgrade]\ncores: 1\nsnaptime: 1714557600\n',
    );
    expect(config.description).toBe('Web server: production');
    expect(config.values.cores).toBe('2');
    expect(config.values.snaptime).toBeUndefined();
  });

  it('parses pct config output with its lxc.* lines in order', () => {
    const config = parseConfigText(101, 'lxc', pctConfig);
    expect(config.values.hostname).toBe('ct101');
    expect(config.lxc).toEqual([
      ['lxc.cgroup2.devices.allow', 'c 195:* rwm'],
      ['lxc.mount.entry', '/dev/nvidia0 dev/nvidia0 none bind,optional,create=file'],
    ]);
  });
});

describe('parseConfigJson', () => {
  it('reads the config API (memory is a string for qemu, numbers elsewhere)', () => {
    const config = parseConfigJson(100, 'qemu', {
      cores: 2,
      memory: '2048',
      name: 'web01',
      description: 'plain: text',
      digest: 'a'.repeat(40),
      tags: 'prod;web',
      protection: 1,
    });
    expect(config.values.cores).toBe('2');
    expect(config.values.memory).toBe('2048');
    expect(config.description).toBe('plain: text');
    expect(config.digest).toBe('a'.repeat(40));
    expect(config.tags).toEqual(['prod', 'web']);
    expect(isProtected(config)).toBe(true);
  });
  it('rejects non-objects', () => {
    expect(() => parseConfigJson(100, 'qemu', [])).toThrow(/not a JSON object/);
  });
});

describe('guestDisks', () => {
  it('lists qemu disks with storage, size, media and cloud-init', () => {
    const config = parseConfigText(
      100,
      'qemu',
      `${qmConfig}ide2: local-lvm:vm-100-cloudinit,media=cdrom\nide0: local:iso/debian.iso,media=cdrom,size=600M\nefidisk0: local-lvm:vm-100-disk-1,efitype=4m,size=4M\n`,
    );
    const disks = guestDisks(config);
    const scsi0 = disks.find((disk) => disk.key === 'scsi0')!;
    expect(scsi0).toMatchObject({
      storage: 'local-lvm',
      volname: 'vm-100-disk-0',
      sizeBytes: 32 * 1024 ** 3,
      media: 'disk',
      cloudinit: false,
    });
    expect(scsi0.options.iothread).toBe('1');
    expect(disks.find((disk) => disk.key === 'ide2')).toMatchObject({
      cloudinit: true,
      media: 'cdrom',
    });
    expect(disks.find((disk) => disk.key === 'ide0')).toMatchObject({
      media: 'cdrom',
      storage: 'local',
    });
    expect(disks.map((disk) => disk.key).sort()).toEqual(['efidisk0', 'ide0', 'ide2', 'scsi0']);
  });

  it('lists lxc rootfs and mount points, including bind mounts', () => {
    const config = parseConfigText(101, 'lxc', `${pctConfig}mp1: /srv/host,mp=/data2\n`);
    const disks = guestDisks(config);
    expect(disks.find((disk) => disk.key === 'rootfs')).toMatchObject({
      storage: 'local-lvm',
      volname: 'vm-101-disk-0',
      sizeBytes: 8 * 1024 ** 3,
    });
    expect(disks.find((disk) => disk.key === 'mp0')!.options.mp).toBe('/data');
    const bind = disks.find((disk) => disk.key === 'mp1')!;
    expect(bind.volume).toBe('/srv/host');
    expect(bind.storage).toBeUndefined();
  });

  it('recognises linked-clone volumes on LVM-thin and directory storages', () => {
    const lvm = parseConfigText(
      101,
      'qemu',
      'scsi0: local-lvm:base-9000-disk-0/vm-101-disk-0,size=32G\n',
    );
    expect(guestDisks(lvm)[0]!.base).toEqual({ id: 9000, volname: 'base-9000-disk-0' });
    const dir = parseConfigText(
      102,
      'qemu',
      'scsi0: local:9000/base-9000-disk-0.qcow2/102/vm-102-disk-0.qcow2,size=32G\n',
    );
    expect(guestDisks(dir)[0]!.base).toEqual({ id: 9000, volname: 'base-9000-disk-0.qcow2' });
    const plain = parseConfigText(9000, 'qemu', 'scsi0: local-lvm:base-9000-disk-0,size=32G\n');
    expect(guestDisks(plain)[0]!.base).toBeUndefined();
  });
});

describe('guestNics', () => {
  it('parses qemu nets: model=MAC merged, MAC upper-cased', () => {
    const [net0] = guestNics(parseConfigText(100, 'qemu', qmConfig));
    expect(net0).toMatchObject({
      key: 'net0',
      model: 'virtio',
      mac: 'BC:24:11:3F:A2:7C',
      bridge: 'vmbr0',
      firewall: true,
    });
    const [tagged] = guestNics(
      parseConfigText(100, 'qemu', 'net0: e1000=BC:24:11:00:00:01,bridge=vmbr1,tag=10\n'),
    );
    expect(tagged).toMatchObject({ model: 'e1000', tag: 10, firewall: false });
  });

  it('parses lxc nets', () => {
    const [net0] = guestNics(parseConfigText(101, 'lxc', pctConfig));
    expect(net0).toMatchObject({
      name: 'eth0',
      model: 'veth',
      mac: 'BC:24:11:5E:3A:1F',
      bridge: 'vmbr0',
      firewall: true,
    });
    expect(net0!.options.ip).toBe('10.0.0.51/24');
  });

  it('sorts by index', () => {
    const nics = guestNics(
      parseConfigText(100, 'qemu', 'net10: virtio,bridge=vmbr0\nnet2: virtio,bridge=vmbr1\n'),
    );
    expect(nics.map((nic) => nic.key)).toEqual(['net2', 'net10']);
  });
});
