import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, HostError, REDACTED, type Host } from '../../source/host/index.js';
import type { GuestRef } from '../../source/inventory/types.js';
import { runForGuest } from '../../source/plan/guest-access.js';
import { guestExec, type GuestExecContext } from '../../source/plan/guest-exec.js';
import { STAGE_CHUNK_SIZE } from '../../source/plan/guest-payload.js';
import { StepError } from '../../source/runner/step-error.js';
import { createSimHost, type SimHost } from '../host/sim-host.js';

// Stdin for a VM on another node goes through the agent API's input-data; what is bigger than
// the API takes is staged in chunks. Against a simulated two-node cluster (child processes).

const VMID = 2100;
const ref: GuestRef = { id: VMID, type: 'qemu', node: 'pve2' };

let sim: SimHost;
let host: Host;
let announced: string[][];

function agentOnPve2(target: Host = host): GuestExecContext {
  return {
    remote: true,
    signal: new AbortController().signal,
    exec: async (argv, options = {}) =>
      (
        await runForGuest(target, ref, 'pve', argv, {
          ...options,
          announce: (shown) => announced.push([...shown]),
        })
      ).stdout,
  };
}

const stageDir = () =>
  join(sim.dir, 'sim', 'guests', String(VMID), 'root', 'var/lib/phoenix/incoming');
const execCalls = () =>
  sim.calls().filter((call) => call.argv[2] === `/nodes/pve2/qemu/${VMID}/agent/exec`);

beforeAll(() => {
  sim = createSimHost({ nodes: 2 });
  sim.tool(['qm', 'create', String(VMID), '--name', 'far-vm', '--agent', '1'], 'pve2');
  sim.tool(['qm', 'start', String(VMID)], 'pve2');
  host = createHost({ env: sim.env });
});
afterAll(() => sim.remove());

describe('stdin for a VM on another node', () => {
  it('rides along as input-data when it fits, shown redacted', async () => {
    announced = [];
    const result = await guestExec(agentOnPve2(), VMID, ['cat'], { input: 'hello\n' });
    expect(result).toMatchObject({ exitcode: 0, out: 'hello\n' });
    expect(announced[0]).toEqual([
      'pvesh',
      'create',
      `/nodes/pve2/qemu/${VMID}/agent/exec`,
      '--command',
      'cat',
      '--input-data',
      REDACTED,
      '--output-format',
      'json',
    ]);
    expect(announced.slice(1).every((argv) => argv[2]?.endsWith('/agent/exec-status'))).toBe(true);
  });

  it('is staged in chunks under the limit when bigger, and arrives whole', async () => {
    announced = [];
    const before = execCalls().length;
    // 150 kB with multi-byte characters: more than two chunks of base64.
    const input = `${'#!/bin/bash\n# é ü — payload line\n'.repeat(4200)}`;
    const result = await guestExec(agentOnPve2(), VMID, ['sha256sum'], { input });
    const digest = createHash('sha256').update(input).digest('hex');
    expect(result).toMatchObject({ exitcode: 0, out: `${digest}  -\n` });

    const chunks = Math.ceil(Buffer.from(input).toString('base64').length / STAGE_CHUNK_SIZE);
    expect(chunks).toBeGreaterThan(2);
    const execs = execCalls().slice(before);
    expect(execs).toHaveLength(chunks + 1);
    for (const call of execs) {
      const at = call.argv.indexOf('--input-data');
      if (at !== -1) expect(call.argv[at + 1]!.length).toBeLessThanOrEqual(65536);
    }
    // Every chunk appends to the staged file; the last command decodes it and runs sha256sum.
    expect(execs.slice(0, chunks).every((call) => call.argv.includes('phoenix-stage'))).toBe(true);
    expect(execs.at(-1)!.argv).toContain('phoenix-run');
    expect(execs.at(-1)!.argv.slice(-4)).toEqual([
      '--command',
      'sha256sum',
      '--output-format',
      'json',
    ]);
    // What the run log shows holds no payload.
    const shown = announced.flat().join(' ');
    expect(shown).not.toContain('payload line');
    expect(announced.filter((argv) => argv.includes(REDACTED))).toHaveLength(chunks);
    // Nothing stays behind in the guest.
    expect(readdirSync(stageDir())).toEqual([]);
  });

  it("fails clearly when a chunk's command fails in the guest", async () => {
    rmSync(stageDir(), { recursive: true, force: true });
    writeFileSync(stageDir(), 'not a directory');
    try {
      const error = await guestExec(agentOnPve2(), VMID, ['cat'], {
        input: 'x'.repeat(70_000),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StepError);
      expect((error as StepError).message).toBe(
        `could not stage input for VM ${VMID}: chunk 1 of 2 exited with 1`,
      );
      expect((error as StepError).detail.output).toContain('File exists');
    } finally {
      rmSync(stageDir(), { force: true });
    }
  });

  it("fails when a chunk's API call fails, before anything runs", async () => {
    const faults = {
      fail: [
        {
          tool: 'pvesh',
          args: 'agent/exec [\\s\\S]*phoenix-stage',
          nth: 2,
          stderr: 'QEMU guest agent is not running',
        },
      ],
    };
    const flaky = createHost({ env: { ...sim.env, PVE_SIM_FAULTS: JSON.stringify(faults) } });
    const before = execCalls().length;
    const error = await guestExec(agentOnPve2(flaky), VMID, ['cat'], {
      input: 'y'.repeat(70_000),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostError);
    expect((error as HostError).kind).toBe('agent-not-running');
    expect(
      execCalls()
        .slice(before)
        .some((call) => call.argv.includes('phoenix-run')),
    ).toBe(false);
    expect(existsSync(stageDir())).toBe(true);
  });
});
