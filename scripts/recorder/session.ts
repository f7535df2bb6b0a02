// Plays a tape: the program runs in @lydell/node-pty at the tape's size, every byte goes into
// @xterm/headless, and while recording a ticker takes a still of the screen `fps` times a second.
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { spawn } from '@lydell/node-pty';
import xtermHeadless from '@xterm/headless';
import type { Theme } from './colors.js';
import type { TimedStill } from './gif.js';
import { stillText, takeStill, withCaption } from './screen.js';
import { expand, expandDeep, keys, type Step, type Tape } from './tape.js';

const { Terminal } = xtermHeadless;

export interface PlayOptions {
  theme: Theme;
  /** Values for `{name}` in the tape. */
  vars: Record<string, string>;
  cwd: string;
  /** Called with a line per step (progress on the console). */
  log?: (line: string) => void;
}

export interface Recording {
  stills: TimedStill[];
  exitCode: number | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...extra }))
    if (value !== undefined) env[key] = value;
  // With CI set Ink renders only the last frame: the recording must see what a user sees.
  delete env.CI;
  delete env.CONTINUOUS_INTEGRATION;
  return env;
}

export async function playTape(tape: Tape, options: PlayOptions): Promise<Recording> {
  const { vars, theme } = options;
  const log = options.log ?? (() => {});
  const env = cleanEnv({
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    ...(expandDeep(tape.env ?? {}, vars) as Record<string, string>),
  });
  const [program, ...args] = tape.command.map((part) => expand(part, vars));
  const terminal = new Terminal({ cols: tape.cols, rows: tape.rows, allowProposedApi: true });
  const pty = spawn(program!, args, {
    name: 'xterm-256color',
    cols: tape.cols,
    rows: tape.rows,
    cwd: options.cwd,
    env,
  });
  let exitCode: number | undefined;
  let exited: () => void = () => {};
  const exitPromise = new Promise<void>((resolve) => (exited = resolve));
  pty.onData((data) => terminal.write(data));
  pty.onExit(({ exitCode: code }) => {
    exitCode = code;
    exited();
  });
  const flush = () => new Promise<void>((resolve) => terminal.write('', resolve));

  const stills: TimedStill[] = [];
  let recording = false;
  let speed = 1;
  let caption: string | undefined;
  let lastTick = performance.now();
  const tick = async () => {
    await flush();
    const now = performance.now();
    if (recording)
      stills.push({
        still: withCaption(takeStill(terminal, theme), caption),
        durationMs: (now - lastTick) / speed,
      });
    lastTick = now;
  };
  const ticker = setInterval(() => void tick(), 1000 / tape.fps);

  const screen = () => stillText(takeStill(terminal, theme));
  const waitFor = async (matches: (text: string) => boolean, what: string, timeoutMs = 30_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      await flush();
      const text = screen();
      if (matches(text)) return;
      if (exitCode !== undefined || Date.now() > end)
        throw new Error(
          `${exitCode !== undefined ? `the program exited (${exitCode})` : 'timed out'} waiting for ${what}; screen:\n${text}`,
        );
      await sleep(40);
    }
  };
  const send = async (text: string, delayMs: number) => {
    for (const char of text) {
      if (exitCode !== undefined) return;
      pty.write(char);
      await sleep(delayMs);
    }
  };

  const play = async (step: Step) => {
    const keyDelay = tape.keyDelayMs ?? 120;
    if ('waitFor' in step) {
      const text = expand(step.waitFor, vars);
      await waitFor(
        (screenText) => screenText.includes(text),
        JSON.stringify(text),
        step.timeoutMs,
      );
    } else if ('waitForRegex' in step) {
      const regex = new RegExp(expand(step.waitForRegex, vars));
      await waitFor((screenText) => regex.test(screenText), String(regex), step.timeoutMs);
    } else if ('type' in step) {
      await send(step.type, step.delayMs ?? keyDelay);
    } else if ('key' in step) {
      for (let i = 0; i < (step.times ?? 1) && exitCode === undefined; i++) {
        pty.write(keys[step.key]);
        await sleep(step.delayMs ?? keyDelay);
      }
    } else if ('wait' in step) {
      await sleep(step.wait);
    } else if ('run' in step) {
      const [command, ...rest] = step.run.map((part) => expand(part, vars));
      const runEnv = cleanEnv(
        expandDeep({ ...tape.runEnv, ...step.env }, vars) as Record<string, string>,
      );
      const result = spawnSync(command!, rest, { env: runEnv, cwd: options.cwd, encoding: 'utf8' });
      if (result.status !== 0)
        throw new Error(
          `${[command, ...rest].join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr}${result.stdout}`,
        );
    } else if ('writeJson' in step) {
      const path = expand(step.writeJson, vars);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(`${path}.tmp`, `${JSON.stringify(expandDeep(step.value, vars), null, 2)}\n`);
      renameSync(`${path}.tmp`, path);
    } else if ('record' in step) {
      if (step.record && !recording) lastTick = performance.now();
      recording = step.record;
    } else if ('speed' in step) {
      speed = step.speed;
    } else if ('caption' in step) {
      caption = step.caption || undefined;
    }
  };

  try {
    for (const [index, step] of tape.steps.entries()) {
      log(`step ${index + 1}/${tape.steps.length}: ${step.comment ?? JSON.stringify(step)}`);
      await play(step);
    }
    await tick();
    await Promise.race([exitPromise, sleep(5000)]);
  } finally {
    clearInterval(ticker);
    if (exitCode === undefined) pty.kill();
    terminal.dispose();
  }
  return { stills, exitCode };
}
