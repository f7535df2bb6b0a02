// What is local to each node of the simulated cluster, as on a real one: its own files (/dev,
// /proc, /srv, the paths of bind mounts) and the volumes of its non-shared storages (a `dir`
// storage without `shared 1` such as `local`, lvmthin such as `local-lvm`, zfspool…). Only
// storages marked `shared 1` (or shared by their type: nfs, cifs, cephfs, rbd…) are one store
// that every node sees.
//
// The first node (by name: `pve` after `sim init`) keeps the layout of a one-node host: fs/ and
// sim/lvm/<storage>/. Every other node has sim/nodes/<node>/fs/ and sim/nodes/<node>/lvm/<storage>/.
// Shared dir storages live under fs/ (one copy for all nodes), shared block storages under
// sim/lvm/<storage>/.
import { join } from 'node:path';
import { listNodes } from './cluster.js';
import { paths, type SimEnv } from './env.js';

/** The node whose files are fs/ (the first by name). */
export function firstNode(env: SimEnv): string {
  return listNodes(env)[0] ?? env.node;
}

/** Where a node's root file system lives in the state dir (default: the node this call plays). */
export function nodeRoot(env: SimEnv, node = env.node): string {
  return node === firstNode(env) ? join(env.dir, 'fs') : paths.sim(env.dir, 'nodes', node, 'fs');
}

/** Where the volumes of a block storage (lvmthin, zfspool, …) live for a node. */
export function nodeBlockDir(env: SimEnv, storage: string, node = env.node): string {
  return node === firstNode(env)
    ? paths.sim(env.dir, 'lvm', storage)
    : paths.sim(env.dir, 'nodes', node, 'lvm', storage);
}

/** The same call as played on another node (pvesh proxies to it; ssh runs there). */
export function onNode(env: SimEnv, node: string): SimEnv {
  return node === env.node ? env : { ...env, node };
}
