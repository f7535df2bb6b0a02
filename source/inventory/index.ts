/** Typed records of what the host has, and the parsers that build them from Proxmox's output. */
export * from './types.js';
export { Inventory, describeGuest, refOf } from './inventory.js';
export * from './parse-config.js';
export * from './parse-resources.js';
export * from './parse-storage.js';
export {
  baseVolumes,
  clonesFromStorage,
  findLinkedClones,
  linkedCloneCandidates,
  mergeClones,
  type LinkedClone,
} from './linked-clones.js';
