import { Text } from 'ink';
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveRun } from '../../source/engine/live-run.js';
import { useRun } from '../../source/ui/hooks/use-run.js';

afterEach(() => cleanup());

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function Tail({ handle, renders }: { handle: LiveRun; renders: { count: number } }) {
  renders.count++;
  const run = useRun(handle);
  return <Text>{run ? `tail: ${run.logTail(1003, 2).join(' | ')}` : 'no run'}</Text>;
}

function streamingRun(): { run: LiveRun; log: (line: string) => void } {
  const run = new LiveRun('r1', 'apply 1003', [1003]);
  run.addTasks([
    {
      id: 'qemu/1003',
      title: 'VM 1003 web',
      steps: [{ key: 'feature:x', title: 'Feature x' }],
    },
  ]);
  const at = new Date().toISOString();
  run.onRunnerEvent({
    type: 'step-started',
    runId: 'r1',
    at,
    taskId: 'qemu/1003',
    stepKey: 'feature:x',
  });
  const log = (line: string) =>
    run.onRunnerEvent({
      type: 'log',
      runId: 'r1',
      at,
      taskId: 'qemu/1003',
      stepKey: 'feature:x',
      line,
    });
  return { run, log };
}

describe('useRun', () => {
  it('shows log lines that arrive while no step changes, at most ten updates a second', async () => {
    const { run, log } = streamingRun();
    const renders = { count: 0 };
    const app = render(<Tail handle={run} renders={renders} />);
    await pause(20);
    const before = renders.count;
    // 1000 lines a burst, a burst every 10 ms for half a second: only log lines, no step changes.
    let n = 0;
    for (let burst = 0; burst < 50; burst++) {
      for (let i = 0; i < 1000; i++) log(`line ${++n}`);
      await pause(10);
    }
    await pause(250);
    expect(app.lastFrame()).toBe('tail: line 49999 | line 50000');
    // 50,000 lines in ~0.5 s (plus the wait): a handful of renders, not one per line or burst.
    expect(renders.count - before).toBeGreaterThanOrEqual(1);
    expect(renders.count - before).toBeLessThanOrEqual(10);
  });
});
