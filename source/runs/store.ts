import {
  closeSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  fstatSync,
  type WriteStream,
} from 'node:fs';
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

/** Writes one run's events as they happen. */
export class RunRecorder {
  private stream: WriteStream | undefined;
  readonly listener: RunEventListener = (event) => this.write(event);

  constructor(
    private readonly dir: string,
    private readonly runId: string,
  ) {}

  get path(): string {
    return join(this.dir, `${this.runId}.jsonl`);
  }

  private write(event: RunEvent): void {
    if (!this.stream) {
      mkdirSync(this.dir, { recursive: true, mode: 0o750 });
      this.stream = createWriteStream(this.path, { flags: 'a', mode: 0o640 });
    }
    this.stream.write(`${JSON.stringify(event)}\n`);
  }

  /** Flushes everything written so far to disk. */
  close(): Promise<void> {
    const stream = this.stream;
    if (!stream) return Promise.resolve();
    return new Promise((resolve, reject) =>
      stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
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

function firstAndLastLines(path: string): [string | undefined, string | undefined] {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const headBuffer = Buffer.alloc(Math.min(size, 1 << 20));
    readSync(fd, headBuffer, 0, headBuffer.length, 0);
    const head = headBuffer.toString('utf8');
    const firstEnd = head.indexOf('\n');
    const first = firstEnd === -1 ? head : head.slice(0, firstEnd);
    const tailLength = Math.min(size, 64 * 1024);
    const tailBuffer = Buffer.alloc(tailLength);
    readSync(fd, tailBuffer, 0, tailLength, size - tailLength);
    const lines = tailBuffer
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');
    return [first || undefined, lines.at(-1)];
  } finally {
    closeSync(fd);
  }
}
