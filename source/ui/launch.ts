// `phoenix` with no command: the TUI when stdin and stdout are terminals, else the help text.
// Kept free of ink/React so the CLI loads them only when the TUI really opens.
import type { Engine } from '../engine/types.js';
import { ExitCode, type ExitCodeValue } from '../util/exit-codes.js';

export interface LaunchOptions {
  readonly?: boolean;
  ascii?: boolean;
  color?: boolean;
  /** Open on the machines view even when the host looks unset (the demo). */
  machinesFirst?: boolean;
}

export function canOpenTui(
  stdin: { isTTY?: boolean } = process.stdin,
  stdout: { isTTY?: boolean } = process.stdout,
): boolean {
  return stdin.isTTY === true && stdout.isTTY === true;
}

/**
 * The deterministic fake engine, only when asked for explicitly (PHOENIX_FAKE_ENGINE=1: the
 * TUI's own e2e tests and benchmarks use it). Otherwise the caller passes the live engine.
 */
async function fakeEngine(env: NodeJS.ProcessEnv): Promise<Engine | undefined> {
  if (env.PHOENIX_FAKE_ENGINE !== '1') return undefined;
  const { createDemoFakeEngine } = await import('../engine/fake-engine.js');
  // PHOENIX_FAKE_STEP_MS slows the fake's steps down (benchmarks of a turning spinner).
  const stepMs = Number(env.PHOENIX_FAKE_STEP_MS);
  return createDemoFakeEngine(stepMs > 0 ? { stepMs } : {});
}

/** Opens the TUI and resolves with its exit code once the user quits. */
export async function launchTui(
  options: LaunchOptions,
  createEngine: () => Engine,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ExitCodeValue> {
  const fake = await fakeEngine(env);
  const engine = fake ?? createEngine();
  const initialView =
    !fake && !options.machinesFirst && (await hostLooksUnset(engine))
      ? ('setup' as const)
      : undefined;
  const { runTui } = await import('./render.js');
  const code = await runTui(engine, {
    readonly: options.readonly,
    ascii: options.ascii,
    color: options.color,
    ...(initialView ? { initialView } : {}),
    env,
  });
  return code === 0 ? ExitCode.ok : ExitCode.failed;
}

/**
 * A fresh node (setup steps still missing, e.g. the enterprise repository without a subscription)
 * opens on the setup view. The check is bounded: a slow host never delays the TUI by more than 3 s.
 */
async function hostLooksUnset(engine: Engine): Promise<boolean> {
  const timeout = new Promise<readonly []>((resolve) =>
    setTimeout(() => resolve([]), 3000).unref(),
  );
  const items = await Promise.race([engine.setupStatus().catch(() => [] as const), timeout]);
  return items.some((item) => item.state === 'missing' && item.area !== 'host');
}
