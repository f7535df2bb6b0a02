import { guestDisks } from './parse-config.js';
import type { Inventory } from './inventory.js';
import type { GuestConfig, GuestState, StorageVolume } from './types.js';

export interface LinkedClone {
  id: number;
  /** Config keys of the clone's disks that sit on the template's base volumes. */
  disks: string[];
}

/**
 * The guests that may be linked clones of a template, so only their configs are read: same
 * guest type (a VM template has VM clones), same node (a linked clone shares the template's
 * storage, and Proxmox clones to another node only from shared storage), not templates.
 */
export function linkedCloneCandidates(inventory: Inventory, template: GuestState): GuestState[] {
  return inventory.guests.filter(
    (guest) =>
      guest.id !== template.id &&
      guest.type === template.type &&
      guest.node === template.node &&
      !guest.template,
  );
}

/**
 * Guests whose disks are built on the template's base volumes (`base-<id>-disk-N/vm-…` on
 * LVM-thin/ZFS/Ceph, `<id>/base-<id>-disk-N.qcow2/<clone>/…` on directory storages).
 */
export function findLinkedClones(
  template: GuestConfig,
  candidates: readonly GuestConfig[],
): LinkedClone[] {
  const baseStorages = new Set(
    guestDisks(template)
      .filter((disk) => disk.storage && /(?:^|\/)base-\d+-disk-\d+/.test(disk.volname ?? ''))
      .map((disk) => disk.storage!),
  );
  const clones: LinkedClone[] = [];
  for (const candidate of candidates) {
    if (candidate.id === template.id) continue;
    const disks = guestDisks(candidate)
      .filter(
        (disk) =>
          disk.base?.id === template.id &&
          (baseStorages.size === 0 ||
            (disk.storage !== undefined && baseStorages.has(disk.storage))),
      )
      .map((disk) => disk.key);
    if (disks.length > 0) clones.push({ id: candidate.id, disks });
  }
  return clones;
}

/** The template's base volumes (`local-lvm:base-9000-disk-0`) and the storages they are on. */
export function baseVolumes(template: GuestConfig): Array<{ volid: string; storage: string }> {
  return guestDisks(template)
    .filter(
      (disk) => disk.storage && /(?:^|\/)base-\d+-disk-\d+/.test(disk.volname ?? '') && !disk.base,
    )
    .map((disk) => ({ volid: disk.volume, storage: disk.storage! }));
}

/**
 * Linked clones as the storage reports them: volumes whose `parent` is one of the template's
 * base volumes. Covers storages where a clone's volume name does not mention its base.
 */
export function clonesFromStorage(
  template: GuestConfig,
  volumes: readonly StorageVolume[],
): LinkedClone[] {
  const bases = new Set(baseVolumes(template).map((base) => base.volid));
  const byId = new Map<number, string[]>();
  for (const volume of volumes) {
    if (!volume.parent || volume.vmid === undefined || volume.vmid === template.id) continue;
    const parent = volume.parent.includes(':')
      ? volume.parent
      : `${volume.volid.split(':')[0]}:${volume.parent}`;
    if (!bases.has(parent)) continue;
    byId.set(volume.vmid, [...(byId.get(volume.vmid) ?? []), volume.volid]);
  }
  return [...byId].map(([id, disks]) => ({ id, disks }));
}

/** Merges clone lists from several sources, one entry per guest. */
export function mergeClones(...lists: LinkedClone[][]): LinkedClone[] {
  const byId = new Map<number, Set<string>>();
  for (const clone of lists.flat()) {
    const disks = byId.get(clone.id) ?? new Set<string>();
    for (const disk of clone.disks) disks.add(disk);
    byId.set(clone.id, disks);
  }
  return [...byId].sort(([a], [b]) => a - b).map(([id, disks]) => ({ id, disks: [...disks] }));
}
