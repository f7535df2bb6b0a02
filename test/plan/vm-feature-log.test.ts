import { describe, expect, it } from 'vitest';
import type { GuestSpec } from '../../source/config/types.js';
import { featureSteps } from '../../source/plan/feature-steps.js';
import type { GuestView, PipelineContext } from '../../source/plan/types.js';

/** `qm guest exec` answers: JSON with the command's output and exit code. */
const agent = (out: string, exitcode = 0) =>
  JSON.stringify({ exitcode, exited: 1, 'out-data': out, 'err-data': '' });

/**
 * A VM feature step against a scripted guest agent: the marker read finds nothing, the delivery
 * succeeds, and each poll answers the next of `polls` (it gets the byte offset it asked from).
 */
async function runFeature(polls: ((offset: number) => string)[]) {
  const guest = {
    kind: 'qemu',
    vm_id: 1003,
    vm_name: 'web',
    features: ['base_setup'],
    origin: { file: 'x.json', pointer: '/x' },
    declared: [],
    extra: {},
  } as unknown as GuestSpec;
  const [step] = featureSteps(guest, 1003, { lxcGlobals: {}, hypervisor: undefined } as never);
  const logged: string[] = [];
  const offsets: number[] = [];
  let poll = 0;
  const view: GuestView = {
    exists: true,
    status: 'running',
    snapshots: [],
    predicted: false,
    config: { values: {} } as never,
  };
  const context = {
    runId: 'r',
    taskId: 'qemu/1003',
    stepKey: step!.key,
    signal: new AbortController().signal,
    remote: false,
    log: (line: string) => logged.push(line),
    command: () => {},
    view: async () => view,
    exec: async (argv: readonly string[]) => {
      const tail = argv.slice(argv.indexOf('--') + 1);
      if (tail[0] === 'cat') return agent('', 1); // no marker yet
      if (tail.join(' ') === 'bash -s') return agent(''); // delivered, started detached
      const offset = Number(tail[3]);
      offsets.push(offset);
      return agent(polls[poll++]!(offset));
    },
  } as unknown as PipelineContext;
  let outcome: unknown;
  try {
    outcome = await step!.run(context);
  } catch (error) {
    outcome = error;
  }
  return { outcome, logged, offsets };
}

describe('VM feature log', () => {
  it('logs a line cut by a poll once, whole, and reads on from its start', async () => {
    const { outcome, logged, offsets } = await runFeature([
      () => 'running\nline 1\nline 2\nhalf of li',
      () => 'running\nhalf of line 3\nline 4\n',
      () => 'rc=0\nline 5 ü\nend without newline',
    ]);
    expect(outcome).toBe('changed');
    expect(logged).toEqual([
      'line 1',
      'line 2',
      'half of line 3',
      'line 4',
      'line 5 ü',
      'end without newline',
    ]);
    // The offset (1-based for tail -c +N) moves past complete lines only.
    expect(offsets).toEqual([1, 1 + 14, 1 + 14 + 22]);
  });

  it('logs tens of thousands of lines from one poll, and a failure shows the last 20', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `rate line ${i + 1}`);
    const { outcome, logged } = await runFeature([
      () => `running\n${lines.slice(0, 29_000).join('\n')}\n`,
      () => `rc=6\n${lines.slice(29_000).join('\n')}\n\n\n`,
    ]);
    expect(logged).toEqual(lines);
    const detail = (outcome as { detail?: { message: string; output?: string } }).detail;
    expect(detail?.message).toBe('feature base_setup exited with 6');
    expect(detail?.output).toBe(lines.slice(-20).join('\n'));
  });
});
