import { describe, expect, it } from 'vitest';
import { runTasks } from '../../source/runner/runner.js';
import type { RunStep, RunTask } from '../../source/runner/types.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

function task(id: string, steps: RunStep[]): RunTask {
  return { id, title: id, dependsOn: [], steps };
}

describe('runTasks: steps that wait give up their concurrency slot', () => {
  it('lets another task act while one waits for its guest', async () => {
    const order: string[] = [];
    let bActed!: () => void;
    const bHasActed = new Promise<void>((resolve) => (bActed = resolve));
    const summary = await runTasks(
      [
        task('a', [
          { key: 'clone', title: 'clone', run: async () => (order.push('a:clone'), 'changed') },
          {
            key: 'wait-agent',
            title: 'wait',
            waits: true,
            // Only done once b has run: with a held slot at concurrency 1 this would never end.
            run: async () => (await bHasActed, order.push('a:waited'), 'changed'),
          },
          {
            key: 'features',
            title: 'features',
            run: async () => (order.push('a:features'), 'changed'),
          },
        ]),
        task('b', [
          {
            key: 'clone',
            title: 'clone',
            run: async () => (order.push('b:clone'), bActed(), 'changed'),
          },
        ]),
      ],
      { title: 'test', concurrency: 1, listeners: [] },
    );
    expect(summary.status).toBe('succeeded');
    expect(order).toEqual(['a:clone', 'b:clone', 'a:waited', 'a:features']);
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
    const summary = await runTasks(
      [
        task('a', [
          {
            key: 'wait',
            title: 'wait',
            waits: true,
            run: async () => {
              await tick();
              return 'unchanged';
            },
          },
          { key: 'after', title: 'after', run: async () => 'changed' },
        ]),
        task('b', [
          {
            key: 'long',
            title: 'long',
            run: async () => {
              // b takes the slot a gave up, and the run is aborted while a wants it back.
              await new Promise((resolve) => setTimeout(resolve, 20));
              controller.abort();
              return 'changed';
            },
          },
        ]),
      ],
      { title: 'test', concurrency: 1, listeners: [], signal: controller.signal },
    );
    expect(summary.status).toBe('interrupted');
    expect(summary.tasks.a).toBe('interrupted');
  });
});
