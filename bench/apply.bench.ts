// `phoenix apply` of 10 VMs cloned from one template, against the simulator.
//  (a) Phoenix's own overhead: the apply (one guest at a time) vs a shell script that runs the
//      identical command sequence — taken from the simulator's call log of the Phoenix run —
//      on a fresh host, at zero latency. Target ≤ 1.3×.
//  (b) With latency (the simulator's model of a real host, scaled by LATENCY): concurrency 4 vs
//      one at a time (target ≥ 2.5× faster), and vs the floor set by serialised clones — every
//      clone one after the other (Proxmox locks the template), plus one VM's steps after its
//      clone — measured from the same runs' events (target ≤ 1.15× the floor).
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { createSimHost, repoRoot, type SimHost } from './sim.js';
import type { Bench, BenchReport } from './types.js';

const VMS = 10;
const ROUNDS = 3;
/** Latency factor for (b): the real host's durations × this (keeps the bench to a few minutes). */
const LATENCY = Number(process.env.PHOENIX_BENCH_LATENCY ?? '0.2');

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** The example's defaults and template 9000 (seeded on every simulated host), and 10 clones of it. */
function writeConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-bench-etc-'));
  copyFileSync(
    join(repoRoot, 'etc', 'phoenix_hypervisor_config.json'),
    join(dir, 'phoenix_hypervisor_config.json'),
  );
  const example = JSON.parse(
    readFileSync(join(repoRoot, 'etc', 'phoenix_vm_configs.json'), 'utf8'),
  ) as { vm_defaults: Record<string, unknown>; virtual_machines: Record<string, unknown>[] };
  const vms = Array.from({ length: VMS }, (_, index) => ({
    vm_id: 3000 + index,
    vm_name: `bench${index}`,
    clone_from_vmid: 9000,
    network_config: { ip: `10.0.0.${150 + index}/24` },
    features: [],
  }));
  writeFileSync(
    join(dir, 'phoenix_vm_configs.json'),
    JSON.stringify({
      vm_defaults: { ...example.vm_defaults, features: [] },
      virtual_machines: [example.virtual_machines.find((vm) => vm.vm_id === 9000), ...vms],
    }),
  );
  return dir;
}

interface CallRecord {
  argv: string[];
}

