// Drives the bundled CLI in a real pseudo-terminal: @lydell/node-pty runs it, @xterm/headless
// plays its output so tests read the screen a user would see.
import { spawn, type IPty } from '@lydell/node-pty';
import xtermHeadless from '@xterm/headless';
import { fileURLToPath } from 'node:url';

const { Terminal } = xtermHeadless;

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const cli = `${root}dist/cli.js`;

export interface PtyOptions {
  args?: string[];
  cols?: number;
  rows?: number;
  env?: Record<string, string | undefined>;
  /** The script node runs (default: dist/cli.js; benchmarks use a copy of the bundle). */
  script?: string;
}

export interface PtySession {
  /** The visible screen, one string per row joined by newlines, trailing spaces trimmed. */
  screen(): string;
  /** Every byte the program wrote. */
  raw(): string;
  waitFor(expected: string | RegExp, timeoutMs?: number): Promise<string>;
  write(data: string): void;
  /** Resolves with the exit code when the program ends. */
  exited(timeoutMs?: number): Promise<number>;
  resize(cols: number, rows: number): void;
  kill(): void;
  readonly pid: number;
}

/** Starts `node dist/cli.js ...args` in a pty of a fixed size, with CI removed from its env. */
export function startPty(options: PtyOptions = {}): PtySession {
  const cols = options.cols ?? 100;
  const rows = options.rows ?? 30;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({
    ...process.env,
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    ...options.env,
  }))
    if (value !== undefined) env[key] = value;
  // With CI set ink stops being interactive; the tests must see what a user sees.
  delete env.CI;
  delete env.CONTINUOUS_INTEGRATION;
  const terminal = new Terminal({ cols, rows, allowProposedApi: true });
  const pty: IPty = spawn(process.execPath, [options.script ?? cli, ...(options.args ?? [])], {
    name: 'xterm-256color',
    cols,
    rows,
    cwd: root,
    env,
  });
  let output = '';
  let exitCode: number | undefined;
  const exitWaiters: ((code: number) => void)[] = [];
  pty.onData((data) => {
    output += data;
    terminal.write(data);
  });
  pty.onExit(({ exitCode: code }) => {
    exitCode = code;
    for (const waiter of exitWaiters) waiter(code);
  });

  const flush = () => new Promise<void>((resolve) => terminal.write('', resolve));
  const screen = () => {
    const buffer = terminal.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < terminal.rows; i++)
      lines.push(buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '');
    return lines.join('\n');
  };

  return {
    pid: pty.pid,
    screen,
    raw: () => output,
    async waitFor(expected, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        await flush();
        const text = screen();
        if (typeof expected === 'string' ? text.includes(expected) : expected.test(text))
          return text;
        if (Date.now() > end || exitCode !== undefined)
          throw new Error(
            `${exitCode !== undefined ? `program exited (${exitCode})` : 'timed out'} waiting for ${String(expected)}; screen:\n${text}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    write: (data) => pty.write(data),
    exited(timeoutMs = 10_000) {
      if (exitCode !== undefined) return Promise.resolve(exitCode);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no exit within ${timeoutMs} ms; screen:\n${screen()}`)),
          timeoutMs,
        );
        exitWaiters.push((code) => {
          clearTimeout(timer);
          resolve(code);
        });
      });
    },
    resize(newCols, newRows) {
      pty.resize(newCols, newRows);
      terminal.resize(newCols, newRows);
    },
    kill() {
      if (exitCode === undefined) pty.kill();
      terminal.dispose();
    },
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends each part as its own chunk, as keys are typed (an escape sequence never shares a chunk). */
export async function send(tui: PtySession, ...parts: string[]): Promise<void> {
  for (const part of parts) {
    tui.write(part);
    await pause(60);
  }
}
