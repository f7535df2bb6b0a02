/** Process exit codes, the same for every command. */
export const ExitCode = {
  ok: 0,
  /** An operation on the host failed. */
  failed: 1,
  /** The user's input (config, arguments) is invalid. */
  invalidInput: 2,
  /** Stopped by Ctrl+C / SIGINT / SIGTERM. */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
