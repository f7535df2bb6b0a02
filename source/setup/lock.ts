import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../util/user-error.js';
import type { SetupEnv } from './environment.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One `phoenix setup` (or undo) at a time on a host: <stateDir>/lock holds the owner's PID.
 * A lock whose process is gone is taken over. Returns the release function.
 */
export function acquireSetupLock(env: SetupEnv): () => void {
  mkdirSync(env.stateDir, { recursive: true, mode: 0o700 });
  const file = join(env.stateDir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
        throw new UserError(`another phoenix setup is running on this host (pid ${owner})`, {
          hint: `wait for it to finish; if it is not running, remove ${file}`,
        });
      }
      unlinkSync(file);
    }
  }
  throw new UserError(`could not take the setup lock ${file}`);
}
