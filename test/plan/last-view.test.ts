import { describe, expect, it } from 'vitest';
import type { Host } from '../../source/host/index.js';
import type { GuestConfig, GuestRef } from '../../source/inventory/types.js';
import { toRunStep, type LastView } from '../../source/plan/guest-access.js';
import { convergeStep } from '../../source/plan/steps.js';
import type { StepContext } from '../../source/runner/types.js';

/** A host with one VM whose `cores` the steps set; counts config reads and commands. */
function fakeHost() {
  const values: Record<string, string> = { cores: '1', memory: '512' };
  const counts = { reads: 0, commands: [] as string[] };
  const host = {
    async guestConfig(ref: GuestRef): Promise<GuestConfig> {
      counts.reads++;
      return { id: ref.id, type: 'qemu', values: { ...values }, tags: [], lxc: [] };
    },
    async run(argv: readonly string[]) {
      counts.commands.push(argv.join(' '));
      const set = /--(\w+) (\S+)/.exec(argv.join(' '));
      if (argv[1] === 'set' && set) values[set[1]!] = set[2]!;
      return { stdout: '', stderr: '', exitCode: 0 };
    },
  } as unknown as Host;
  return { host, counts, values };
}

const context = (stepKey: string): StepContext => ({
  runId: 'r',
  taskId: 't',
  stepKey,
  signal: new AbortController().signal,
  log: () => {},
  command: () => {},
});

const ref: GuestRef = { id: 100, type: 'qemu', node: 'pve' };
const setStep = (key: string, option: string, value: string) =>
  convergeStep({
    key,
    title: key,
    commands: (view) =>
      view.config?.values[option] === value ? [] : [['qm', 'set', '100', `--${option}`, value]],
  });

describe('the last view a task read', () => {
  it("serves the next step's first look when no command ran since, and never a stale one", async () => {
    const { host, counts, values } = fakeHost();
    const last: LastView = {};
    const steps = [
      setStep('cores', 'cores', '4'),
      setStep('memory', 'memory', '2048'),
      setStep('memory-again', 'memory', '2048'),
    ].map((step) => toRunStep(step, host, ref, 'pve', last));

    expect(await steps[0]!.run(context('cores'))).toBe('changed');
    // Pre-read and verify read.
    expect(counts.reads).toBe(2);
    expect(await steps[1]!.run(context('memory'))).toBe('changed');
    // The first look came from the verify of "cores"; the verify after the set read afresh.
    expect(counts.reads).toBe(3);
    expect(await steps[2]!.run(context('memory-again'))).toBe('unchanged');
    expect(counts.reads).toBe(3);
    expect(values).toEqual({ cores: '4', memory: '2048' });
    expect(counts.commands).toEqual(['qm set 100 --cores 4', 'qm set 100 --memory 2048']);
  });

  it('reads only the status when the next step also needs it', async () => {
    const { host, counts } = fakeHost();
    const last: LastView = {};
    const [cores, start] = [
      setStep('cores', 'cores', '4'),
      convergeStep({
        key: 'start',
        title: 'start',
        needs: { status: true },
        commands: (view) => (view.status === 'unknown' ? [] : [['qm', 'start', '100']]),
      }),
    ].map((step) => toRunStep(step, host, ref, 'pve', last));
    await cores!.run(context('cores'));
    expect(await start!.run(context('start'))).toBe('unchanged');
    expect(counts.reads).toBe(2);
    expect(counts.commands).toEqual(['qm set 100 --cores 4', 'qm status 100']);
  });

  it('reads again after a command, and on a retry of the same step', async () => {
    const { host, counts } = fakeHost();
    const last: LastView = {};
    const probe = toRunStep(
      {
        key: 'probe',
        title: 'probe',
        preview: () => [],
        async run(step) {
          await step.view();
          await step.exec(['qm', 'agent', '100', 'ping']);
          await step.view();
          return 'unchanged';
        },
      },
      host,
      ref,
      'pve',
      last,
    );
    await probe.run(context('probe'));
    expect(counts.reads).toBe(2);
    // Same step again (a retry): its own earlier read is not reused.
    await probe.run(context('probe'));
    expect(counts.reads).toBe(4);
  });
});
