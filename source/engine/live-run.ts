import { formatArgv } from '../host/index.js';
import type { RunEvent as RunnerEvent } from '../runner/types.js';
import { RingBuffer } from '../util/ring-buffer.js';
import {
  HOST_RUN_GUEST,
  type FailureAction,
  type GuestId,
  type RunEvent,
  type RunGuest,
  type RunHandle,
  type RunState,
  type RunStatus,
  type RunStep,
  type StepFailure,
} from './types.js';

/** Task ids of the planner are `guest/<id>`; host setup tasks (`hypervisor/…`) are the host's. */
export function guestOfTask(taskId: string): GuestId {
  const id = Number(taskId.slice(taskId.indexOf('/') + 1));
  return Number.isInteger(id) ? id : HOST_RUN_GUEST;
}

/** What the pipeline shows of a task: its guest, title and steps. */
export interface TaskOutline {
  id: string;
  title: string;
  steps: readonly { key: string; title: string }[];
}

/** Log lines kept per guest for the screen (more than any terminal shows beside the steps). */
const LOG_LINES_KEPT = 200;

/** What a run does when the user answers a failure. */
export interface RunControl {
  /** Plans and runs the guest again (a fresh check of the host, so it continues where it failed). */
  retry(guestId: GuestId): Promise<void>;
  /** Removes a guest this run created. */
  destroy(guestId: GuestId): Promise<void>;
  abort(): void;
}

/**
 * One apply as the UI sees it: a reducer over the runner's events. Steps and failures are
 * state; log lines go to a bounded buffer per guest (the whole log is in the run store).
 */
export class LiveRun implements RunHandle {
  readonly id: string;
  private current: RunState;
  private readonly logs = new Map<GuestId, RingBuffer<string>>();
  private readonly listeners = new Set<(event: RunEvent) => void>();
  private readonly stepTitles = new Map<string, string>();
  /** Guests whose create/clone step succeeded in this run (what "destroy" may remove). */
  readonly created = new Set<GuestId>();
  private control: RunControl | undefined;

  constructor(id: string, title: string, guestIds: readonly GuestId[], startedAt = Date.now()) {
    this.id = id;
    this.current = { id, title, guestIds: [...guestIds], status: 'running', startedAt, guests: [] };
  }

  attach(control: RunControl): void {
    this.control = control;
  }

  state(): RunState {
    return this.current;
  }

  logTail(guestId: GuestId, lines: number): readonly string[] {
    return this.logs.get(guestId)?.last(lines) ?? [];
  }

