import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../config/writer.js';
import { hostPath, type SetupEnv } from './environment.js';
import type { JournalEntry, SetupStepId } from './types.js';

/**
 * The journal of `phoenix setup`: <stateDir>/journal/<step>/<run id>/ holds the records the
 * step script wrote (records: file/command/created/previous lines), the backups of the files it
 * changed (files/<n>) and entry.json (digests before and after, commands, what it created).
 */
export function entryDir(env: SetupEnv, step: SetupStepId, runId: string): string {
  return join(env.stateDir, 'journal', step, runId);
}

export function digestOf(file: string): string | null {
  if (!existsSync(file)) return null;
  return `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
}

interface Records {
  files: { path: string; backup?: string }[];
  commands: string[];
  created: { kind: string; name: string }[];
  previous: number;
}

function readRecords(dir: string): Records {
  const out: Records = { files: [], commands: [], created: [], previous: 0 };
  const file = join(dir, 'records');
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [type, a = '', b = ''] = line.split('\t');
    if (type === 'file') out.files.push({ path: a, ...(b !== '-' ? { backup: b } : {}) });
    else if (type === 'command') out.commands.push(a);
    else if (type === 'created') out.created.push({ kind: a, name: b });
    else if (type === 'previous') out.previous++;
  }
  return out;
}

/**
 * Turns what a step recorded into its journal entry; returns undefined (and removes the folder)
 * when the step recorded nothing.
 */
export function finishEntry(
  env: SetupEnv,
  step: SetupStepId,
  runId: string,
  at: string,
): JournalEntry | undefined {
  const dir = entryDir(env, step, runId);
  const records = readRecords(dir);
  if (
    records.files.length + records.commands.length + records.created.length + records.previous ===
    0
  ) {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  const entry: JournalEntry = {
    step,
    runId,
    at,
    status: 'applied',
    files: records.files.map((file) => ({
      path: file.path,
      before: file.backup ? digestOf(join(dir, 'files', file.backup)) : null,
      after: digestOf(hostPath(env, file.path)),
      ...(file.backup ? { backup: file.backup } : {}),
    })),
    commands: records.commands,
    created: records.created,
  };
  writeFileAtomic(join(dir, 'entry.json'), `${JSON.stringify(entry, null, 2)}\n`);
  return entry;
}

/** The step's journal entries, oldest first. */
export function listEntries(env: SetupEnv, step: SetupStepId): JournalEntry[] {
  const dir = join(env.stateDir, 'journal', step);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((runId) => {
      const file = join(dir, runId, 'entry.json');
      if (!existsSync(file)) return [];
      return [JSON.parse(readFileSync(file, 'utf8')) as JournalEntry];
    });
}

/** A file changed since the step wrote it: undo would lose that change. */
export class ChangedSinceError extends Error {
  constructor(readonly paths: string[]) {
    super(
      `changed since phoenix setup wrote ${paths.length === 1 ? 'it' : 'them'}: ${paths.join(', ')}`,
    );
  }
}

/**
 * Puts every file of the entry back as it was before the step (byte for byte, mode kept);
 * a file that did not exist is removed. Refuses (nothing restored) when a file changed since
 * the step wrote it, unless `force`.
 */
export function restoreFiles(env: SetupEnv, entry: JournalEntry, force = false): string[] {
  const dir = entryDir(env, entry.step, entry.runId);
  const changed = entry.files.filter((file) => digestOf(hostPath(env, file.path)) !== file.after);
  if (changed.length > 0 && !force) throw new ChangedSinceError(changed.map((file) => file.path));
  const restored: string[] = [];
  for (const file of [...entry.files].reverse()) {
    const target = hostPath(env, file.path);
    if (file.backup === undefined) {
      if (existsSync(target)) unlinkSync(target);
    } else {
      mkdirSync(dirname(target), { recursive: true });
      const temp = `${target}.phoenix-restore.${process.pid}`;
      const backup = join(dir, 'files', file.backup);
      const info = statSync(backup);
      copyFileSync(backup, temp);
      chmodSync(temp, info.mode & 0o7777);
      if (process.getuid?.() === 0) chownSync(temp, info.uid, info.gid);
      renameSync(temp, target);
    }
    restored.push(file.path);
  }
  return restored;
}

export function recordsFile(env: SetupEnv, entry: JournalEntry): string {
  return join(entryDir(env, entry.step, entry.runId), 'records');
}

export function markUndone(env: SetupEnv, entry: JournalEntry, at: string): void {
  const updated: JournalEntry = { ...entry, status: 'undone', undoneAt: at };
  writeFileAtomic(
    join(entryDir(env, entry.step, entry.runId), 'entry.json'),
    `${JSON.stringify(updated, null, 2)}\n`,
  );
}
