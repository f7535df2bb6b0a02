import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where the simulated cluster lives and which node this process plays. */
export interface SimEnv {
  dir: string;
  node: string;
  /** Multiplier for the latency model: 0 = instant, 1 = like a real host. */
  latency: number;
}

export function readEnv(): SimEnv {
  const given = process.env.PVE_SIM_DIR;
  const dir = given ? resolve(given) : undefined;
  if (!dir)
    throw new Error(
      'PVE_SIM_DIR is not set: point it at a state dir made by `phoenix sim init DIR`',
    );
  if (!existsSync(join(dir, 'storage.cfg'))) {
    throw new Error(
      `PVE_SIM_DIR=${dir} is not a simulated host: seed it with \`phoenix sim init ${dir}\``,
    );
  }
  const raw = process.env.PVE_SIM_LATENCY ?? 'real';
  let latency = raw === 'real' ? 1 : Number(raw);
  if (!Number.isFinite(latency) || latency < 0) latency = 1;
  return { dir, node: process.env.PVE_SIM_NODE || 'pve', latency };
}

export const paths = {
  nodeDir: (dir: string, node: string) => join(dir, 'nodes', node),
  conf: (dir: string, node: string, kind: 'qemu' | 'lxc', vmid: number) =>
    join(dir, 'nodes', node, kind === 'qemu' ? 'qemu-server' : 'lxc', `${vmid}.conf`),
  sim: (dir: string, ...rest: string[]) => join(dir, 'sim', ...rest),
};
