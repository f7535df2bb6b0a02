import { ExitCode } from '../util/exit-codes.js';

/**
 * Ctrl+C and SIGTERM for the whole process. While a run is active they abort it cleanly (the
 * running command finishes or is killed, the run is recorded as interrupted); otherwise, or on
 * a second Ctrl+C, Phoenix exits at once with 130.
 */
const controller = new AbortController();
let active = 0;
let installed = false;

export function installInterruptHandlers(): void {
  if (installed) return;
  installed = true;
  const onSignal = (signal: NodeJS.Signals) => {
    if (active > 0 && !controller.signal.aborted) {
      controller.abort(new Error(`interrupted (${signal})`));
      process.stderr.write('\nphoenix: stopping (press Ctrl+C again to quit at once)\n');
      return;
    }
    process.exit(ExitCode.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Runs `work` with a signal that aborts on Ctrl+C / SIGTERM. */
export async function whileInterruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  installInterruptHandlers();
  active++;
  try {
    return await work(controller.signal);
  } finally {
    active--;
  }
}
