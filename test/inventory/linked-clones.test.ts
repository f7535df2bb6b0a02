import { describe, expect, it } from 'vitest';
import { Inventory } from '../../source/inventory/inventory.js';
import {
  baseVolumes,
  clonesFromStorage,
  findLinkedClones,
  linkedCloneCandidates,
  mergeClones,
} from '../../source/inventory/linked-clones.js';
import { parseConfigText } from '../../source/inventory/parse-config.js';
import type { GuestState } from '../../source/inventory/types.js';

const guest = (id: number, type: 'qemu' | 'lxc', node: string, template = false): GuestState => ({
  id,
  type,
  node,
  name: `g${id}`,
  status: 'stopped',
  template,
  tags: [],
  cpu: 0,
  maxcpu: 1,
  mem: 0,
  maxmem: 0,
  disk: 0,
  maxdisk: 0,
  uptime: 0,
  netin: 0,
  netout: 0,
  diskread: 0,
  diskwrite: 0,
});

describe('linked clones', () => {
  const template = parseConfigText(
    9000,
    'qemu',
    'scsi0: local-lvm:base-9000-disk-0,size=32G\ntemplate: 1\n',
  );

  it('finds clones whose disks sit on the template base volumes', () => {
    const clone = parseConfigText(
      101,
      'qemu',
      'scsi0: local-lvm:base-9000-disk-0/vm-101-disk-0,size=32G\n',
    );
    const full = parseConfigText(102, 'qemu', 'scsi0: local-lvm:vm-102-disk-0,size=32G\n');
    const otherTemplate = parseConfigText(
      103,
      'qemu',
      'scsi0: local-lvm:base-9001-disk-0/vm-103-disk-0,size=32G\n',
    );
    expect(findLinkedClones(template, [clone, full, otherTemplate])).toEqual([
      { id: 101, disks: ['scsi0'] },
    ]);
  });

  it('only reads guests of the same type on the same node', () => {
    const inventory = new Inventory([
      guest(9000, 'qemu', 'pve', true),
      guest(101, 'qemu', 'pve'),
      guest(102, 'lxc', 'pve'),
      guest(103, 'qemu', 'pve2'),
      guest(9001, 'qemu', 'pve', true),
    ]);
    expect(linkedCloneCandidates(inventory, inventory.get(9000)!).map((g) => g.id)).toEqual([101]);
  });

  it('finds clones from the storage listing by parent, and merges sources', () => {
    expect(baseVolumes(template)).toEqual([
      { volid: 'local-lvm:base-9000-disk-0', storage: 'local-lvm' },
    ]);
    const fromStorage = clonesFromStorage(template, [
      {
        volid: 'local-lvm:base-9000-disk-0',
        content: 'images',
        format: 'raw',
        sizeBytes: 1,
        vmid: 9000,
      },
      {
        volid: 'local-lvm:vm-105-disk-0',
        content: 'images',
        format: 'raw',
        sizeBytes: 1,
        vmid: 105,
        parent: 'base-9000-disk-0',
      },
      {
        volid: 'local-lvm:vm-106-disk-0',
        content: 'images',
        format: 'raw',
        sizeBytes: 1,
        vmid: 106,
        parent: 'local-lvm:base-9000-disk-0',
      },
      {
        volid: 'local-lvm:vm-107-disk-0',
        content: 'images',
        format: 'raw',
        sizeBytes: 1,
        vmid: 107,
        parent: 'base-9001-disk-0',
      },
    ]);
    expect(fromStorage.map((clone) => clone.id)).toEqual([105, 106]);
    expect(
      mergeClones([{ id: 106, disks: ['scsi0'] }], fromStorage).map((clone) => clone.id),
    ).toEqual([105, 106]);
  });
});
