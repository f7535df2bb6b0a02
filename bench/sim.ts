// A simulated Proxmox host for benchmarks: a state dir seeded by `phoenix sim init` and the
// environment that puts the simulator's qm/pct/pvesh/pvesm/pveam first on PATH.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface SimHost {
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Host processes the simulator has logged so far ($PVE_SIM_DIR/calls.jsonl). */
  calls(): number;
  remove(): void;
}

export function createSimHost(options: { guests: number; nodes?: number }): SimHost {
  if (!existsSync(join(repoRoot, 'dist/sim-bin/pvesh'))) {
    throw new Error('dist/sim-bin is missing: run `npm run build` first');
  }
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-bench-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${join(repoRoot, 'dist/sim-bin')}:${process.env.PATH ?? ''}`,
    PVE_SIM_DIR: dir,
    PVE_SIM_LATENCY: '0',
    PVE_SIM_NODE: 'pve',
    PHOENIX_NODE: 'pve',
  };
  const args = [
    join(repoRoot, 'dist/cli.js'),
    'sim',
    'init',
    dir,
    '--guests',
    String(options.guests),
  ];
  if (options.nodes) args.push('--nodes', String(options.nodes));
  execFileSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const log = join(dir, 'calls.jsonl');
  return {
    dir,
    env,
    calls: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter((line) => line.trim() !== '').length
        : 0,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
