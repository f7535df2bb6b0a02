import {
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { GuestRef } from '../inventory/types.js';

/**
 * The few host files Phoenix changes itself, beside the Proxmox tools: directories for container
 * bind mounts, and raw `lxc.*` lines in a container's config (no tool sets those). On this node
 * directly; a bind mount's directory on another node with mkdir, chown and stat over root SSH
 * (the commands below, run by host.ts), since no API reaches another node's files. The config
 * files are in /etc/pve, which every node of a cluster shares.
 *
 * PHOENIX_HOST_ROOT (default `/`) and PHOENIX_PVE_DIR (default `/etc/pve`) move them: the demo and
 * the tests point them into the simulated host (`$PVE_SIM_DIR/fs` and `$PVE_SIM_DIR`), so a laptop
 * is never touched.
 */
export function hostPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
  const root = env.PHOENIX_HOST_ROOT ?? '/';
  return root === '/' ? path : join(root, path);
}

export function guestConfigFile(ref: GuestRef, env: NodeJS.ProcessEnv = process.env): string {
  const pve = env.PHOENIX_PVE_DIR ?? '/etc/pve';
  return join(
    pve,
    'nodes',
    ref.node,
    ref.type === 'qemu' ? 'qemu-server' : 'lxc',
    `${ref.id}.conf`,
  );
}

export interface DirectoryChange {
  path: string;
  created: boolean;
  owner?: { uid: number; gid: number };
  chowned: boolean;
}

/** Creates a bind mount's host directory, owned by the given (already mapped) uid/gid. */
export function ensureHostDirectory(
  path: string,
  owner?: { uid: number; gid: number },
  env: NodeJS.ProcessEnv = process.env,
): DirectoryChange {
  const real = hostPath(path, env);
  const created = !existsSync(real);
  if (created) mkdirSync(real, { recursive: true, mode: 0o755 });
  let chowned = false;
  if (owner) {
    const stat = statSync(real);
    if (stat.uid !== owner.uid || stat.gid !== owner.gid) {
      chownSync(real, owner.uid, owner.gid);
      chowned = true;
    }
  }
  return { path, created, ...(owner ? { owner } : {}), chowned };
}

/** A host directory as it is now: missing, or its owner. */
export interface DirectoryState {
  exists: boolean;
  uid?: number;
  gid?: number;
}

/** What a host directory looks like now (for plans): missing, or its owner. */
export function hostDirectoryState(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): DirectoryState {
  const real = hostPath(path, env);
  if (!existsSync(real)) return { exists: false };
  const stat = statSync(real);
  return { exists: true, uid: stat.uid, gid: stat.gid };
}

/** `stat` of a directory on another node: its owner as `uid:gid` (exit 1 when it is missing). */
export function directoryStatArgv(path: string): string[] {
  return ['stat', '-c', '%u:%g', '--', path];
}

/** Creates a directory on another node as ensureHostDirectory does here: parents too, mode 0755. */
export function makeDirectoryArgv(path: string): string[] {
  return ['mkdir', '-p', '-m', '0755', '--', path];
}

export function chownArgv(path: string, owner: { uid: number; gid: number }): string[] {
  return ['chown', `${owner.uid}:${owner.gid}`, '--', path];
}

/** The owner `stat -c %u:%g` printed. */
export function parseDirectoryStat(stdout: string): DirectoryState {
  const match = /^(\d+):(\d+)$/m.exec(stdout.trim());
  if (!match) throw new Error(`stat printed no owner: ${JSON.stringify(stdout.slice(0, 200))}`);
  return { exists: true, uid: Number(match[1]), gid: Number(match[2]) };
}

/** The part of stat's message that says the path is missing. */
export const MISSING_PATH = /No such file or directory/;

/**
 * Adds raw `lxc.*` lines to a container's config file, each only if that exact line is not there:
 * in the main section (before the first `[snapshot]`/`[pve:pending]` section), written to a temp
 * file and renamed into place. Returns the lines it added.
 */
export function addRawLxcLines(
  ref: GuestRef,
  lines: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const file = guestConfigFile(ref, env);
  const text = readFileSync(file, 'utf8');
  const all = text.split('\n');
  const sectionStart = all.findIndex((line) => /^\[.*\]\s*$/.test(line));
  const main = sectionStart === -1 ? all : all.slice(0, sectionStart);
  const rest = sectionStart === -1 ? [] : all.slice(sectionStart);
  const present = new Set(main.map((line) => line.trim()));
  const missing = lines.filter((line) => !present.has(line.trim()));
  if (missing.length === 0) return [];
  while (main.length > 0 && main.at(-1) === '') main.pop();
  const updated = [...main, ...missing, ...(rest.length > 0 ? ['', ...rest] : [''])].join('\n');
  const temp = join(dirname(file), `.${ref.id}.conf.phoenix-${process.pid}`);
  writeFileSync(temp, updated);
  renameSync(temp, file);
  return missing;
}

/** `lxc.cap.keep=a b` / `lxc.apparmor.profile=unconfined` as config-file lines (`key: value`). */
export function rawLxcLine(option: string): string {
  const match = /^\s*(lxc\.[\w.]+)\s*[=:]\s*(.*)$/.exec(option);
  return match ? `${match[1]}: ${match[2]!.trim()}` : option.trim();
}
