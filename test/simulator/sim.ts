// Test helper: a fresh simulated host and a runner for the built simulator executables
// (dist/sim-bin/*, built by test/global-setup.ts), as real child processes.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initSimulator, type InitOptions } from '../../source/simulator/init.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const simBin = join(repoRoot, 'dist/sim-bin');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestHost {
  dir: string;
  run(tool: string, args: string[], env?: Record<string, string>, input?: string): Result;
  /** Runs without waiting (for concurrency tests). */
  start(tool: string, args: string[], env?: Record<string, string>): Promise<Result>;
  qm(...args: string[]): Result;
  pct(...args: string[]): Result;
  pvesh(...args: string[]): Result;
  faults(value: unknown): void;
  calls(): { argv: string[]; exit: number; ms: number }[];
  remove(): void;
}

export function newHost(options: InitOptions = {}): TestHost {
  const dir = mkdtempSync(join(tmpdir(), 'pve-sim-test-'));
  initSimulator(dir, options);
  const baseEnv = (env: Record<string, string> = {}) => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    PVE_SIM_DIR: dir,
    PVE_SIM_LATENCY: '0',
    ...env,
  });
  const run = (
    tool: string,
    args: string[],
    env?: Record<string, string>,
    input?: string,
  ): Result => {
    const child = spawnSync(join(simBin, tool), args, {
      env: baseEnv(env),
      encoding: 'utf8',
      input: input ?? '',
    });
    return { code: child.status ?? -1, stdout: child.stdout, stderr: child.stderr };
  };
  return {
    dir,
    run,
    start: (tool, args, env) =>
      new Promise((resolve) => {
        const child = spawn(join(simBin, tool), args, { env: baseEnv(env) });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      }),
    qm: (...args) => run('qm', args),
    pct: (...args) => run('pct', args),
    pvesh: (...args) => run('pvesh', args),
    faults: (value) => writeFileSync(join(dir, 'faults.json'), JSON.stringify(value)),
    calls: () =>
      readFileSync(join(dir, 'calls.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { argv: string[]; exit: number; ms: number }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function readConf(
  host: TestHost,
  kind: 'qemu-server' | 'lxc',
  vmid: number,
  node = 'pve',
): string {
  return readFileSync(join(host.dir, 'nodes', node, kind, `${vmid}.conf`), 'utf8');
}
