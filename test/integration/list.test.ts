import { describe, expect, it } from 'vitest';
import { createSimHost } from '../support/sim-host.js';

describe('phoenix list', { timeout: 120_000 }, () => {
  it('shows 300 guests plus the config with at most two host commands', async () => {
    const host = await createSimHost({ guests: 300 });
    const before = host.calls().length;
    const result = await host.phoenix(['list', '--json']);
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as {
      id: number;
      state: string;
      desired?: Record<string, unknown>;
    }[];
    expect(rows.length).toBeGreaterThanOrEqual(300 + 7);
    const calls = host
      .calls()
      .slice(before)
      .map((call) => call.argv.join(' '));
    expect(calls.length).toBeLessThanOrEqual(2);
    expect(calls[0]).toBe('pvesh get /cluster/resources --type vm --output-format json');
    // Config guests carry their merged, canonical values; no secret leaves the config.
    const rumpletest = rows.find((row) => row.id === 1001)!;
    expect(rumpletest.state).toBe('missing');
    expect(rumpletest.desired).toMatchObject({
      cpu_cores: 4,
      memory_mb: 8192,
      vm_name: 'rumpletest',
    });
    expect(result.stdout).not.toMatch(/\$6\$/);
    expect(rows.filter((row) => row.state === 'unmanaged').length).toBeGreaterThanOrEqual(290);
  });

  it('prints a readable table without a terminal', async () => {
    const host = await createSimHost();
    const result = await host.phoenix(['list']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(
      /^ID\s+TYPE\s+NAME\s+NODE\s+STATUS\s+STATE\s+CPU\s+MEM\s+TAGS$/,
    );
    expect(result.stdout).toMatch(/^9000\s+vm\s+ubuntu-24.04-cloud\s+pve\s+stopped\s+template/m);
    expect(result.stdout).toMatch(/^1000\s+vm\s+rumpledev\s+-\s+missing\s+missing/m);
  });
});
