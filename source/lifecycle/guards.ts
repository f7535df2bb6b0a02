import type { Host } from '../host/index.js';
import { refOf, type Inventory } from '../inventory/inventory.js';
import { isProtected } from '../inventory/parse-config.js';
import {
  baseVolumes,
  clonesFromStorage,
  findLinkedClones,
  linkedCloneCandidates,
  mergeClones,
  type LinkedClone,
} from '../inventory/linked-clones.js';
import type { GuestConfig, GuestState } from '../inventory/types.js';

/** Why a guest must not be deleted, with what to do about it. */
export interface Refusal {
  kind: 'protected' | 'linked-clones';
  /** Short, for a list: "has protection enabled". */
  summary: string;
  message: string;
  hint: string;
}

/** Reads configs of several guests, a few at a time. */
export async function readConfigs(
  host: Host,
  guests: readonly GuestState[],
): Promise<GuestConfig[]> {
  const configs: GuestConfig[] = [];
  const queue = [...guests];
  const worker = async (): Promise<void> => {
    for (let guest = queue.shift(); guest; guest = queue.shift()) {
      configs.push(await host.guestConfig(refOf(guest)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, queue.length) }, worker));
  return configs;
}

/**
 * Guests still built on a template's base volumes: from the configs of the guests that could be
 * linked clones (same type and node), and from the storage listing of the base volumes'
 * storages (its `parent` field names the base where volume names do not).
 */
export async function linkedClones(
  host: Host,
  inventory: Inventory,
  template: GuestState,
  config: GuestConfig,
): Promise<LinkedClone[]> {
  const candidates = await readConfigs(host, linkedCloneCandidates(inventory, template));
  const lists = [findLinkedClones(config, candidates)];
  for (const storage of new Set(baseVolumes(config).map((base) => base.storage))) {
    const volumes = await host.storageContent(storage, { node: template.node });
    lists.push(clonesFromStorage(config, volumes));
  }
  return mergeClones(...lists);
}

/** Protection and linked clones: the two reasons Phoenix refuses to delete a guest. */
export async function deleteRefusal(
  host: Host,
  inventory: Inventory,
  guest: GuestState,
  config: GuestConfig,
): Promise<Refusal | undefined> {
  if (isProtected(config)) {
    return {
      kind: 'protected',
      summary: 'has protection enabled',
      message: 'protection mode enabled',
      hint: `if you really mean it, turn protection off first: ${guest.type === 'qemu' ? 'qm' : 'pct'} set ${guest.id} --protection 0`,
    };
  }
  if (guest.template) {
    const clones = await linkedClones(host, inventory, guest, config);
    if (clones.length > 0) {
      const list = clones.map((clone) => clone.id).join(', ');
      return {
        kind: 'linked-clones',
        summary: `is a template with linked clones (${list})`,
        message: `linked clones use its disks: ${list}`,
        hint: 'delete the linked clones first, or make them independent with a full clone (qm clone <id> <new id> --full 1)',
      };
    }
  }
  return undefined;
}
