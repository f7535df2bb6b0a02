import { guestDisks } from './parse-config.js';
import type { Inventory } from './inventory.js';
import type { GuestConfig, GuestState } from './types.js';

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
