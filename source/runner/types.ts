/**
 * The runner executes a graph of tasks (one per guest, usually), each an ordered list of steps.
 * It knows nothing of Proxmox: steps are functions that check the host, act if needed and verify.
 */

export interface RunTask {
  /** Unique in the run, e.g. "qemu/1000". */
  id: string;
  title: string;
  /** Tasks that must finish successfully first (clone sources, `dependencies`). */
  dependsOn: readonly string[];
  steps: readonly RunStep[];
}

export interface RunStep {
  /** Stable within the task, e.g. "clone", "hardware", "feature:docker". */
  key: string;
  title: string;
  /**
   * Names of resources the step must hold exclusively while it runs, e.g. "clone-source:9000"
   * (Proxmox serialises clones of one template through its config lock), "guest:1000".
   */
  locks?: readonly string[];
  /** Whole-step budget; the step's signal aborts when it runs out. */
  timeoutMs?: number;
  /**
   * The step only waits for the guest (agent, cloud-init) and reads: it gives its task's
   * concurrency slot to other tasks meanwhile, so one template's clones go on while earlier
   * clones boot. (Not at concurrency 1, which keeps to one guest at a time.)
   */
  waits?: boolean;
  run(context: StepContext): Promise<StepResult>;
}

/** What a step reports: it changed something, or the host was already as desired. */
export type StepResult = 'changed' | 'unchanged';

export interface StepContext {
  readonly runId: string;
  readonly taskId: string;
  readonly stepKey: string;
  /** Aborts on Ctrl+C or when the step's timeout runs out. */
  readonly signal: AbortSignal;
  /** A line for the run log (already free of secrets). */
  log(line: string): void;
  /** Reports a host command the step is about to run (argv already redacted). */
  command(argv: readonly string[]): void;
}

/** A failure a step explains to the user; anything else thrown is wrapped into one. */
export interface FailureDetail {
  message: string;
  /** The command that failed, redacted. */
  command?: readonly string[];
  /** Proxmox's (or the guest's) own error text. */
  output?: string;
  hint?: string;
  /** A classification the runner uses to decide on retries (e.g. "locked"). */
  kind?: string;
  /** The failed command's exit code, when it exited by itself. */
  exitCode?: number;
}

export type StepStatus = 'changed' | 'unchanged' | 'failed' | 'interrupted';
export type TaskStatus = 'succeeded' | 'failed' | 'blocked' | 'interrupted';
export type RunStatus = 'succeeded' | 'failed' | 'interrupted';

export type RunEvent =
  | {
      type: 'run-started';
      runId: string;
      at: string;
      title: string;
      tasks: {
        id: string;
        title: string;
        dependsOn: string[];
        steps: { key: string; title: string }[];
      }[];
    }
  | { type: 'task-started'; runId: string; at: string; taskId: string }
  | { type: 'step-started'; runId: string; at: string; taskId: string; stepKey: string }
  | { type: 'command'; runId: string; at: string; taskId: string; stepKey: string; argv: string[] }
  | { type: 'log'; runId: string; at: string; taskId: string; stepKey: string; line: string }
  | {
      type: 'step-retry';
      runId: string;
      at: string;
      taskId: string;
      stepKey: string;
      attempt: number;
      delayMs: number;
      reason: string;
    }
  | {
      type: 'step-finished';
      runId: string;
      at: string;
      taskId: string;
      stepKey: string;
      status: StepStatus;
      ms: number;
      failure?: FailureDetail & { logTail: string[] };
    }
  | {
      type: 'task-finished';
      runId: string;
      at: string;
      taskId: string;
      status: TaskStatus;
      /** For blocked tasks: the dependency that did not succeed. */
      blockedBy?: string;
    }
  | { type: 'run-finished'; runId: string; at: string; status: RunStatus; ms: number };

export type RunEventListener = (event: RunEvent) => void;
