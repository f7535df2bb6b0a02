import { describe, expect, it } from 'vitest';
import { runTasks, type RetryPolicy } from '../../source/runner/runner.js';
import { StepError } from '../../source/runner/step-error.js';
import type { RunEvent, RunStep, RunTask, StepResult } from '../../source/runner/types.js';

const noRetry: RetryPolicy = {
  attempts: 1,
  baseDelayMs: 0,
  maxDelayMs: 0,
  isRetryable: () => false,
};
const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

function step(
  key: string,
  body: () => Promise<StepResult> | StepResult = () => 'changed',
  extra: Partial<RunStep> = {},
): RunStep {
  return { key, title: key, run: async () => body(), ...extra };
}

function task(id: string, steps: RunStep[], dependsOn: string[] = []): RunTask {
  return { id, title: `guest ${id}`, dependsOn, steps };
}

async function run(tasks: RunTask[], options: Partial<Parameters<typeof runTasks>[1]> = {}) {
  const events: RunEvent[] = [];
  const summary = await runTasks(tasks, {
    title: 'test',
    retry: noRetry,
    listeners: [(e) => events.push(e)],
    ...options,
  });
  return { summary, events };
}

describe('runTasks', () => {
  it('runs dependencies first and the steps of a task in order', async () => {
    const order: string[] = [];
    const record = (name: string) =>
      step(name, async () => {
        order.push(name);
        await tick();
        return 'changed' as const;
      });
    const { summary } = await run([
      task('clone', [record('clone:a'), record('clone:b')], ['template']),
      task('template', [record('template:a')]),
    ]);
    expect(order).toEqual(['template:a', 'clone:a', 'clone:b']);
    expect(summary.status).toBe('succeeded');
    expect(summary.tasks).toEqual({ template: 'succeeded', clone: 'succeeded' });
  });

  it('never runs more tasks at once than the concurrency bound', async () => {
    let active = 0;
    let peak = 0;
    const busy = step('work', async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      active--;
      return 'changed' as const;
    });
    const tasks = Array.from({ length: 10 }, (_, i) => task(`g${i}`, [busy]));
    await run(tasks, { concurrency: 3 });
    expect(peak).toBe(3);
  });

  it('blocks the dependants of a failed task and lets the others finish', async () => {
    const { summary, events } = await run([
      task('base', [
        step('create', () => {
          throw new StepError({
            message: 'storage full',
            command: ['pct', 'create', '900'],
            hint: 'free space',
          });
        }),
      ]),
      task('child', [step('clone')], ['base']),
      task('other', [step('create')]),
    ]);
    expect(summary.status).toBe('failed');
    expect(summary.tasks).toEqual({ base: 'failed', child: 'blocked', other: 'succeeded' });
    const failure = events.find((e) => e.type === 'step-finished' && e.status === 'failed');
    expect(failure).toMatchObject({
      taskId: 'base',
      failure: { message: 'storage full', command: ['pct', 'create', '900'], hint: 'free space' },
    });
    expect(events.find((e) => e.type === 'task-finished' && e.taskId === 'child')).toMatchObject({
      status: 'blocked',
      blockedBy: 'base',
    });
  });

  it('serialises steps that hold the same lock', async () => {
    let active = 0;
    let peak = 0;
    const clone = step(
      'clone',
      async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active--;
        return 'changed' as const;
      },
      { locks: ['clone-source:9000'] },
    );
    await run(
      Array.from({ length: 5 }, (_, i) => task(`vm${i}`, [clone])),
      { concurrency: 5 },
    );
    expect(peak).toBe(1);
  });

  it('retries lock errors with back-off and then succeeds', async () => {
    let calls = 0;
    const delays: number[] = [];
    const flaky = step('hardware', () => {
      calls++;
      if (calls < 3)
        throw new StepError({
          message: "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout",
          kind: 'locked',
        });
      return 'changed' as const;
    });
    const { summary, events } = await run([task('vm', [flaky])], {
      retry: {
        attempts: 5,
        baseDelayMs: 100,
        maxDelayMs: 1000,
        isRetryable: (d) => d.kind === 'locked',
      },
      sleep: async (ms) => void delays.push(ms),
    });
    expect(summary.status).toBe('succeeded');
    expect(calls).toBe(3);
    expect(delays).toEqual([100, 200]);
    expect(events.filter((e) => e.type === 'step-retry')).toHaveLength(2);
  });

  it('fails a step that runs out of time with a message naming guest and step', async () => {
    const slow = step('wait-agent', () => new Promise<StepResult>(() => {}), {
      title: 'Wait for the guest agent',
      timeoutMs: 20,
    });
    const { summary, events } = await run([task('vm', [slow])]);
    expect(summary.status).toBe('failed');
    const finished = events.find((e) => e.type === 'step-finished');
    expect(finished).toMatchObject({ status: 'failed', failure: { kind: 'timeout' } });
    expect(finished?.type === 'step-finished' && finished.failure?.message).toBe(
      'guest vm: step "Wait for the guest agent" did not finish within 20 ms',
    );
  });

  it('stops on abort: running step interrupted, waiting tasks not started', async () => {
    const controller = new AbortController();
    const started: string[] = [];
    const hang = step('clone', (): Promise<StepResult> => {
      started.push('first');
      setTimeout(() => controller.abort(new Error('SIGINT')), 5);
      return new Promise(() => {});
    });
    const { summary } = await run(
      [task('a', [hang]), task('b', [step('clone', () => (started.push('b'), 'changed'))], ['a'])],
      { signal: controller.signal },
    );
    expect(summary.status).toBe('interrupted');
    expect(summary.tasks).toEqual({ a: 'interrupted', b: 'interrupted' });
    expect(started).toEqual(['first']);
  });

  it('keeps the last log lines of a failed step for its report', async () => {
    const noisy = step('feature:docker', (): StepResult => {
      throw new StepError({ message: 'exit 100' });
    });
    const tasks = [
      task('vm', [
        {
          ...noisy,
          run: async (ctx) => {
            for (let i = 1; i <= 30; i++) ctx.log(`line ${i}`);
            return noisy.run(ctx);
          },
        },
      ]),
    ];
    const { events } = await run(tasks);
    const failed = events.find((e) => e.type === 'step-finished');
    expect(failed?.type === 'step-finished' && failed.failure?.logTail).toEqual(
      Array.from({ length: 20 }, (_, i) => `line ${i + 11}`),
    );
  });
});
