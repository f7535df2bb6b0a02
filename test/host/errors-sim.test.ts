import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostError, type HostErrorKind } from '../../source/host/errors.js';
import { createHost, type Host } from '../../source/host/host.js';
import { createSimHost, type SimHost } from './sim-host.js';

// Failure classification against the simulator's real output and exit codes (child processes),
// including the workers that exit 0 although their task failed, and injected faults.

let sim: SimHost;
let host: Host;

beforeAll(() => {
  sim = createSimHost();
  sim.tool(['qm', 'clone', '9000', '101', '--name', 'web01']);
  sim.tool(['qm', 'create', '102', '--name', 'noagent', '--memory', '512']);
  host = createHost({ env: sim.env });
});
afterAll(() => sim.remove());

async function failure(promise: Promise<unknown>): Promise<HostError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HostError);
  return error as HostError;
}

function withFaults(faults: object, extra: NodeJS.ProcessEnv = {}): Host {
  return createHost({ env: { ...sim.env, PVE_SIM_FAULTS: JSON.stringify(faults), ...extra } });
}

describe('classification of simulator failures', () => {
  it('detects a disk shrink that exits 0', async () => {
    const error = await failure(host.run(['qm', 'resize', '101', 'scsi0', '1G']));
    expect(error.exitCode).toBe(0);
    expect(error.message).toBe('shrinking disks is not supported');
  });

  const cases: Array<[string, HostErrorKind, () => Promise<unknown>, RegExp]> = [
    [
      'agent ping without an agent',
      'agent-not-configured',
      () => host.run(['qm', 'agent', '102', 'ping']),
      /No QEMU guest agent configured/,
    ],
    [
      'agent ping on a stopped VM',
      'not-running',
      () => host.run(['qm', 'agent', '101', 'ping']),
      /VM 101 is not running/,
    ],
    ['creating a taken ID', 'exists', () => host.run(['qm', 'create', '101']), /already exists/],
    [
      'a bad option value',
      'invalid-parameter',
      () => host.run(['qm', 'set', '101', '--cores', 'abc']),
      /cores: type check/,
    ],
    [
      'a missing template download',
      'not-found',
      () => host.run(['pveam', 'download', 'local', 'nope.tar.zst']),
      /template: no such template/,
    ],
    [
      'a missing snapshot',
      'not-found',
      () => host.rollback({ id: 101, type: 'qemu', node: 'pve' }, 'nope'),
      /snapshot 'nope' does not exist/,
    ],
    [
      'templates on a storage without vztmpl',
      'storage',
      () => host.osTemplates('local-lvm'),
      /templates/,
    ],
  ];
  it.each(cases)('%s → %s', async (_name, kind, call, message) => {
    const error = await failure(call());
    expect(error.kind).toBe(kind);
    expect(error.message).toMatch(message);
  });

  it('reports the lock of a locked guest', async () => {
    sim.tool(['qm', 'set', '101', '--lock', 'backup']);
    const error = await failure(host.start({ id: 101, type: 'qemu', node: 'pve' }));
    expect(error.kind).toBe('locked');
    expect(error.lock).toBe('backup');
    sim.tool(['qm', 'unlock', '101']);
  });

  it('classifies injected faults: held config lock, full storage, hanging shutdown, dead agent', async () => {
    const lockError = await failure(
      withFaults({ holdLock: [101] }, { PVE_SIM_LOCK_TIMEOUT: '0.2' }).run([
        'qm',
        'set',
        '101',
        '--cores',
        '2',
      ]),
    );
    expect(lockError.kind).toBe('locked');
    expect(lockError.message).toMatch(/can't lock file '.*' - got timeout/);

    const full = await failure(
      withFaults({ storageFull: ['local-lvm'] }).run([
        'qm',
        'create',
        '150',
        '--scsi0',
        'local-lvm:4',
      ]),
    );
    expect(full.kind).toBe('storage');

    await host.start({ id: 101, type: 'qemu', node: 'pve' });
    const hang = await failure(
      withFaults({ shutdownHangs: [101] }).shutdown(
        { id: 101, type: 'qemu', node: 'pve' },
        { timeoutSeconds: 1 },
      ),
    );
    expect(hang.kind).toBe('timeout');
    expect(hang.message).toBe('VM quit/powerdown failed - got timeout');

    const agent = await failure(
      withFaults({ agentNeverUp: [101] }).run(['qm', 'agent', '101', 'ping']),
    );
    expect(agent.kind).toBe('agent-not-running');
  });
});
