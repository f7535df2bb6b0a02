import type { GuestRef } from '../inventory/types.js';

/**
 * The exact command lines for per-guest actions. qm and pct act only on guests of the node they
 * run on, so a guest on another node of the cluster is addressed through pvesh and the API path
 * `/nodes/{node}/qemu|lxc/{id}/…` (pvesh forwards the call to that node).
 */

export type PowerAction = 'start' | 'stop' | 'shutdown' | 'reboot';

export interface ShutdownOptions {
  /** Seconds to wait for the guest to power off (Proxmox's default is 60). */
  timeoutSeconds?: number;
  /** Stop the guest hard when it does not shut down in time. */
  forceStop?: boolean;
}

export interface DestroyOptions {
  /** Also remove the guest from backup jobs, replication and HA (`--purge`). */
  purge?: boolean;
}

export interface SnapshotOptions {
  description?: string;
  /** qemu only: include RAM. */
  vmstate?: boolean;
}

export interface RollbackOptions {
  /** Start the guest after the rollback. */
  start?: boolean;
}

const tool = (ref: GuestRef): 'qm' | 'pct' => (ref.type === 'qemu' ? 'qm' : 'pct');
const apiPath = (ref: GuestRef): string => `/nodes/${ref.node}/${ref.type}/${ref.id}`;
const isLocal = (ref: GuestRef, localNode: string): boolean => ref.node === localNode;

export function powerArgv(
  action: PowerAction,
  ref: GuestRef,
  localNode: string,
  options: ShutdownOptions = {},
): string[] {
  const extra: string[] = [];
  if (action === 'shutdown') {
    if (options.timeoutSeconds !== undefined)
      extra.push('--timeout', String(options.timeoutSeconds));
    if (options.forceStop) extra.push('--forceStop', '1');
  }
  if (isLocal(ref, localNode)) return [tool(ref), action, String(ref.id), ...extra];
  return ['pvesh', 'create', `${apiPath(ref)}/status/${action}`, ...extra];
}

export function destroyArgv(
  ref: GuestRef,
  localNode: string,
  options: DestroyOptions = {},
): string[] {
  const extra = options.purge ? ['--purge', '1'] : [];
  if (isLocal(ref, localNode)) return [tool(ref), 'destroy', String(ref.id), ...extra];
  return ['pvesh', 'delete', apiPath(ref), ...extra];
}

export function snapshotArgv(
  ref: GuestRef,
  name: string,
  localNode: string,
  options: SnapshotOptions = {},
): string[] {
  const extra: string[] = [];
  if (options.description !== undefined) extra.push('--description', options.description);
  if (options.vmstate && ref.type === 'qemu') extra.push('--vmstate', '1');
  if (isLocal(ref, localNode)) return [tool(ref), 'snapshot', String(ref.id), name, ...extra];
  return ['pvesh', 'create', `${apiPath(ref)}/snapshot`, '--snapname', name, ...extra];
}

export function rollbackArgv(
  ref: GuestRef,
  name: string,
  localNode: string,
  options: RollbackOptions = {},
): string[] {
  const extra = options.start ? ['--start', '1'] : [];
  if (isLocal(ref, localNode)) return [tool(ref), 'rollback', String(ref.id), name, ...extra];
  return ['pvesh', 'create', `${apiPath(ref)}/snapshot/${name}/rollback`, ...extra];
}

/** Local: `qm listsnapshot` (a text tree). Remote: the snapshot API as JSON. */
export function listSnapshotsArgv(ref: GuestRef, localNode: string): string[] {
  if (isLocal(ref, localNode)) return [tool(ref), 'listsnapshot', String(ref.id)];
  return ['pvesh', 'get', `${apiPath(ref)}/snapshot`, '--output-format', 'json'];
}

/** Local: `qm config` / `pct config` (text). Remote: the config API as JSON. */
export function configArgv(ref: GuestRef, localNode: string): string[] {
  if (isLocal(ref, localNode)) return [tool(ref), 'config', String(ref.id)];
  return ['pvesh', 'get', `${apiPath(ref)}/config`, '--output-format', 'json'];
}

/** Removes a stale lock. */
export function unlockArgv(ref: GuestRef, localNode: string): string[] {
  if (isLocal(ref, localNode)) return [tool(ref), 'unlock', String(ref.id)];
  return ['pvesh', 'set', `${apiPath(ref)}/config`, '--delete', 'lock', '--skiplock', '1'];
}

export const INVENTORY_ARGV = [
  'pvesh',
  'get',
  '/cluster/resources',
  '--type',
  'vm',
  '--output-format',
  'json',
] as const;

export const NODES_ARGV = [
  'pvesh',
  'get',
  '/cluster/resources',
  '--type',
  'node',
  '--output-format',
  'json',
] as const;

/** The cluster's members with the address corosync resolved for each. */
export const CLUSTER_STATUS_ARGV = [
  'pvesh',
  'get',
  '/cluster/status',
  '--output-format',
  'json',
] as const;
