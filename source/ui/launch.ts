// `phoenix` with no command: the TUI when stdin and stdout are terminals, else the help text.
// Kept free of ink/React so the CLI loads them only when the TUI really opens.
import type { Engine } from '../engine/types.js';
import { ExitCode, type ExitCodeValue } from '../util/exit-codes.js';
import { UserError } from '../util/user-error.js';

export interface LaunchOptions {
  readonly?: boolean;
  ascii?: boolean;
  color?: boolean;
}

export function canOpenTui(
  stdin: { isTTY?: boolean } = process.stdin,
  stdout: { isTTY?: boolean } = process.stdout,
): boolean {
  return stdin.isTTY === true && stdout.isTTY === true;
}

/**
 * The engine the TUI runs on. Until the real engine is wired in, only the deterministic fake is
 * available, and only when asked for explicitly (PHOENIX_FAKE_ENGINE=1; the e2e tests use it).
 */
async function engineFor(env: NodeJS.ProcessEnv): Promise<Engine> {
  if (env.PHOENIX_FAKE_ENGINE === '1') {
    const { createDemoFakeEngine } = await import('../engine/fake-engine.js');
    // PHOENIX_FAKE_STEP_MS slows the fake's steps down (benchmarks of a turning spinner).
    const stepMs = Number(env.PHOENIX_FAKE_STEP_MS);
    return createDemoFakeEngine(stepMs > 0 ? { stepMs } : {});
  }
  throw new UserError('the TUI is not connected to the host engine yet', {
    hint: 'set PHOENIX_FAKE_ENGINE=1 to try it on a built-in fake host',
    exitCode: ExitCode.failed,
  });
}

/** Opens the TUI and resolves with its exit code once the user quits. */
export async function launchTui(
  options: LaunchOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ExitCodeValue> {
  const engine = await engineFor(env);
  const { runTui } = await import('./render.js');
  const code = await runTui(engine, {
    readonly: options.readonly,
    ascii: options.ascii,
    color: options.color,
    env,
  });
  return code === 0 ? ExitCode.ok : ExitCode.failed;
}
