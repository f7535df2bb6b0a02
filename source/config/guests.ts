import { isObject, type CanonicalDocs } from './normalise.js';
import type { DocRef } from './reporter.js';
import { formatPath, nodePath, type Locator } from './source.js';
import type { GuestOrigin } from './types.js';

/** One guest of the canonical documents, with its defaults block merged in (no built-in defaults yet). */
export interface GuestEntry {
  kind: 'qemu' | 'lxc';
  doc: DocRef;
  /** Canonical path of the guest object in its document. */
  path: (string | number)[];
  /** Canonical path of the defaults block (vm_defaults / lxc_defaults). */
  defaultsPath: (string | number)[];
  own: Record<string, unknown>;
  defaults: Record<string, unknown>;
  merged: Record<string, unknown>;
  /** VM ID or CTID when valid, else undefined. */
  id: number | undefined;
  name: string | undefined;
  /** How messages name the guest: `VM 1000 (rumpledev)`, `container 900 (base)`. */
  label: string;
  /** The file and raw JSON path of the guest object as written (seed 000 VMs live in the host file). */
  origin: GuestOrigin;
}

/**
 * Defaults merge: a guest's own value replaces the default; objects (network_config, user_config,
 * firewall, snapshots) merge key by key; arrays replace.
 */
export function mergeDefaults(
  defaults: Record<string, unknown>,
  own: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(own)) {
    const base = defaults[key];
    merged[key] = isObject(base) && isObject(value) ? { ...base, ...value } : value;
  }
  return merged;
}

function originOf(
  locator: Locator,
  doc: DocRef,
  object: object,
  path: (string | number)[],
): GuestOrigin {
  const location = locator.self(object);
  if (!location) return { file: doc.file, jsonPath: formatPath(path), segments: [...path] };
  const segments = nodePath(location.valueNode);
  return { file: location.source.file, jsonPath: formatPath(segments), segments };
}

export function collectGuests(docs: CanonicalDocs, locator: Locator): GuestEntry[] {
  const guests: GuestEntry[] = [];
  const vmDefaults = isObject(docs.vm.value.vm_defaults) ? docs.vm.value.vm_defaults : {};
  const vms = docs.vm.value.virtual_machines;
  if (Array.isArray(vms)) {
    vms.forEach((vm, index) => {
      if (!isObject(vm)) return;
      const id = validId(vm.vm_id);
      const name = typeof vm.vm_name === 'string' ? vm.vm_name : undefined;
      guests.push({
        kind: 'qemu',
        doc: docs.vm,
        path: ['virtual_machines', index],
        defaultsPath: ['vm_defaults'],
        own: vm,
        defaults: vmDefaults,
        merged: mergeDefaults(vmDefaults, vm),
        id,
        name,
        label: `VM ${id ?? '(no ID)'}${name ? ` (${name})` : ''}`,
        origin: originOf(locator, docs.vm, vm, ['virtual_machines', index]),
      });
    });
  }
  const lxcDefaults = isObject(docs.lxc.value.lxc_defaults) ? docs.lxc.value.lxc_defaults : {};
  const containers = docs.lxc.value.lxc_configs;
  if (isObject(containers)) {
    for (const [key, container] of Object.entries(containers)) {
      if (!isObject(container)) continue;
      const id = /^[1-9][0-9]{2,8}$/.test(key) ? Number(key) : undefined;
      const name = typeof container.name === 'string' ? container.name : undefined;
      guests.push({
        kind: 'lxc',
        doc: docs.lxc,
        path: ['lxc_configs', key],
        defaultsPath: ['lxc_defaults'],
        own: container,
        defaults: lxcDefaults,
        merged: mergeDefaults(lxcDefaults, container),
        id,
        name,
        label: `container ${key}${name ? ` (${name})` : ''}`,
        origin: originOf(locator, docs.lxc, container, ['lxc_configs', key]),
      });
    }
  }
  return guests;
}

function validId(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 999999999
    ? value
    : undefined;
}

/** Path of `key` where it is declared: in the guest itself, else in the defaults block. */
export function declaredAt(
  guest: GuestEntry,
  key: string,
  ...rest: (string | number)[]
): (string | number)[] {
  if (key in guest.own) {
    const own = guest.own[key];
    // An object key may be partly declared in the defaults (network_config.gw from vm_defaults).
    if (
      rest.length &&
      isObject(own) &&
      typeof rest[0] === 'string' &&
      !(rest[0] in own) &&
      key in guest.defaults
    ) {
      return [...guest.defaultsPath, key, ...rest];
    }
    return [...guest.path, key, ...rest];
  }
  if (key in guest.defaults) return [...guest.defaultsPath, key, ...rest];
  return [...guest.path, key, ...rest];
}
