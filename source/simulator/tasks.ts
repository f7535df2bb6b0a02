// Worker tasks that outlive the call that started them. `pvesh create` on an API path of another
// node is proxied there, and the node answers with the task's UPID at once while the worker runs
// on (reference §A.2: only the CLI on the task's own node runs it in the foreground). Such a task
// is recorded under sim/tasks/running/ with the moment it ends and what it leaves behind; every
// simulator call first settles the tasks whose time has come (main.ts), as if the worker had run
// meanwhile. GET /nodes/{node}/tasks/{upid}/status and …/log read the records.
import { mkdirSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { paths, type SimEnv } from './env.js';
import { readJson, writeAtomic } from './fsutil.js';

export interface TaskRecord {
  upid: string;
  node: string;
  type: string;
  id: string;
  user: string;
  pid: number;
  pstart: number;
  starttime: number;
  status: 'running' | 'stopped';
  /** `OK`, or the task's error (one line), once stopped. */
  exitstatus?: string;
  /** The task log so far, one entry per line. */
  log: string[];
  /** A running task: when it ends and how. */
  pending?: {
    /** Epoch ms. */
    endsAt: number;
    /** Its exit status then (`OK` or the error). */
    exitstatus: string;
    /** The rest of its log. */
    log: string[];
    /** Files it writes when it ends well (state-dir paths; content as text or base64). */
    writes: { file: string; content: string; encoding?: 'base64' }[];
  };
}

const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');

/** A new task's identity: `UPID:node:pid:pstart:starttime:type:id:user:` (reference §A.3). */
export function newTask(node: string, type: string, id: string): TaskRecord {
  const pid = process.pid;
  const pstart = Math.floor(performance.now());
  const starttime = Math.floor(Date.now() / 1000);
  return {
    upid: `UPID:${node}:${hex(pid)}:${hex(pstart)}:${hex(starttime)}:${type}:${id}:root@pam:`,
    node,
    type,
    id,
    user: 'root@pam',
    pid,
    pstart,
    starttime,
    status: 'running',
    log: [],
  };
}

const fileName = (upid: string) => `${upid.replace(/[^\w.-]/g, '_')}.json`;
const dirOf = (env: SimEnv, state: 'running' | 'settling' | 'done') =>
  paths.sim(env.dir, 'tasks', state);

/** Records a task: running until its `pending.endsAt` (settled later), or already stopped. */
export function saveTask(env: SimEnv, task: TaskRecord): void {
  const state = task.status === 'running' ? 'running' : 'done';
  writeAtomic(join(dirOf(env, state), fileName(task.upid)), JSON.stringify(task));
}

/** A task as its node knows it, or undefined for a UPID it never ran. */
export function readTask(env: SimEnv, upid: string): TaskRecord | undefined {
  for (const state of ['done', 'settling', 'running'] as const) {
    const task = readJson<TaskRecord>(join(dirOf(env, state), fileName(upid)));
    if (task) return task;
  }
  return undefined;
}

/**
 * Ends the running tasks whose time has come: their files are written and their status becomes
 * `stopped` with their exit status. A task is taken by renaming its record, so two calls never
 * settle one task twice.
 */
export function settleTasks(env: SimEnv, now = Date.now()): void {
  let names: string[];
  try {
    names = readdirSync(dirOf(env, 'running'));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const from = join(dirOf(env, 'running'), name);
    const task = readJson<TaskRecord>(from);
    if (!task?.pending || task.pending.endsAt > now) continue;
    const claimed = join(dirOf(env, 'settling'), name);
    try {
      mkdirSync(dirOf(env, 'settling'), { recursive: true });
      renameSync(from, claimed);
    } catch {
      continue; // another call took it
    }
    const { pending, ...rest } = task;
    if (pending.exitstatus === 'OK')
      for (const write of pending.writes)
        writeAtomic(
          write.file,
          write.encoding === 'base64' ? Buffer.from(write.content, 'base64') : write.content,
        );
    const ending = pending.exitstatus === 'OK' ? 'TASK OK' : `TASK ERROR: ${pending.exitstatus}`;
    saveTask(env, {
      ...rest,
      status: 'stopped',
      exitstatus: pending.exitstatus,
      log: [...task.log, ...pending.log, ending],
    });
    unlinkSync(claimed);
  }
}
