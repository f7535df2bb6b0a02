import { StepError } from '../runner/step-error.js';
import type { StepResult } from '../runner/types.js';
import { abortableSleep } from '../runner/runner.js';
import { formatArgv } from '../host/index.js';
import type { GuestView, PipelineContext, PipelineStep } from './types.js';

type ViewParts = { status?: boolean; snapshots?: boolean };

/**
 * A step that makes the host match: it computes the commands from what the host has, runs them,
 * then reads the host again and fails if anything still differs. With nothing to change it runs
 * no mutating command at all.
 */
export function convergeStep(definition: {
  key: string;
  title: string;
  needs?: ViewParts;
  locks?: string[];
  timeoutMs?: number;
  note?: string;
  commands(view: GuestView): string[][];
  /** Also verify with a fresh read (default true); off for steps whose effect is not in the config. */
  verify?: boolean;
  /** Local preparation before the commands run (e.g. the SSH key file `--sshkeys` reads). */
  prepare?(): Promise<void> | void;
}): PipelineStep {
  return {
    key: definition.key,
    title: definition.title,
    ...(definition.locks ? { locks: definition.locks } : {}),
    ...(definition.timeoutMs ? { timeoutMs: definition.timeoutMs } : {}),
    ...(definition.note ? { note: definition.note } : {}),
    preview: (view) => definition.commands(view),
    async run(context: PipelineContext): Promise<StepResult> {
      const commands = definition.commands(await context.view(definition.needs));
      if (commands.length === 0) return 'unchanged';
      await definition.prepare?.();
      for (const argv of commands) {
        const output = await context.exec(argv);
        for (const line of output.split('\n')) if (line.trim()) context.log(line);
      }
      if (definition.verify !== false) {
        const remaining = definition.commands(await context.view(definition.needs));
        if (remaining.length > 0) {
          throw new StepError({
            message: `the host still differs after "${definition.title}"`,
            command: remaining[0]!,
            hint: 'Proxmox accepted the change but did not keep it (a pending change on a running guest?). Check `qm pending` / `pct pending`, or restart the guest.',
          });
        }
      }
      return 'changed';
    },
  };
}

/**
 * A step that waits for the guest to reach a state, polling `probe` until it says so or the
 * budget runs out. The timeout names the guest, the wait and what to check.
 */
export function waitStep(definition: {
  key: string;
  title: string;
  /** The command(s) it polls, for the plan. */
  polls: string[][];
  intervalMs: number;
  timeoutMs: number;
  /** Already there? (checked once before waiting; 'unchanged' when true). */
  probe(context: PipelineContext): Promise<boolean>;
  timeoutMessage: string;
  hint: string;
  /** Skip the wait entirely for this view (e.g. no cloud-init drive). */
  applies?(view: GuestView): boolean;
}): PipelineStep {
  const seconds = Math.round(definition.timeoutMs / 1000);
  return {
    key: definition.key,
    title: definition.title,
    waits: true,
    note: `polled every ${Math.round(definition.intervalMs / 1000)} s, up to ${seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${seconds} s`}`,
    // A running guest has already passed its waits once; the run still checks, reading only.
    preview: (view) =>
      view.exists && view.status === 'running'
        ? []
        : definition.applies && !definition.applies(view)
          ? []
          : definition.polls,
    async run(context) {
      if (definition.applies && !definition.applies(await context.view({ status: true })))
        return 'unchanged';
      const deadline = Date.now() + definition.timeoutMs;
      let first = true;
      for (;;) {
        if (await definition.probe(context)) return first ? 'unchanged' : 'changed';
        first = false;
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new StepError({
            message: definition.timeoutMessage,
            kind: 'timeout',
            command: definition.polls[0]!,
            hint: definition.hint,
          });
        }
        // The last look is at the deadline itself, so the wait lasts the whole budget it names.
        await abortableSleep(Math.min(definition.intervalMs, left), context.signal);
      }
    },
  };
}

/** `qm set 100 --cores 4 --memory 8192`: options as one command, or none when nothing to set. */
export function setCommand(base: string[], options: [string, string][]): string[][] {
  if (options.length === 0) return [];
  return [[...base, ...options.flatMap(([key, value]) => [`--${key}`, value])]];
}

export const describeCommand = formatArgv;
