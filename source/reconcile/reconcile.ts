import type { GuestSpec, Spec, VmSpec } from '../config/types.js';
import type { Inventory } from '../inventory/inventory.js';
import type { GuestConfig, GuestState, GuestType } from '../inventory/types.js';
import { lxcSettings, vmSettings, type DesiredSetting } from './desired.js';
import * as norm from './normalise.js';

/** How a guest's config and the host compare. */
export type SpecState = 'missing' | 'in-sync' | 'drifted' | 'unmanaged' | 'template';

/** One field whose live value differs from what the config asks for. */
export interface FieldDrift {
  field: string;
  /** The Proxmox option it maps to. */
  key: string;
  desired: string;
  /** undefined: not set on the host. */
  live: string | undefined;
  /** Proxmox cannot change it in place. */
  immutable?: boolean;
}

/** One row of the machines list: a guest from the config, the host, or both. */
export interface GuestRow {
  /** undefined for a VM the config declares without an ID (the plan assigns one). */
  id: number | undefined;
  type: GuestType;
  name: string;
  /** Where it lives (host) or should live (config `node`); undefined: the local node. */
  node: string | undefined;
  /** The host's status, or `missing` when the host does not have it. */
  status: string;
  state: SpecState;
  spec?: GuestSpec;
  live?: GuestState;
  /** Differences visible without reading the guest's config (name, memory, CPUs, tags). */
  drift: FieldDrift[];
}

export const specId = (guest: GuestSpec): number | undefined =>
  guest.kind === 'qemu' ? guest.vm_id : guest.ctid;
export const specName = (guest: GuestSpec): string =>
  guest.kind === 'qemu' ? guest.vm_name : guest.name;

export function desiredSettings(guest: GuestSpec): DesiredSetting[] {
  return guest.kind === 'qemu' ? vmSettings(guest) : lxcSettings(guest);
}

/** Field-level drift of one guest against its live config (everything the config declares). */
export function configDrift(guest: GuestSpec, config: GuestConfig): FieldDrift[] {
  return desiredSettings(guest)
    .filter((setting) => !setting.inSync(config))
    .map((setting) => ({
      field: setting.field,
      key: setting.key,
      desired: setting.desired,
      live: setting.live(config),
      ...(setting.immutable ? { immutable: true } : {}),
    }));
}

/**
 * Every guest of config and host with its state, from the inventory alone (one host call for
 * the whole cluster). Drift found here covers what /cluster/resources shows; `configDrift`
 * compares everything once a guest's config has been read.
 */
export function reconcile(spec: Spec, inventory: Inventory): GuestRow[] {
  const rows: GuestRow[] = [];
  const claimed = new Set<number>();
  for (const guest of [...spec.vms, ...spec.containers]) {
    const id = specId(guest);
    const live = id === undefined ? undefined : inventory.get(id);
    if (id !== undefined) claimed.add(id);
    rows.push(live ? presentRow(guest, live) : missingRow(guest, id));
  }
  for (const live of inventory.guests) {
    if (claimed.has(live.id)) continue;
    rows.push({
      id: live.id,
      type: live.type,
      name: live.name,
      node: live.node,
      status: live.status,
      state: live.template ? 'template' : 'unmanaged',
      live,
      drift: [],
    });
  }
  return rows;
}

function missingRow(guest: GuestSpec, id: number | undefined): GuestRow {
  return {
    id,
    type: guest.kind,
    name: specName(guest),
    node: guest.node,
    status: 'missing',
    state: 'missing',
    spec: guest,
    drift: [],
  };
}

function presentRow(guest: GuestSpec, live: GuestState): GuestRow {
  const drift = resourceDrift(guest, live);
  // Phoenix never edits a template in place (clones would not see it); its differences are shown, not acted on.
  const state: SpecState =
    live.template && guest.is_template
      ? 'template'
      : drift.length > 0
        ? 'drifted'
        : live.template
          ? 'template'
          : 'in-sync';
  return {
    id: live.id,
    type: live.type,
    name: live.name,
    node: live.node,
    status: live.status,
    state,
    spec: guest,
    live,
    drift,
  };
}

const MiB = 1024 * 1024;

/** What /cluster/resources can tell about a guest's config. */
export function resourceDrift(guest: GuestSpec, live: GuestState): FieldDrift[] {
  const drift: FieldDrift[] = [];
  if (live.type !== guest.kind) {
    const words = { qemu: 'a VM', lxc: 'a container' } as const;
    drift.push({
      field: 'type',
      key: 'type',
      desired: words[guest.kind],
      live: words[live.type],
      immutable: true,
    });
    return drift;
  }
  const name = specName(guest);
  if (live.name !== name)
    drift.push({
      field: guest.kind === 'qemu' ? 'vm_name' : 'name',
      key: guest.kind === 'qemu' ? 'name' : 'hostname',
      desired: name,
      live: live.name,
    });
  if (
    guest.declared.includes('memory_mb') &&
    live.maxmem > 0 &&
    Math.round(live.maxmem / MiB) !== guest.memory_mb
  ) {
    drift.push({
      field: 'memory_mb',
      key: 'memory',
      desired: String(guest.memory_mb),
      live: String(Math.round(live.maxmem / MiB)),
    });
  }
  drift.push(...cpuDrift(guest, live));
  if (guest.declared.includes('tags') && norm.tags(live.tags) !== norm.tags(guest.tags)) {
    drift.push({
      field: 'tags',
      key: 'tags',
      desired: norm.tags(guest.tags),
      live: norm.tags(live.tags) || undefined,
    });
  }
  if (guest.is_template !== live.template && (guest.is_template || live.template)) {
    drift.push({
      field: 'is_template',
      key: 'template',
      desired: guest.is_template ? '1' : '0',
      live: live.template ? '1' : '0',
      immutable: live.template,
    });
  }
  return drift;
}

function cpuDrift(guest: GuestSpec, live: GuestState): FieldDrift[] {
  if (live.maxcpu <= 0) return [];
  if (guest.kind === 'lxc') {
    if (!guest.declared.includes('cores') || live.maxcpu === guest.cores) return [];
    return [
      { field: 'cores', key: 'cores', desired: String(guest.cores), live: String(live.maxcpu) },
    ];
  }
  const vm: VmSpec = guest;
  if (!vm.declared.includes('cpu_cores') && !vm.declared.includes('cpu_sockets')) return [];
  // maxcpu is sockets × cores; with only cores declared, any socket count is the user's business.
  const matches = vm.declared.includes('cpu_sockets')
    ? live.maxcpu === vm.cpu_sockets * vm.cpu_cores
    : live.maxcpu % vm.cpu_cores === 0;
  if (matches) return [];
  const desired = vm.declared.includes('cpu_sockets')
    ? `${vm.cpu_sockets * vm.cpu_cores} (${vm.cpu_sockets}×${vm.cpu_cores})`
    : `${vm.cpu_cores} per socket`;
  return [{ field: 'cpu_cores', key: 'cores', desired, live: String(live.maxcpu) }];
}
