import type { GuestSpec, Spec } from '../config/types.js';
import { specId } from '../reconcile/reconcile.js';

/** The guests a guest needs first: its clone source and its `dependencies`. */
export function prerequisites(guest: GuestSpec): number[] {
  const source = guest.kind === 'qemu' ? guest.clone_from_vmid : guest.clone_from_ctid;
  return [...new Set([...(source === undefined ? [] : [source]), ...guest.dependencies])];
}

/**
 * The requested guests plus everything they need, dependencies first (depth-first, in config
 * order otherwise). Unknown IDs are the caller's to report; prerequisites that are not in the
 * config (a template that only lives on the host) are left out. Cycles are refused by
 * `phoenix validate`; here they are cut rather than looping.
 */
export function provisioningOrder(spec: Spec, requested: readonly number[]): GuestSpec[] {
  const byId = new Map<number, GuestSpec>();
  for (const guest of [...spec.vms, ...spec.containers]) {
    const id = specId(guest);
    if (id !== undefined) byId.set(id, guest);
  }
  const ordered: GuestSpec[] = [];
  const done = new Set<number>();
  const visiting = new Set<number>();
  const visit = (id: number) => {
    if (done.has(id) || visiting.has(id)) return;
    const guest = byId.get(id);
    if (!guest) return;
    visiting.add(id);
    for (const dependency of prerequisites(guest)) visit(dependency);
    visiting.delete(id);
    done.add(id);
    ordered.push(guest);
  };
  for (const id of requested) visit(id);
  return ordered;
}