  subscribe(listener: (event: RunEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async resolve(guestId: GuestId, action: FailureAction): Promise<void> {
    const guest = this.current.guests.find((g) => g.id === guestId);
    if (!guest?.failure) return;
    this.emit({ type: 'failure-resolved', runId: this.id, at: Date.now(), guestId, action });
    this.update({
      guests: this.current.guests.map((g) => (g.id === guestId ? withoutFailure(g) : g)),
    });
    if (action === 'retry' && this.control) {
      this.update({ status: 'running' });
      await this.control.retry(guestId);
    } else if (action === 'destroy' && this.control && this.created.has(guestId)) {
      await this.control.destroy(guestId);
    }
    this.settle();
  }

  abort(): void {
    this.control?.abort();
  }

  /** Adds the guests and steps of a planned set of tasks (a retry replaces that guest's steps). */
  addTasks(tasks: readonly TaskOutline[]): void {
    const byId = new Map(this.current.guests.map((guest) => [guest.id, guest]));
    for (const task of tasks) {
      const id = guestOfTask(task.id);
      for (const step of task.steps) this.stepTitles.set(`${id}/${step.key}`, step.title);
      byId.set(id, {
        id,
        name: task.title.replace(/^(VM|CT) \d+ /, ''),
        steps: task.steps.map((step): RunStep => ({
          id: step.key,
          title: step.title,
          status: 'pending',
        })),
      });
    }
    const guests = [...byId.values()];
    this.update({ guests, guestIds: guests.map((guest) => guest.id) });
    this.emit({ type: 'run-started', runId: this.id, at: Date.now(), guests });
  }

  /** The runner's events, translated. */
  readonly onRunnerEvent = (event: RunnerEvent): void => {
    const at = Date.parse(event.at) || Date.now();
    switch (event.type) {
      case 'step-started': {
        const guestId = guestOfTask(event.taskId);
        this.patchStep(guestId, event.stepKey, { status: 'running', startedAt: at });
        this.emit({ type: 'step-started', runId: this.id, at, guestId, stepId: event.stepKey });
        break;
      }
      case 'command': {
        const guestId = guestOfTask(event.taskId);
        this.emit({
          type: 'command',
          runId: this.id,
          at,
          guestId,
          stepId: event.stepKey,
          command: formatArgv(event.argv),
        });
        break;
      }
      case 'log': {
        const guestId = guestOfTask(event.taskId);
        let buffer = this.logs.get(guestId);
        if (!buffer) this.logs.set(guestId, (buffer = new RingBuffer<string>(LOG_LINES_KEPT)));
        buffer.push(event.line);
        this.emit({
          type: 'log',
          runId: this.id,
          at,
          guestId,
          stepId: event.stepKey,
          line: event.line,
        });
        break;
      }
      case 'step-finished': {
        const guestId = guestOfTask(event.taskId);
        if (!this.current.guests.some((guest) => guest.id === guestId)) {
          // A failure before the guest's steps were known (its plan could not be made).
          const steps: RunStep[] = [
            {
              id: event.stepKey,
              title: event.stepKey === 'plan' ? 'Plan' : event.stepKey,
              status: 'pending',
            },
          ];
          this.update({
            guests: [...this.current.guests, { id: guestId, name: String(guestId), steps }],
          });
        }
        const status =
          event.status === 'changed' ? 'ok' : event.status === 'unchanged' ? 'skipped' : 'failed';
        if ((event.stepKey === 'clone' || event.stepKey === 'create') && event.status === 'changed')
          this.created.add(guestId);
        this.patchStep(guestId, event.stepKey, { status, durationMs: event.ms });
        this.emit({
          type: 'step-finished',
          runId: this.id,
          at,
          guestId,
          stepId: event.stepKey,
          status,
          durationMs: event.ms,
        });
        if (event.status === 'failed' && event.failure) {
          const failure: StepFailure = {
            command: event.failure.command
              ? formatArgv(event.failure.command)
              : (this.stepTitles.get(`${guestId}/${event.stepKey}`) ?? event.stepKey),
            ...(event.failure.exitCode === undefined ? {} : { exitCode: event.failure.exitCode }),
            message: proxmoxMessage(event.failure.message, event.failure.output),
            logTail: event.failure.logTail.slice(-20),
            ...(event.failure.hint ? { hint: event.failure.hint } : {}),
          };
          this.update({
            guests: this.current.guests.map((g) => (g.id === guestId ? { ...g, failure } : g)),
          });
          this.emit({
            type: 'failure',
            runId: this.id,
            at,
            guestId,
            stepId: event.stepKey,
            failure,
          });
        }
        break;
      }
      case 'task-finished':
        if (event.status === 'blocked' || event.status === 'interrupted') {
          const guestId = guestOfTask(event.taskId);
          const guest = this.current.guests.find((g) => g.id === guestId);
          if (guest) {
            this.update({
              guests: this.current.guests.map((g) =>
                g.id === guestId
                  ? {
                      ...g,
                      steps: g.steps.map((s) =>
                        s.status === 'pending' || s.status === 'running'
                          ? { ...s, status: 'skipped' as const }
                          : s,
                      ),
                    }
                  : g,
              ),
            });
          }
        }
        break;
      default:
        break;
    }
  };

  /** After the runner is done: waiting when a failure awaits an answer, else the outcome. */
  settle(interrupted = false, at = Date.now()): void {
    if (interrupted) return this.finish('interrupted', at);
    if (this.current.guests.some((guest) => guest.failure))
      return this.update({ status: 'waiting' });
    const failed = this.current.guests.some((guest) =>
      guest.steps.some((step) => step.status === 'failed'),
    );
    this.finish(failed ? 'failed' : 'succeeded', at);
  }

  private finish(
    status: Extract<RunStatus, 'succeeded' | 'failed' | 'interrupted'>,
    at = Date.now(),
  ): void {
    this.update({ status, finishedAt: at });
    this.emit({ type: 'run-finished', runId: this.id, at, status });
  }

  private patchStep(guestId: GuestId, stepId: string, patch: Partial<RunStep>): void {
    this.update({
      guests: this.current.guests.map((guest) =>
        guest.id === guestId
          ? {
              ...guest,
              steps: guest.steps.map((step) => (step.id === stepId ? { ...step, ...patch } : step)),
            }
          : guest,
      ),
    });
  }

  private update(patch: Partial<RunState>): void {
    this.current = { ...this.current, ...patch };
  }

  private emit(event: RunEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/** The message and the command's output, without saying the same thing twice. */
function proxmoxMessage(message: string, output: string | undefined): string {
  const base = message.trim();
  const full = output?.trim();
  if (!full || full === base) return base;
  return full.includes(base) ? full : `${base}\n${full}`;
}

function withoutFailure(guest: RunGuest): RunGuest {
  const { failure: _failure, ...rest } = guest;
  return rest;
}
