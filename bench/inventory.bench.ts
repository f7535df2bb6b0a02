// Inventory refresh cost: host processes per refresh (target: 1, whatever the guest count) and
// wall time relative to the bare `pvesh get /cluster/resources` call it wraps, measured in the
// same run on the same simulated host (target: ≤ 1.2× at 1000 guests).
import { execa } from 'execa';
import { createHost } from '../source/host/host.js';
import { INVENTORY_ARGV } from '../source/host/commands.js';
import { createSimHost } from './sim.js';
import type { Bench, BenchReport } from './types.js';

const sizes = [10, 100, 1000];
const rounds = 9;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function time(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}

export const bench: Bench = {
  title: 'inventory refresh',
  async run(): Promise<BenchReport> {
    const rows: BenchReport['rows'] = [];
    const targets: BenchReport['targets'] = [];
    const processCounts: number[] = [];
    let ratioAt1000 = Number.NaN;
    for (const guests of sizes) {
      const sim = createSimHost({ guests });
      try {
        let spawned = 0;
        const host = createHost({
          env: sim.env,
          observe: (event) => event.phase === 'start' && spawned++,
        });
        const [tool, ...args] = INVENTORY_ARGV;
        const bare = (): Promise<unknown> => execa(tool, args, { env: sim.env });
        // Warm up file caches and the JIT of both paths.
        await bare();
        const found = (await host.inventory()).guests.length;
        // `sim init --guests N` adds N guests beside the seeded template.
        if (found < guests)
          throw new Error(`inventory saw ${found} guests, the simulator has ${guests}+`);

        const logBefore = sim.calls();
        spawned = 0;
        await host.inventory();
        const perRefresh = sim.calls() - logBefore;
        const observed = spawned;
        processCounts.push(perRefresh);

        const bareTimes: number[] = [];
        const inventoryTimes: number[] = [];
        for (let round = 0; round < rounds; round++) {
          // Alternate so drift on a busy machine hits both sides alike.
          bareTimes.push(await time(bare));
          inventoryTimes.push(await time(() => host.inventory()));
        }
        const ratio = median(inventoryTimes) / median(bareTimes);
        if (guests === 1000) ratioAt1000 = ratio;
        rows.push([
          guests,
          perRefresh,
          observed,
          median(bareTimes).toFixed(1),
          median(inventoryTimes).toFixed(1),
          `${ratio.toFixed(2)}×`,
        ]);
      } finally {
        sim.remove();
      }
    }
    targets.push({
      description: 'host processes per refresh (simulator call log) = 1 at 10, 100 and 1000 guests',
      actual: processCounts.join(', '),
      met: processCounts.every((count) => count === 1),
    });
    targets.push({
      description: 'refresh time / bare pvesh call at 1000 guests ≤ 1.2×',
      actual: `${ratioAt1000.toFixed(2)}×`,
      met: ratioAt1000 <= 1.2,
    });
    return {
      columns: [
        'guests',
        'processes (log)',
        'processes (observed)',
        'bare ms (median)',
        'inventory ms (median)',
        'ratio',
      ],
      rows,
      targets,
      notes: [`median of ${rounds} alternating rounds per size, PVE_SIM_LATENCY=0`],
    };
  },
};
