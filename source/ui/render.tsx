// Opens the full-screen TUI: alternate screen in, ink render, and the alternate screen out again
// on every way the process can end (quit, Ctrl+C, SIGTERM, SIGHUP, a crash).
import { render } from 'ink';
import type { Engine } from '../engine/types.js';
import { App } from './app.js';
import { colorWanted, localeIsUtf8, makeTheme } from './theme.js';

const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?25h\x1b[?1049l';

export interface TuiOptions {
  readonly?: boolean;
  /** --ascii; ASCII is also chosen when the locale is not UTF-8. */
  ascii?: boolean;
  /** false with --no-color; NO_COLOR is honoured as well. */
  color?: boolean;
  env?: NodeJS.ProcessEnv;
  /** The view to open on (the setup view when the host still needs setting up). */
  initialView?: 'setup';
}

/** Stderr written while the TUI is up is kept up to this size; the rest is counted. */
const STDERR_HELD_MAX = 64 * 1024;

/**
 * Holds what is written to stderr while the alternate screen is up and writes it once the screen
 * is restored. On the screen it would scroll ink's frame under it: ink's incremental renderer
 * redraws only the lines it believes changed, so the shifted lines stayed wrong (a stale step
 * line in the header, the top of the pipeline view gone). Returns the release function.
 */
function holdStderr(): () => void {
  const stderr = process.stderr;
  const write = stderr.write;
  const held: string[] = [];
  let size = 0;
  let dropped = 0;
  stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (size + text.length <= STDERR_HELD_MAX) {
      held.push(text);
      size += text.length;
    } else dropped += text.length;
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    if (callback) process.nextTick(callback);
    return true;
  }) as typeof stderr.write;
  return () => {
    stderr.write = write;
    if (dropped > 0) held.push(`phoenix: ${dropped} more bytes of stderr output left out\n`);
    if (held.length > 0) stderr.write(held.join(''));
  };
}

/** Runs the TUI until the user quits; resolves with the exit code. */
export async function runTui(engine: Engine, options: TuiOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const theme = makeTheme({
    ascii: options.ascii === true || !localeIsUtf8(env),
    color: colorWanted(env, options.color !== false),
  });
  const stdout = process.stdout;
  const releaseStderr = holdStderr();
  let restored = false;
  const stdin = process.stdin;
  const restore = () => {
    if (restored) return;
    restored = true;
    if (stdin.isTTY) stdin.setRawMode(false);
    stdout.write(LEAVE_ALT_SCREEN);
    releaseStderr();
  };

  // Raw before the first frame: ink turns it on only in an effect after its first commit, and a
  // key typed in between was echoed by the terminal onto the bottom row, where no frame repaints.
  if (stdin.isTTY) stdin.setRawMode(true);
  stdout.write(ENTER_ALT_SCREEN);
  const instance = render(
    <App
      engine={engine}
      readonly={options.readonly === true}
      theme={theme}
      {...(options.initialView ? { initial: { view: options.initialView } } : {})}
    />,
    {
      incrementalRendering: true,
      // Frames are only drawn when something changed (spinner 4/s, log lines ≤ 10/s); the cap
      // only delays a key's frame right after another frame: 15 fps made that up to 66 ms.
      maxFps: 30,
      patchConsole: false,
      exitOnCtrlC: false,
    },
  );

  const onSignal = (signal: NodeJS.Signals) => {
    instance.unmount();
    restore();
    process.exit(signal === 'SIGTERM' ? 143 : 129);
  };
  const onCrash = (error: unknown) => {
    try {
      instance.unmount();
    } finally {
      restore();
      process.stderr.write(
        `phoenix: internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    }
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  process.once('uncaughtException', onCrash);
  process.once('unhandledRejection', onCrash);
  process.once('exit', restore);

  try {
    await instance.waitUntilExit();
    return 0;
  } finally {
    instance.cleanup();
    restore();
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    process.off('exit', restore);
  }
}
