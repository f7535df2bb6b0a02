import { UserError } from '../util/user-error.js';

export interface NodeDetection {
  env: NodeJS.ProcessEnv;
  hostname: () => string;
  /** Nodes already known to hold guests (from the last inventory): saves a host call. */
  knownNodes: () => readonly string[];
  /** Every node of the cluster (one host call). */
  listNodes: () => Promise<string[]>;
}

/**
 * The node Phoenix runs on, which decides whether a guest is handled by qm/pct (local) or
 * through pvesh (another node):
 *   1. PHOENIX_NODE when set;
 *   2. else this machine's short host name, if it is a node of the cluster;
 *   3. else the only node of a single-node cluster;
 *   4. else a clear error asking for PHOENIX_NODE.
 */
export async function resolveLocalNode(detection: NodeDetection): Promise<string> {
  const fromEnv = detection.env.PHOENIX_NODE?.trim();
  if (fromEnv) return fromEnv;

  const short = detection.hostname().split('.')[0] ?? '';
  if (short && detection.knownNodes().includes(short)) return short;

  const nodes = await detection.listNodes();
  if (short && nodes.includes(short)) return short;
  if (nodes.length === 1) return nodes[0]!;
  if (nodes.length === 0) {
    throw new UserError('the cluster reports no nodes, so this node cannot be determined', {
      hint: 'set PHOENIX_NODE to the name of the Proxmox node Phoenix runs on',
    });
  }
  throw new UserError(
    `this machine's host name '${short}' is not one of the cluster's nodes (${nodes.join(', ')})`,
    { hint: `set PHOENIX_NODE to the node Phoenix runs on, e.g. PHOENIX_NODE=${nodes[0]}` },
  );
}