function callLog(sim: SimHost): CallRecord[] {
  return readFileSync(join(sim.dir, 'calls.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as CallRecord);
}

interface ApplyRun {
  wallMs: number;
  /** The runner's own duration (run-finished). */
  runMs: number;
  calls: CallRecord[];
  events: Record<string, unknown>[];
}

async function apply(configDir: string, concurrency: number, latency: string): Promise<ApplyRun> {
  const sim = createSimHost({ guests: 0 });
  const runsDir = mkdtempSync(join(tmpdir(), 'phoenix-bench-runs-'));
  try {
    const before = sim.calls();
    const started = performance.now();
    const result = await execa(
      process.execPath,
      [
        join(repoRoot, 'dist', 'cli.js'),
        'apply',
        '--all',
        '--yes',
        '--json',
        '--concurrency',
        String(concurrency),
      ],
      {
        env: {
          ...sim.env,
          PVE_SIM_LATENCY: latency,
          PHOENIX_CONFIG_DIR: configDir,
          PHOENIX_RUNS_DIR: runsDir,
        },
        reject: false,
      },
    );
    const wallMs = performance.now() - started;
    if (result.exitCode !== 0)
      throw new Error(`phoenix apply failed (${result.exitCode}): ${result.stderr}`);
    const events = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const finished = events.find((event) => event.type === 'run-finished');
    return {
      wallMs,
      runMs: Number(finished?.ms ?? Number.NaN),
      calls: callLog(sim).slice(before),
      events,
    };
  } finally {
    sim.remove();
    rmSync(runsDir, { recursive: true, force: true });
  }
}

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** The same commands, one after the other, from a shell script on a fresh host. */
async function replay(calls: CallRecord[]): Promise<number> {
  const sim = createSimHost({ guests: 0 });
  const script = join(sim.dir, 'replay.sh');
  // Exit codes are ignored like Phoenix's expected failures (an agent not up yet) are.
  writeFileSync(script, calls.map((call) => call.argv.map(quote).join(' ')).join('\n') + '\n');
  try {
    const started = performance.now();
    await execa('sh', [script], { env: { ...sim.env, PVE_SIM_LATENCY: '0' }, reject: false });
    return performance.now() - started;
  } finally {
    sim.remove();
  }
}

/** Σ clone steps + the median of what a VM does after its clone, from a run's events. */
function serialisedCloneFloor(events: Record<string, unknown>[]): {
  clonesMs: number;
  tailMs: number;
} {
  let clonesMs = 0;
  const tails: number[] = [];
  const times = new Map<string, { cloneEnd?: number; end?: number }>();
  for (const event of events) {
    const task = String(event.taskId ?? '');
    const at = Date.parse(String(event.at ?? ''));
    if (event.type === 'step-finished' && event.stepKey === 'clone') {
      clonesMs += Number(event.ms);
      times.set(task, { ...times.get(task), cloneEnd: at });
    }
    if (event.type === 'task-finished') times.set(task, { ...times.get(task), end: at });
  }
  for (const { cloneEnd, end } of times.values())
    if (cloneEnd !== undefined && end !== undefined) tails.push(end - cloneEnd);
  return { clonesMs, tailMs: median(tails) };
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);

export const bench: Bench = {
  title: `apply: ${VMS} VMs cloned from one template`,
  async run(): Promise<BenchReport> {
    const configDir = writeConfig();
    const rows: BenchReport['rows'] = [];
    const targets: BenchReport['targets'] = [];
    try {
      // (a) overhead at zero latency, alternating rounds.
      const phoenixTimes: number[] = [];
      const scriptTimes: number[] = [];
      let commands = 0;
      let reads = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const run = await apply(configDir, 1, '0');
        phoenixTimes.push(run.wallMs);
        commands = run.calls.length;
        reads = run.calls.filter(
          (call) =>
            (call.argv[0] === 'pvesh' && call.argv[1] === 'get') ||
            ['config', 'status', 'list', 'listsnapshot'].includes(call.argv[1] ?? '') ||
            (call.argv[0] === 'pvesm' && call.argv[1] === 'status'),
        ).length;
        scriptTimes.push(await replay(run.calls));
      }
      const overhead = median(phoenixTimes) / median(scriptTimes);
      rows.push(
        ['(a) phoenix apply, concurrency 1, latency 0', seconds(median(phoenixTimes)), commands],
        ['(a) shell script, same commands, latency 0', seconds(median(scriptTimes)), commands],
      );
      targets.push({
        description: 'Phoenix apply / shell script of the same commands (zero latency) ≤ 1.3×',
        actual: `${overhead.toFixed(2)}×`,
        met: overhead <= 1.3,
      });

      // (b) with latency: one at a time vs 4 at once, and the floor of serialised clones.
      const serial = await apply(configDir, 1, String(LATENCY));
      const parallel = await apply(configDir, 4, String(LATENCY));
      // Measured one at a time: each clone and each VM's tail without contention.
      const floor = serialisedCloneFloor(serial.events);
      const floorMs = floor.clonesMs + floor.tailMs;
      rows.push(
        [
          `(b) concurrency 1, latency ×${LATENCY} (run)`,
          seconds(serial.runMs),
          serial.calls.length,
        ],
        [
          `(b) concurrency 4, latency ×${LATENCY} (run)`,
          seconds(parallel.runMs),
          parallel.calls.length,
        ],
        [
          `(b) floor: ${VMS} clones in a row ${seconds(floor.clonesMs)} s + one VM after its clone ${seconds(floor.tailMs)} s`,
          seconds(floorMs),
          '',
        ],
      );
      const speedup = serial.runMs / parallel.runMs;
      const toFloor = parallel.runMs / floorMs;
      targets.push(
        {
          description: 'concurrency 4 is ≥ 2.5× faster than one at a time',
          actual: `${speedup.toFixed(2)}×`,
          met: speedup >= 2.5,
        },
        {
          description: 'concurrency 4 takes ≤ 1.15× the floor set by serialised clones',
          actual: `${toFloor.toFixed(2)}×`,
          met: toFloor <= 1.15,
        },
      );
      return {
        columns: ['measurement', 'seconds', 'host commands'],
        rows,
        targets,
        notes: [
          `(a) median of ${ROUNDS} alternating rounds; the script replays the simulator's call log of the Phoenix run (${reads} of ${commands} commands are reads)`,
          `(b) PVE_SIM_LATENCY=${LATENCY} (guest agent up ${15 * LATENCY} s and cloud-init done ${20 * LATENCY} s after start); times are the runner's run duration, without planning`,
        ],
      };
    } finally {
      rmSync(configDir, { recursive: true, force: true });
    }
  },
};
