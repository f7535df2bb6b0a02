import { randomBytes } from 'node:crypto';
import { KeyedMutex } from './keyed-mutex.js';
import { toFailureDetail } from './step-error.js';
import type {
  FailureDetail,
  RunEvent,
  RunEventListener,
  RunStatus,
  RunStep,
  RunTask,
  StepContext,
  StepStatus,
  TaskStatus,
} from './types.js';

export interface RetryPolicy {
  /** Tries in total, including the first. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  isRetryable(detail: FailureDetail): boolean;
}

export interface RunOptions {
  title: string;
  runId?: string;
  /** Independent tasks running at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  retry?: RetryPolicy;
  /** Lines of a step's log kept for its failure report (default 20). */
  logTailLines?: number;
  listeners: readonly RunEventListener[];
  /** Injectable for tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
}

export interface RunSummary {
  runId: string;
  status: RunStatus;
  tasks: Record<string, TaskStatus>;
  ms: number;
}

/** Retries lock contention ("VM is locked", "can't lock file … got timeout") with back-off. */
export const defaultRetry: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 15_000,
  isRetryable: (detail) => detail.kind === 'locked',
};

export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * Runs tasks in dependency order, at most `concurrency` at once; the steps of a task run in
 * order. A failed task blocks the tasks that depend on it; the others go on. Aborting stops
 * new work at once, aborts the running steps and marks the run interrupted.
 */
export async function runTasks(
  tasks: readonly RunTask[],
  options: RunOptions,
): Promise<RunSummary> {
  const now = options.now ?? Date.now;
  const runId = options.runId ?? newRunId();
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const retry = options.retry ?? defaultRetry;
  const sleep = options.sleep ?? abortableSleep;
  const signal = options.signal ?? new AbortController().signal;
  const mutex = new KeyedMutex();
  const started = now();
  // Log lines come by the thousand within one millisecond: format each millisecond once.
  let isoMs = Number.NaN;
  let isoText = '';
  const iso = () => {
    const ms = now();
    if (ms !== isoMs) {
      isoMs = ms;
      isoText = new Date(ms).toISOString();
    }
    return isoText;
  };
  const emit = (event: RunEvent) => {
    for (const listener of options.listeners) {
      try {
        listener(event);
      } catch {
        // A broken subscriber must not break the run.
      }
    }
  };

  const byId = new Map(tasks.map((task) => [task.id, task]));
  for (const task of tasks) {
    for (const dependency of task.dependsOn) {
      if (!byId.has(dependency))
        throw new Error(`task ${task.id} depends on unknown task ${dependency}`);
    }
  }

  emit({
    type: 'run-started',
    runId,
    at: iso(),
    title: options.title,
    tasks: tasks.map((task) => ({
      id: task.id,
      title: task.title,
      dependsOn: [...task.dependsOn],
      steps: task.steps.map((step) => ({ key: step.key, title: step.title })),
    })),
  });

  const status = new Map<string, TaskStatus>();
  const waiting = [...tasks];
  const running = new Map<string, Promise<void>>();
  // Tasks that hold a concurrency slot; a task in a waiting step gives its slot up meanwhile.
  const slots = new Slots(concurrency);

  const finishTask = (taskId: string, taskStatus: TaskStatus, blockedBy?: string) => {
    status.set(taskId, taskStatus);
    emit({
      type: 'task-finished',
      runId,
      at: iso(),
      taskId,
      status: taskStatus,
      ...(blockedBy ? { blockedBy } : {}),
    });
  };

  const runStep = async (task: RunTask, step: RunStep): Promise<StepStatus> => {
    const stepStarted = now();
    const logTail: string[] = [];
    const tailSize = options.logTailLines ?? 20;
    emit({ type: 'step-started', runId, at: iso(), taskId: task.id, stepKey: step.key });
    const finished = (status: StepStatus, failure?: FailureDetail): StepStatus => {
      emit({
        type: 'step-finished',
        runId,
        at: iso(),
        taskId: task.id,
        stepKey: step.key,
        status,
        ms: now() - stepStarted,
        ...(failure ? { failure: { ...failure, logTail: [...logTail] } } : {}),
      });
      return status;
    };
    for (let attempt = 1; ; attempt++) {
      const controller = new AbortController();
      const onAbort = () => controller.abort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      const timer = step.timeoutMs
        ? setTimeout(() => controller.abort(new StepTimeout(step, task)), step.timeoutMs)
        : undefined;
      const context: StepContext = {
        runId,
        taskId: task.id,
        stepKey: step.key,
        signal: controller.signal,
        log: (line) => {
          logTail.push(line);
          if (logTail.length > tailSize) logTail.shift();
          emit({ type: 'log', runId, at: iso(), taskId: task.id, stepKey: step.key, line });
        },
        command: (argv) =>
          emit({
            type: 'command',
            runId,
            at: iso(),
            taskId: task.id,
            stepKey: step.key,
            argv: [...argv],
          }),
      };
      let release: (() => void) | undefined;
      try {
        release = await mutex.acquire(step.locks ?? [], controller.signal);
        const result = await untilAborted(step.run(context), controller.signal);
        return finished(result);
      } catch (error) {
        if (signal.aborted) {
          return finished('interrupted');
        }
        const reason = controller.signal.aborted ? controller.signal.reason : error;
        const detail = toFailureDetail(reason);
        if (retry.isRetryable(detail) && attempt < retry.attempts) {
          const delayMs = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
          emit({
            type: 'step-retry',
            runId,
            at: iso(),
            taskId: task.id,
            stepKey: step.key,
            attempt,
            delayMs,
            reason: detail.message,
          });
          release?.();
          release = undefined;
          try {
            await sleep(delayMs, signal);
          } catch {
            return finished('interrupted');
          }
          continue;
        }
        return finished('failed', detail);
      } finally {
        release?.();
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      }
    }
  };

  const runTask = async (task: RunTask): Promise<void> => {
    emit({ type: 'task-started', runId, at: iso(), taskId: task.id });
    let holding = true;
    try {
      for (const step of task.steps) {
        if (signal.aborted) return finishTask(task.id, 'interrupted');
        // At concurrency 1 guests go strictly one at a time, waits included.
        if (step.waits && concurrency > 1) {
          slots.release();
          holding = false;
        }
        const stepStatus = await runStep(task, step);
        if (stepStatus === 'failed') return finishTask(task.id, 'failed');
        if (stepStatus === 'interrupted') return finishTask(task.id, 'interrupted');
        if (!holding) {
          // Back from a wait: the task takes a slot again before it acts, ahead of new tasks.
          if (!(await slots.acquire(signal))) return finishTask(task.id, 'interrupted');
          holding = true;
        }
      }
      finishTask(task.id, 'succeeded');
    } finally {
      if (holding) slots.release();
    }
  };

  while (waiting.length > 0 || running.size > 0) {
    for (let i = 0; i < waiting.length && !signal.aborted;) {
      const task = waiting[i]!;
      const failedDependency = task.dependsOn.find((id) => {
        const s = status.get(id);
        return s !== undefined && s !== 'succeeded';
      });
      if (failedDependency) {
        waiting.splice(i, 1);
        finishTask(task.id, 'blocked', failedDependency);
        continue;
      }
      const ready = task.dependsOn.every((id) => status.get(id) === 'succeeded');
      if (ready && slots.tryAcquire()) {
        waiting.splice(i, 1);
        running.set(
          task.id,
          runTask(task).finally(() => running.delete(task.id)),
        );
        continue;
      }
      i++;
    }
    if (signal.aborted) {
      for (const task of waiting.splice(0)) finishTask(task.id, 'interrupted');
    }
    if (running.size === 0) {
      // Nothing can start: the rest wait on each other (a cycle the config check missed).
      for (const task of waiting.splice(0)) finishTask(task.id, 'blocked', task.dependsOn[0]);
      break;
    }
    // A task finishing, or one giving up its slot to wait, may let another start.
    await Promise.race([...running.values(), slots.freed()]);
  }

  const values = [...status.values()];
  const runStatus: RunStatus =
    signal.aborted || values.includes('interrupted')
      ? 'interrupted'
      : values.every((s) => s === 'succeeded')
        ? 'succeeded'
        : 'failed';
  const ms = now() - started;
  emit({ type: 'run-finished', runId, at: iso(), status: runStatus, ms });
  return { runId, status: runStatus, tasks: Object.fromEntries(status), ms };
}

