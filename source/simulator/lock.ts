// Per-guest config locks shared by concurrent simulator processes, like Proxmox's flock on
// /var/lock/qemu-server/lock-<id>.conf: an exclusively created lock file holding the owner's pid.
// A lock whose owner process is gone is stale and taken over.
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SimError } from './errors.js';
import { sleepMs } from './fsutil.js';
import { paths } from './env.js';

export type GuestKind = 'qemu' | 'lxc';

/** The path Proxmox prints in its timeout message. */
export function realLockPath(kind: GuestKind, vmid: number): string {
  return kind === 'qemu'
    ? `/var/lock/qemu-server/lock-${vmid}.conf`
    : `/run/lock/lxc/pve-config-${vmid}.lock`;
}

function readLock(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when the lock file belongs to a process that is gone. The content (pid + time) is read
 * again after the liveness check: if the owner released the lock and another process took it
 * meanwhile, the content differs and the new lock is left alone.
 */
function isStale(file: string): boolean {
  const before = readLock(file);
  const pid = Number(before?.split(' ')[0]);
  if (!before || !pid || processAlive(pid)) return false;
  return readLock(file) === before;
}

/** Default lock wait in seconds (Proxmox: 10 s); PVE_SIM_LOCK_TIMEOUT overrides. */
export function lockTimeoutSeconds(): number {
  const raw = Number(process.env.PVE_SIM_LOCK_TIMEOUT);
  return Number.isFinite(raw) &&
    raw >= 0 &&
    process.env.PVE_SIM_LOCK_TIMEOUT !== '' &&
    process.env.PVE_SIM_LOCK_TIMEOUT !== undefined
    ? raw
    : 10;
}

/** Run fn while holding the guest's config lock; `got timeout` after the lock timeout. */
export function withGuestLock<T>(
  dir: string,
  kind: GuestKind,
  vmid: number,
  fn: () => T,
  options: { held?: boolean } = {},
): T {
  const lockDir = paths.sim(dir, 'locks');
  mkdirSync(lockDir, { recursive: true });
  const file = join(lockDir, `${kind}-${vmid}.lock`);
  const timeout = lockTimeoutSeconds() * 1000;
  const deadline = Date.now() + timeout;
  const fail = () =>
    new SimError(`can't lock file '${realLockPath(kind, vmid)}' - got timeout`, 255);
  if (options.held) {
    sleepMs(timeout);
    throw fail();
  }
  let fd = -1;
  for (;;) {
    try {
      fd = openSync(file, 'wx');
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (isStale(file)) {
        try {
          unlinkSync(file);
        } catch {
          // another process took it over first
        }
        continue;
      }
      if (Date.now() >= deadline) throw fail();
      sleepMs(10 + Math.floor(Math.random() * 15));
    }
  }
  try {
    writeSync(fd, `${process.pid} ${Date.now()}`);
    closeSync(fd);
    return fn();
  } finally {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  }
}
