import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  fstatSync,
} from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RunEvent, RunEventListener, RunStatus } from '../runner/types.js';

/**
 * Every run is kept on disk as JSON lines, one event per line: `<runs dir>/<run id>.jsonl`.
 * Run ids start with a UTC timestamp, so file names sort chronologically.
 */
export function runsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PHOENIX_RUNS_DIR) return env.PHOENIX_RUNS_DIR;
  if (process.getuid?.() === 0) return '/var/log/phoenix_hypervisor/runs';
  const state = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'phoenix', 'runs');
}

/**
 * Writes one run's events as they happen. A feature may print thousands of lines a second: the
 * events are serialised as they come and written in batches, one write at a time (whatever
 * arrived while a write was on its way goes out in the next one). Nothing is dropped, the order
 * is kept, and no per-line write request or buffer is held meanwhile.
 */
export class RunRecorder {
  private handle: Promise<FileHandle> | undefined;
  private pending: string[] = [];
  private writing: Promise<void> | undefined;
  private failed: unknown;
  readonly listener: RunEventListener = (event) => this.write(event);

  constructor(
    private readonly dir: string,
    private readonly runId: string,
  ) {}

  get path(): string {
    return join(this.dir, `${this.runId}.jsonl`);
  }

  private write(event: RunEvent): void {
    this.pending.push(JSON.stringify(event));
    this.writing ??= this.drain();
  }

  private async drain(): Promise<void> {
    try {
      this.handle ??= mkdir(this.dir, { recursive: true, mode: 0o750 }).then(() =>
        open(this.path, 'a', 0o640),
      );
      const file = await this.handle;
      while (this.pending.length > 0) {
        const batch = `${this.pending.join('\n')}\n`;
        this.pending = [];
        // An append-mode file handle writes the whole buffer (short writes are retried inside).
        await file.writeFile(batch, 'utf8');
      }
    } catch (error) {
      this.failed ??= error;
      this.pending = [];
    } finally {
      this.writing = undefined;
    }
  }

  /** Flushes everything written so far to disk. */
  async close(): Promise<void> {
    while (this.writing) await this.writing;
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await (await handle).close();
    if (this.failed) throw this.failed;
  }
}

export interface RunListing {
  id: string;
  title: string;
  startedAt: string;
  /** "running" while the last event is not run-finished (or the process died mid-run). */
  status: RunStatus | 'running';
  ms?: number;
  tasks: string[];
}

export function listRuns(dir: string): RunListing[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.jsonl'))
    .sort()
    .reverse()
    .flatMap((file) => {
      const listing = summarise(join(dir, file), file.slice(0, -'.jsonl'.length));
      return listing ? [listing] : [];
    });
}

export function readRun(dir: string, id: string): RunEvent[] | undefined {
  const path = join(dir, `${id}.jsonl`);
  if (!existsSync(path)) return undefined;
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as RunEvent];
      } catch {
        return []; // a line cut short by a crash
      }
    });
}

/** Reads only the first and the last line, so listing stays cheap for huge run logs. */
function summarise(path: string, id: string): RunListing | undefined {
  const [first, last] = firstAndLastLines(path);
  if (!first) return undefined;
  let start: RunEvent;
  try {
    start = JSON.parse(first) as RunEvent;
  } catch {
    return undefined;
  }
  if (start.type !== 'run-started') return undefined;
  let end: RunEvent | undefined;
  try {
    end = last ? (JSON.parse(last) as RunEvent) : undefined;
  } catch {
    end = undefined;
  }
  const finished = end?.type === 'run-finished' ? end : undefined;
  return {
    id,
    title: start.title,
    startedAt: start.at,
    status: finished ? finished.status : 'running',
    ...(finished ? { ms: finished.ms } : {}),
    tasks: start.tasks.map((task) => task.id),
  };
}

/** How much of a file is read looking for the end of its first line (run-started). */
const HEAD_MAX = 1 << 20;

function firstAndLastLines(path: string): [string | undefined, string | undefined] {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    // The first line is read block by block up to its end (a run of many guests makes it long);
    // a 100k-line log is never read whole, nor its first megabyte on every look.
    const block = Buffer.alloc(Math.min(size, 16 * 1024));
    const head: Buffer[] = [];
    for (let position = 0; position < size && position < HEAD_MAX;) {
      const read = readSync(fd, block, 0, block.length, position);
      if (read <= 0) break;
      const end = block.subarray(0, read).indexOf(0x0a);
      head.push(Buffer.from(block.subarray(0, end === -1 ? read : end)));
      position += read;
      if (end !== -1) break;
    }
    const first = Buffer.concat(head).toString('utf8') || undefined;
    const tailLength = Math.min(size, 64 * 1024);
    const tailBuffer = tailLength === block.length ? block : Buffer.alloc(tailLength);
    readSync(fd, tailBuffer, 0, tailLength, size - tailLength);
    const tail = tailBuffer.toString('utf8', 0, tailLength).trimEnd();
    const last = tail.slice(tail.lastIndexOf('\n') + 1);
    return [first, last || undefined];
  } finally {
    closeSync(fd);
  }
}