/**
 * Concurrency slots. Tasks coming back from a wait get a freed slot before new tasks do; the
 * run loop starts new tasks only on a slot nobody is queued for.
 */
class Slots {
  private free: number;
  private readonly queue: { resolve(ok: boolean): void }[] = [];
  private onFree: (() => void) | undefined;

  constructor(size: number) {
    this.free = size;
  }

  tryAcquire(): boolean {
    if (this.free === 0 || this.queue.length > 0) return false;
    this.free--;
    return true;
  }

  /** Resolves true with a slot, false when the run is aborted first. */
  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.tryAcquire()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        resolve: (ok: boolean) => {
          signal.removeEventListener('abort', onAbort);
          resolve(ok);
        },
      };
      const onAbort = () => {
        this.queue.splice(this.queue.indexOf(waiter), 1);
        waiter.resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  release(): void {
    const next = this.queue.shift();
    if (next) return next.resolve(true);
    this.free++;
    this.onFree?.();
  }

  /** Resolves the next time a slot becomes free for a new task. */
  freed(): Promise<void> {
    return new Promise((resolve) => {
      this.onFree = () => {
        this.onFree = undefined;
        resolve();
      };
    });
  }
}

class StepTimeout extends Error {
  readonly detail: FailureDetail;
  constructor(step: RunStep, task: RunTask) {
    const ms = step.timeoutMs ?? 0;
    const budget = ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
    super(`${task.title}: step "${step.title}" did not finish within ${budget}`);
    this.detail = {
      message: this.message,
      kind: 'timeout',
      hint: 'Check the guest console and the log above; raise the timeout in the config if the step is just slow.',
    };
  }
}

/** Resolves with the promise, or rejects as soon as the signal aborts (the step may ignore it). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
