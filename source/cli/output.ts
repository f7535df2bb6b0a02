import { UserError } from '../util/user-error.js';
import { HostError, hintFor } from '../host/index.js';
import { ExitCode, type ExitCodeValue } from '../util/exit-codes.js';

/** Where a command writes; injectable so commands are testable without a process. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const processOutput: Output = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2));
}

/** Turns any error into a message for the user and an exit code. No stack traces for user errors. */
export function reportError(output: Output, error: unknown): ExitCodeValue {
  if (error instanceof UserError) {
    output.err(`phoenix: ${error.message}`);
    if (error.hint) output.err(`  hint: ${error.hint}`);
    return error.exitCode;
  }
  if (error instanceof HostError) {
    // A host command failed outside a run: Proxmox's own message, the command, what to do.
    output.err(`phoenix: ${error.message}`);
    if (error.argv.length > 0) output.err(`  command: ${error.argv.join(' ')}`);
    const hint = hintFor(error);
    if (hint) output.err(`  hint: ${hint}`);
    return ExitCode.failed;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  output.err(`phoenix: internal error (please report it): ${message}`);
  return ExitCode.failed;
}
