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
 * Writes one run's events as they happen. A feature may print thousands of lines a second: each
 * event is encoded at once into a chunk of bytes (no string per line waits in memory), and the
 * chunks filled meanwhile go out together in one write while the previous write is on its way.
 * Nothing is dropped, the order is kept, and what waits is at most what came during one write.
 */
export class RunRecorder {
  private handle: Promise<FileHandle> | undefined;
  /** Chunks filled and waiting for the write in progress to end. */
  private queue: Buffer[] = [];
  private current: Buffer | undefined;
  private used = 0;
  /** Written chunks, for reuse. */
  private spare: Buffer[] = [];
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
    if (this.failed) return;
    const record = JSON.stringify(event);
    // At most three bytes per UTF-16 unit, and the newline.
    const most = record.length * 3 + 1;
    if (most > CHUNK) {
      this.seal();
      this.queue.push(Buffer.from(`${record}\n`));
    } else {
      if (!this.current || this.used + most > CHUNK) {
        this.seal();
        this.current = this.spare.pop() ?? Buffer.allocUnsafe(CHUNK);
      }
      this.used += this.current.write(record, this.used);
      this.current[this.used++] = 0x0a;
    }
    this.writing ??= this.drain();
  }

  /** Queues the chunk being filled. */
  private seal(): void {
    if (this.current && this.used > 0) this.queue.push(this.current.subarray(0, this.used));
    this.current = undefined;
    this.used = 0;
  }

  private async drain(): Promise<void> {
    try {
      this.handle ??= mkdir(this.dir, { recursive: true, mode: 0o750 }).then(() =>
        open(this.path, 'a', 0o640),
      );
      const file = await this.handle;
      for (;;) {
        this.seal();
        if (this.queue.length === 0) break;
        const chunks = this.queue;
        this.queue = [];
        await writeAll(file, chunks);
        for (const chunk of chunks)
          if (chunk.buffer.byteLength === CHUNK && this.spare.length < SPARE_CHUNKS)
            this.spare.push(Buffer.from(chunk.buffer, chunk.byteOffset, CHUNK));
      }
    } catch (error) {
      this.failed ??= error;
      this.queue = [];
      this.current = undefined;
      this.used = 0;
    } finally {
      this.writing = undefined;
    }
  }

  /** Flushes everything written so far to disk. */
  async close(): Promise<void> {
    while (this.writing) await this.writing;
    const handle = this.handle;
    this.handle = undefined;
    this.spare = [];
    if (handle) await (await handle).close();
    if (this.failed) throw this.failed;
  }
}

/** Bytes of records per chunk. */
const CHUNK = 64 * 1024;
/** Written chunks kept for reuse. */
const SPARE_CHUNKS = 16;

/** Appends the chunks in order (a write may take less than it was given). */
async function writeAll(file: FileHandle, chunks: Buffer[]): Promise<void> {
  let rest = chunks;
  while (rest.length > 0) {
    let { bytesWritten } = await file.writev(rest);
    let done = 0;
    while (done < rest.length && bytesWritten >= rest[done]!.length)
      bytesWritten -= rest[done++]!.length;
    rest = rest.slice(done);
    if (bytesWritten > 0) rest[0] = rest[0]!.subarray(bytesWritten);
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
