// A simulated Proxmox host for integration tests: a fresh state dir seeded by
// `phoenix sim init`, and an environment whose PATH starts with the simulator's executables
// (dist/sim-bin, built by test/global-setup.ts). Everything runs as real child processes.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * A private copy of the built CLI and simulator: other test runs in the same checkout rebuild
 * dist/ while these tests run, and a process must never start from a half-written bundle.
 * Asset folders are linked so the copy finds schemas/ and features/ like the checkout does.
 */
function snapshotDist(root: string): string {
  const dist = join(root, 'dist');
  mkdirSync(dist, { recursive: true });
  for (const entry of [
    'cli.js',
    'phoenix.js',
    'sim.js',
    'sim-bin',
    'sim-node-bin',
    'sim-guest-bin',
  ]) {
    const from = join(repoRoot, 'dist', entry);
    if (existsSync(from)) cpSync(from, join(dist, entry), { recursive: true });
  }
  for (const asset of ['schemas', 'features', 'templates']) {
    if (existsSync(join(repoRoot, asset))) symlinkSync(join(repoRoot, asset), join(root, asset));
  }
  return dist;
}

export interface SimCall {
  argv: string[];
  exit: number;
  node?: string;
}

export interface SimHost {
  /** $PVE_SIM_DIR */
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Every host call logged so far ($PVE_SIM_DIR/calls.jsonl). */
  calls(): SimCall[];
  /** Runs a simulated Proxmox tool directly (test setup), on `node` (default: the local node). */
  tool(argv: string[], node?: string): string;
  /** Runs `phoenix …` (dist/cli.js) against this host, without a terminal. */
  phoenix(args: string[]): { code: number; stdout: string; stderr: string };
  remove(): void;
}

export function createSimHost(
  options: { guests?: number; nodes?: number; node?: string } = {},
): SimHost {
  const root = mkdtempSync(join(tmpdir(), 'phoenix-sim-'));
  const dist = snapshotDist(root);
  const cli = join(dist, 'cli.js');
  const dir = join(root, 'host');
  const node = options.node ?? 'pve';
  const env: NodeJS.ProcessEnv = {
    PATH: `${join(dist, 'sim-bin')}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME,
    PVE_SIM_DIR: dir,
    PVE_SIM_LATENCY: '0',
    PVE_SIM_NODE: node,
    PHOENIX_NODE: node,
    NO_COLOR: '1',
  };
  const args = [cli, 'sim', 'init', dir];
  if (options.guests !== undefined) args.push('--guests', String(options.guests));
  if (options.nodes !== undefined) args.push('--nodes', String(options.nodes));
  execFileSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const log = join(dir, 'calls.jsonl');
  return {
    dir,
    env,
    calls: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter((line) => line.trim() !== '')
            .map((line) => JSON.parse(line) as SimCall)
        : [],
    tool: (argv, onNode) =>
      execFileSync(argv[0]!, argv.slice(1), {
        env: { ...env, PVE_SIM_NODE: onNode ?? node },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    phoenix: (phoenixArgs) => {
      const result = spawnSync(process.execPath, [cli, ...phoenixArgs], {
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
