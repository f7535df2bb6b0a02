import { describe, expect, it } from 'vitest';
import { runTasks } from '../../source/runner/runner.js';
import type { RunStep, RunTask } from '../../source/runner/types.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

function task(id: string, steps: RunStep[]): RunTask {
  return { id, title: id, dependsOn: [], steps };
}

describe('runTasks: steps that wait give up their concurrency slot', () => {
  it('lets another task act while others wait for their guests', async () => {
    const order: string[] = [];
    let cActed!: () => void;
    const cHasActed = new Promise<void>((resolve) => (cActed = resolve));
    const waiting = (id: string): RunTask =>
      task(id, [
        { key: 'clone', title: 'clone', run: async () => (order.push(`${id}:clone`), 'changed') },
        {
          key: 'wait-agent',
          title: 'wait',
          waits: true,
          // Only done once c has run: with held slots at concurrency 2 this would never end.
          run: async () => (await cHasActed, 'changed'),
        },
      ]);
    const summary = await runTasks(
      [
        waiting('a'),
        waiting('b'),
        task('c', [
          {
            key: 'clone',
            title: 'clone',
            run: async () => (order.push('c:clone'), cActed(), 'changed'),
          },
        ]),
      ],
      { title: 'test', concurrency: 2, listeners: [] },
    );
    expect(summary.status).toBe('succeeded');
    expect(order).toEqual(['a:clone', 'b:clone', 'c:clone']);
  });

  it('keeps to one guest at a time at concurrency 1, waits included', async () => {
    const order: string[] = [];
    const guest = (id: string): RunTask =>
      task(id, [
        { key: 'clone', title: 'clone', run: async () => (order.push(`${id}:clone`), 'changed') },
        {
          key: 'wait',
          title: 'wait',
          waits: true,
          run: async () => (await tick(), order.push(`${id}:waited`), 'unchanged'),
        },
      ]);
    await runTasks([guest('a'), guest('b')], { title: 'test', concurrency: 1, listeners: [] });
    expect(order).toEqual(['a:clone', 'a:waited', 'b:clone', 'b:waited']);
  });

  it('keeps the bound for the steps that act', async () => {
    let acting = 0;
    let most = 0;
    const act = (key: string): RunStep => ({
      key,
      title: key,
      run: async () => {
        acting++;
        most = Math.max(most, acting);
        await tick();
        await tick();
        acting--;
        return 'changed';
      },
    });
    const wait: RunStep = {
      key: 'wait',
      title: 'wait',
      waits: true,
      run: async () => {
        await tick();
        return 'unchanged';
      },
    };
    const tasks = Array.from({ length: 8 }, (_, index) =>
      task(`t${index}`, [act('clone'), wait, act('features'), wait, act('snapshot')]),
    );
    const summary = await runTasks(tasks, { title: 'test', concurrency: 2, listeners: [] });
    expect(summary.status).toBe('succeeded');
    expect(most).toBe(2);
  });

  it('stops a task that waits for a slot when the run is aborted', async () => {
    const controller = new AbortController();
    const busy = (id: string, ms: number): RunTask =>
      task(id, [
        {
          key: 'long',
          title: 'long',
          run: async () => {
            await new Promise((resolve) => setTimeout(resolve, ms));
            if (id === 'b') controller.abort();
            return 'changed';
          },
        },
      ]);
    const summary = await runTasks(
      [
        task('a', [
          { key: 'wait', title: 'wait', waits: true, run: async () => (await tick(), 'unchanged') },
          { key: 'after', title: 'after', run: async () => 'changed' },
        ]),
        // b and c hold both slots while a wants one back; then the run is aborted.
        busy('b', 20),
        busy('c', 40),
      ],
      { title: 'test', concurrency: 2, listeners: [], signal: controller.signal },
    );
    expect(summary.status).toBe('interrupted');
    expect(summary.tasks.a).toBe('interrupted');
  });
});
