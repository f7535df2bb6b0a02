// Simulator cost per call with PVE_SIM_LATENCY=0, as a ratio to a bare `node -e 0` start.
// Target: a call costs little more than a Node start (ratio ≤ 2.5 for read calls).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createSimHost, repoRoot } from './sim.js';
import type { Bench } from './types.js';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timeRuns(runs: number, command: string, args: string[], env: NodeJS.ProcessEnv): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    spawnSync(command, args, { env, stdio: 'ignore' });
    samples.push(performance.now() - started);
  }
  return median(samples);
}

export const bench: Bench = {
  title: 'simulator: ms per call vs a bare Node start (PVE_SIM_LATENCY=0)',
  async run() {
    const host = createSimHost({ guests: 1000, nodes: 3 });
    try {
      const runs = 15;
      const baseline = timeRuns(runs, process.execPath, ['-e', '0'], host.env);
      const bin = (tool: string) => join(repoRoot, 'dist/sim-bin', tool);
      const cases: [string, string, string[]][] = [
        ['qm status 9000', bin('qm'), ['status', '9000']],
        ['qm config 9000', bin('qm'), ['config', '9000']],
        ['qm list (≈170 VMs on pve)', bin('qm'), ['list']],
        [
          'pvesh /cluster/resources (1001 guests)',
          bin('pvesh'),
          ['get', '/cluster/resources', '--type', 'vm', '--output-format', 'json'],
        ],
        ['qm set 9000 --description x', bin('qm'), ['set', '9000', '--description', 'x']],
      ];
      const rows: Array<Array<string | number>> = [['node -e 0', baseline.toFixed(1), '1.00']];
      const ratios: number[] = [];
      for (const [label, command, args] of cases) {
        const ms = timeRuns(runs, command, args, host.env);
        ratios.push(ms / baseline);
        rows.push([label, ms.toFixed(1), (ms / baseline).toFixed(2)]);
      }
      const single = Math.max(ratios[0]!, ratios[1]!);
      return {
        columns: ['call', 'median ms', 'ratio'],
        rows,
        targets: [
          {
            description: 'single-guest call / node start ≤ 2.5',
            actual: single.toFixed(2),
            met: single <= 2.5,
          },
        ],
        notes: [`${runs} runs each; 1000 random guests over 3 nodes`],
      };
    } finally {
      host.remove();
    }
  },
};
