import { ExitCode, type ExitCodeValue } from './exit-codes.js';

/**
 * An error the user caused and can fix (bad argument, bad config, unknown guest).
 * The CLI prints its message and hint without a stack trace and exits with its code.
 */
export class UserError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; exitCode?: ExitCodeValue } = {}) {
    super(message);
    this.name = 'UserError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.invalidInput;
  }
}
