import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createSimHost, isMutating } from '../support/sim-host.js';

const VM = '1000';

describe('apply when things go wrong', { timeout: 180_000 }, () => {
  it('reports a failed step with command, Proxmox message and hint; the next apply completes from there', async () => {
    const host = await createSimHost();
    host.setFaults({
      fail: [
        {
          tool: 'qm',
          args: '^disk resize 1000 ',
          exit: 255,
          stderr: '  Insufficient free space: 8192 extents needed, but only 12 available',
        },
      ],
    });
    const failed = await host.phoenix(['apply', VM, '--yes', '--ascii']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(
      'FAIL VM 1000 rumpledev: Grow the boot disk to 32 GiB: Insufficient free space: 8192 extents needed',
    );
    expect(failed.stdout).toContain('    command: qm disk resize 1000 scsi0 32G');
    expect(failed.stdout).toContain('hint: check the storage with `pvesm status`');
    expect(failed.stdout).toContain('Run failed');
    expect(failed.stdout).toContain('`phoenix apply 1000` continues where it failed');
    expect(failed.stdout).toContain('destroy what this run created: `phoenix delete 1000`');

    host.setFaults({});
    const before = host.calls().length;
    const resumed = await host.phoenix(['apply', VM, '--yes', '--ascii']);
    expect(resumed.code).toBe(0);
    const mutating = host
      .calls()
      .slice(before)
      .map((call) => call.argv)
      .filter(isMutating)
      .map((argv) => argv.join(' '));
    // Clone, hardware and cloud-init were done by the failed run: not repeated.
    expect(mutating.some((call) => call.startsWith('qm clone'))).toBe(false);
    expect(mutating[0]).toBe('qm disk resize 1000 scsi0 32G');
  });

  it('times out waiting for a guest agent that never comes up, naming the guest and the wait', async () => {
    const host = await createSimHost();
    host.setFaults({ agentNeverUp: [1000] });
    const result = await host.phoenix(['apply', VM, '--yes', '--ascii'], {
      PHOENIX_AGENT_TIMEOUT: '3',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'FAIL VM 1000 rumpledev: Wait for the guest agent: VM 1000: the QEMU guest agent did not answer within 3 s',
    );
    expect(result.stdout).toContain('hint: The image needs qemu-guest-agent installed and enabled');
  });

  it('retries a config lock held by another operation and succeeds once it is released', async () => {
    const host = await createSimHost();
    await host.phoenix(['apply', VM, '--yes']);
    await import('node:child_process').then(({ execFileSync }) =>
      execFileSync('qm', ['set', VM, '--memory', '1024'], { env: host.env }),
    );
    host.setFaults({ holdLock: [1000] });
    const child = host.spawnPhoenix(['apply', VM, '--yes', '--ascii'], {
      PVE_SIM_LOCK_TIMEOUT: '1',
    });
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('retry 1')) host.setFaults({});
    });
    const [code] = (await once(child, 'exit')) as [number];
    expect(stdout).toMatch(
      /! VM 1000 rumpledev: Hardware.*can't lock file '\/var\/lock\/qemu-server\/lock-1000\.conf' - got timeout \(retry 1 in 1\.0s\)/,
    );
    expect(code).toBe(0);
    expect(stdout).toContain('ok VM 1000 rumpledev: Hardware');
  });

  it('stops cleanly on Ctrl+C (exit 130, run marked interrupted) and the next apply finishes the job', async () => {
    const host = await createSimHost();
    const child = host.spawnPhoenix(['apply', VM, '--yes', '--ascii']);
    let stdout = '';
    let interrupted = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // One Ctrl+C (a second one would quit at once, by design).
      if (!interrupted && stdout.includes('ok VM 1000 rumpledev: Cloud-init')) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(130);
    expect(stdout).toContain('Run interrupted');
    const runs = JSON.parse((await host.phoenix(['runs', '--json'])).stdout) as {
      status: string;
    }[];
    expect(runs[0]!.status).toBe('interrupted');

    const resumed = await host.phoenix(['apply', VM, '--yes', '--ascii']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('Run succeeded');
    expect(resumed.stdout).not.toContain('ok VM 1000 rumpledev: Clone');
  });
});
