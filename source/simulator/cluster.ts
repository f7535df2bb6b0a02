// The simulated cluster on disk: nodes, guest configs, runtime state (running, agent, cloud-init).
import { existsSync, mkdirSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, writeConfig, type GuestConfig } from './config-file.js';
import { configMissing } from './errors.js';
import { paths, type SimEnv } from './env.js';
import { readJson, readText, writeAtomic } from './fsutil.js';
import type { GuestKind } from './lock.js';

export interface GuestRef {
  vmid: number;
  kind: GuestKind;
  node: string;
}

/** What only the simulator knows: power state, agent and cloud-init timing. */
export interface Runtime {
  status: 'running' | 'paused';
  pid: number;
  /** Epoch ms. */
  startedAt: number;
  /** Epoch ms when the guest agent answers (qemu with agent only). */
  agentAt?: number;
  /** Epoch ms when cloud-init finishes. */
  cloudInitAt?: number;
}

export function listNodes(env: SimEnv): string[] {
  try {
    return readdirSync(join(env.dir, 'nodes')).sort();
  } catch {
    return [];
  }
}

/** A node's address on the cluster network (corosync's, in /cluster/status): 192.168.1.10 and up. */
export function nodeAddress(env: SimEnv, node: string): string | undefined {
  const index = listNodes(env).indexOf(node);
  return index === -1 ? undefined : `192.168.1.${10 + index}`;
}

export function confPath(env: SimEnv, ref: GuestRef): string {
  return paths.conf(env.dir, ref.node, ref.kind, ref.vmid);
}

/** Finds a guest id anywhere in the cluster (ids are cluster-wide). */
export function findGuest(env: SimEnv, vmid: number): GuestRef | undefined {
  const nodes = [env.node, ...listNodes(env).filter((n) => n !== env.node)];
  for (const node of nodes) {
    for (const kind of ['qemu', 'lxc'] as const) {
      if (existsSync(paths.conf(env.dir, node, kind, vmid))) return { vmid, kind, node };
    }
  }
  return undefined;
}

export function listGuests(env: SimEnv, node?: string, kind?: GuestKind): GuestRef[] {
  const out: GuestRef[] = [];
  for (const n of node ? [node] : listNodes(env)) {
    for (const k of kind ? [kind] : (['qemu', 'lxc'] as const)) {
      let files: string[] = [];
      try {
        files = readdirSync(join(env.dir, 'nodes', n, k === 'qemu' ? 'qemu-server' : 'lxc'));
      } catch {
        continue;
      }
      for (const f of files) {
        const m = /^(\d+)\.conf$/.exec(f);
        if (m) out.push({ vmid: Number(m[1]), kind: k, node: n });
      }
    }
  }
  return out.sort((a, b) => a.vmid - b.vmid);
}

/** Loads a local guest config or fails with Proxmox's "does not exist" text (exit 2). */
export function loadConfig(
  env: SimEnv,
  kind: GuestKind,
  vmid: number,
  node = env.node,
): GuestConfig {
  const text = readText(paths.conf(env.dir, node, kind, vmid));
  if (text === undefined) throw configMissing(node, kind, vmid);
  return parseConfig(text);
}

export function tryLoadConfig(env: SimEnv, ref: GuestRef): GuestConfig | undefined {
  const text = readText(confPath(env, ref));
  return text === undefined ? undefined : parseConfig(text);
}

export function saveConfig(env: SimEnv, ref: GuestRef, config: GuestConfig): void {
  writeAtomic(confPath(env, ref), writeConfig(config, ref.kind));
}

export function removeConfig(env: SimEnv, ref: GuestRef): void {
  try {
    unlinkSync(confPath(env, ref));
  } catch {
    // already gone
  }
}

const runtimeFile = (env: SimEnv, vmid: number) => paths.sim(env.dir, 'run', `${vmid}.json`);

export function getRuntime(env: SimEnv, vmid: number): Runtime | undefined {
  return readJson<Runtime>(runtimeFile(env, vmid));
}

/** Ids of all running guests, from one directory listing. */
export function runningIds(env: SimEnv): Set<number> {
  try {
    return new Set(
      readdirSync(paths.sim(env.dir, 'run'))
        .filter((f) => f.endsWith('.json'))
        .map((f) => Number(f.slice(0, -5))),
    );
  } catch {
    return new Set();
  }
}

export function setRuntime(env: SimEnv, vmid: number, runtime: Runtime | undefined): void {
  if (runtime) writeAtomic(runtimeFile(env, vmid), JSON.stringify(runtime));
  else {
    try {
      unlinkSync(runtimeFile(env, vmid));
    } catch {
      // not running
    }
  }
}

/** The per-guest scratch root that guest commands run against. */
export function guestRoot(env: SimEnv, vmid: number): string {
  const root = paths.sim(env.dir, 'guests', String(vmid), 'root');
  mkdirSync(root, { recursive: true });
  return root;
}

/** Simulated host facts per node. */
export const nodeFacts = { cpus: 16, memory: 68719476736, rootfsTotal: 100861726720 };

/** Remembers when a guest was created: /cluster/resources knows no stats for ~10 s after. */
export function markCreated(env: SimEnv, vmid: number): void {
  writeAtomic(paths.sim(env.dir, 'created', String(vmid)), String(Date.now()));
}

/** Guests created less than `windowMs` ago, from one directory listing. */
export function recentlyCreated(env: SimEnv, windowMs: number): Set<number> {
  const out = new Set<number>();
  if (windowMs <= 0) return out;
  let names: string[] = [];
  try {
    names = readdirSync(paths.sim(env.dir, 'created'));
  } catch {
    return out;
  }
  const now = Date.now();
  for (const name of names) {
    const at = Number(readText(paths.sim(env.dir, 'created', name)));
    if (now - at < windowMs) out.add(Number(name));
  }
  return out;
}

/** Forgets a destroyed guest's simulator-only state: runtime, scratch root, exec results, links. */
export function forgetGuest(env: SimEnv, vmid: number): void {
  setRuntime(env, vmid, undefined);
  for (const part of [
    ['guests', String(vmid)],
    ['exec', String(vmid)],
    ['links', `${vmid}.json`],
    ['created', String(vmid)],
  ]) {
    rmSync(paths.sim(env.dir, ...part), { recursive: true, force: true });
  }
}
