import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostSetupStatus } from '../../source/engine/setup-status.js';
import { FakeHost } from './harness.js';

describe('the TUI setup view on a fresh host', () => {
  let host: FakeHost;
  beforeEach(() => {
    host = new FakeHost();
  });
  afterEach(() => host.cleanup());

  it('shows every preflight item with its state and fix', async () => {
    const items = await hostSetupStatus(host.processEnv());
    expect(items.length).toBeGreaterThan(3);
    for (const item of items) {
      expect(['done', 'missing', 'drifted', 'unknown']).toContain(item.state);
      expect(item.title).not.toBe('');
    }
    // A fresh PVE 9 with the enterprise repository and no subscription needs its repositories set up.
    const repositories = items.find((item) => item.area === 'repositories');
    expect(repositories).toMatchObject({ state: 'missing' });
    expect(repositories?.detail).toMatch(/enterprise/i);
  });
});
