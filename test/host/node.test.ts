import { describe, expect, it } from 'vitest';
import { resolveLocalNode } from '../../source/host/node.js';

const detect = (options: {
  env?: NodeJS.ProcessEnv;
  hostname?: string;
  known?: string[];
  nodes?: string[];
}) => {
  let calls = 0;
  const promise = resolveLocalNode({
    env: options.env ?? {},
    hostname: () => options.hostname ?? 'box.example.com',
    knownNodes: () => options.known ?? [],
    listNodes: async () => {
      calls++;
      return options.nodes ?? [];
    },
  });
  return { promise, calls: () => calls };
};

describe('resolveLocalNode', () => {
  it('takes PHOENIX_NODE without asking the host', async () => {
    const run = detect({ env: { PHOENIX_NODE: 'pve2' }, nodes: ['pve', 'pve2'] });
    expect(await run.promise).toBe('pve2');
    expect(run.calls()).toBe(0);
  });

  it('takes the short host name when it is a node', async () => {
    expect(await detect({ hostname: 'pve2.lan', nodes: ['pve', 'pve2'] }).promise).toBe('pve2');
  });

  it('uses the last inventory to skip the node query', async () => {
    const run = detect({ hostname: 'pve', known: ['pve'] });
    expect(await run.promise).toBe('pve');
    expect(run.calls()).toBe(0);
  });

  it('falls back to the only node of a single-node cluster', async () => {
    expect(await detect({ hostname: 'laptop', nodes: ['pve'] }).promise).toBe('pve');
  });

  it('asks for PHOENIX_NODE when it cannot tell', async () => {
    await expect(detect({ hostname: 'laptop', nodes: ['pve', 'pve2'] }).promise).rejects.toThrow(
      /not one of the cluster's nodes \(pve, pve2\)/,
    );
  });
});
