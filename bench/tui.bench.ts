// The TUI as shipped (the bundle in a pseudo-terminal, xterm-headless playing its output) on the
// live engine against a simulated host with 1000 guests:
// - time to the first full frame / (bare start of the bundle + one `pvesh get /cluster/resources`)
// - bytes written per second while idle and while one spinner turns (they cost money over SSH)
// - resident memory with 1000 guests and a run whose feature printed 100,000 log lines
// - a feature printing 10,000 lines a second: every line in the run store, keys still answered
// The feature scripts are benchmark-only: they live in a copy of the asset folder (bundle +
// features/ + schemas/), never in the repository's features/.
import { execa } from 'execa';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPty, type PtySession } from '../test/e2e/pty.js';
import { createSimHost, repoRoot } from './sim.js';
import type { Bench, BenchReport } from './types.js';

const GUESTS = 1000;
const ROUNDS = 5;
const IDLE_WINDOW_MS = 15_000;
const SPINNER_WINDOW_MS = 5_000;
const FLOOD_LINES = 100_000;
/** bench_rate prints this many lines, 1000 every 100 ms. */
const RATE_LINES = 100_000;
const KEY_ROUNDS = 6;
const RUN_TIMEOUT_MS = 180_000;

/**
 * Benchmark-only features (features/<kind>/<name>.sh in the asset copy). bench_rate runs in a VM:
 * a VM's feature log is polled through the guest agent, so its lines arrive up to 2 s (20,000
 * lines) at a time; a container's output streams in as the script prints it (the flood).
 */
const features: Record<string, string> = {
  bench_sleep:
    'one line, then 20 s of silence (a step whose spinner turns)\necho "sleeping"\nsleep 20',
  bench_flood: `${FLOOD_LINES} lines as fast as they come\nseq -f 'flood line %.0f' 1 ${FLOOD_LINES}`,
  bench_rate: `10,000 lines a second for ${RATE_LINES / 10_000} s, numbered\nfor ((i = 0; i < ${RATE_LINES / 1000}; i++)); do\n  seq -f 'rate line %.0f' $((i * 1000 + 1)) $((i * 1000 + 1000))\n  sleep 0.1\ndone`,
};
/** One guest per feature: containers from the Debian 12 template, the VM cloned from 9000. */
const guests: Record<string, { id: number; name: string; kind: 'lxc' | 'vm' }> = {
  bench_sleep: { id: 2001, name: 'bench-sleep', kind: 'lxc' },
  bench_flood: { id: 2002, name: 'bench-flood', kind: 'lxc' },
  bench_rate: { id: 2003, name: 'bench-rate', kind: 'vm' },
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A copy of what the bundle finds beside itself (dist/, schemas/, features/) plus a config. */
function assetCopy(): { root: string; script: string; configDir: string; runsDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'phoenix-tui-bench-'));
  mkdirSync(join(root, 'dist'));
  for (const file of ['cli.js', 'phoenix.js'])
    cpSync(join(repoRoot, 'dist', file), join(root, 'dist', file));
  for (const dir of ['schemas', 'templates'])
    symlinkSync(join(repoRoot, dir), join(root, dir), 'dir');
  cpSync(join(repoRoot, 'features'), join(root, 'features'), { recursive: true });
  for (const [name, body] of Object.entries(features)) {
    const [summary, ...script] = body.split('\n');
    writeFileSync(
      join(root, 'features', guests[name]!.kind, `${name}.sh`),
      `#!/usr/bin/env bash\n# Feature: ${name} — benchmark: ${summary}\nset -euo pipefail\n${script.join('\n')}\n`,
      { mode: 0o755 },
    );
  }
  const configDir = join(root, 'etc');
  cpSync(join(repoRoot, 'etc'), configDir, { recursive: true });
  const lxcFile = join(configDir, 'phoenix_lxc_configs.json');
  const lxc = JSON.parse(readFileSync(lxcFile, 'utf8')) as {
    lxc_configs: Record<string, unknown>;
  };
  for (const [feature, guest] of Object.entries(guests)) {
    if (guest.kind !== 'lxc') continue;
    lxc.lxc_configs[String(guest.id)] = {
      name: guest.name,
      template: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
      // 1000 seeded guests overcommit local-lvm; the bench's own storage has room.
      storage_pool: 'bench',
      network_config: { ip: 'dhcp' },
      features: [feature],
    };
  }
  writeFileSync(lxcFile, `${JSON.stringify(lxc, null, 2)}\n`);
  const vmFile = join(configDir, 'phoenix_vm_configs.json');
  const vm = JSON.parse(readFileSync(vmFile, 'utf8')) as { virtual_machines: unknown[] };
  for (const [feature, guest] of Object.entries(guests)) {
    if (guest.kind !== 'vm') continue;
    vm.virtual_machines.push({
      vm_id: guest.id,
      vm_name: guest.name,
      clone_from_vmid: 9000,
      boot_disk_storage: 'bench',
      network_config: { ip: '10.0.0.203/24' },
      features: [feature],
    });
  }
  writeFileSync(vmFile, `${JSON.stringify(vm, null, 2)}\n`);
  return {
    root,
    script: join(root, 'dist', 'cli.js'),
    configDir,
    runsDir: join(root, 'runs'),
  };
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}

function rssMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** The log lines of one run's store file that match `pattern`, with their numbers. */
function storedNumbers(runsDir: string, title: string, pattern: RegExp): number[] {
  for (const file of readdirSync(runsDir).sort().reverse()) {
    const text = readFileSync(join(runsDir, file), 'utf8');
    if (!text.includes(`"title":"${title}"`)) continue;
    const numbers: number[] = [];
    for (const line of text.split('\n')) {
      if (!line.includes('"type":"log"')) continue;
      const match = pattern.exec((JSON.parse(line) as { line: string }).line);
      if (match) numbers.push(Number(match[1]));
    }
    return numbers;
  }
  throw new Error(`no run "${title}" in ${runsDir}`);
}

/** When each log line of a run was recorded (ms since the epoch). */
function logTimes(runsDir: string, title: string): number[] {
  for (const file of readdirSync(runsDir)) {
    const text = readFileSync(join(runsDir, file), 'utf8');
    if (!text.includes(`"title":"${title}"`)) continue;
    return text
      .split('\n')
      .filter((line) => line.includes('"type":"log"'))
      .map((line) => Date.parse((JSON.parse(line) as { at: string }).at));
  }
  return [];
}

/** Whether the run's store file ends with its run-finished event. */
function runRecorded(runsDir: string, title: string): boolean {
  for (const file of readdirSync(runsDir)) {
    const text = readFileSync(join(runsDir, file), 'utf8');
    if (text.includes(`"title":"${title}"`))
      return text.trimEnd().endsWith('}') && /"type":"run-finished"[^\n]*\n?$/.test(text);
  }
  return false;
}

const inOrder = (numbers: number[], count: number): boolean =>
  numbers.length === count && numbers.every((n, i) => n === i + 1);

/** Filters the table to one guest and applies it; resolves once the pipeline view shows it. */
async function apply(tui: PtySession, name: string): Promise<void> {
  // Esc leaves the pipeline view, a second Esc clears the table's filter.
  tui.write('\x1b');
  await tui.waitFor(/^Phoenix machines/);
  tui.write('\x1b');
  await tui.waitFor(/\n1\/\d{4}\s*\n/);
  for (const key of `/${name}`) {
    tui.write(key);
    await pause(30);
  }
  await tui.waitFor(`/${name}_`);
  tui.write('\r');
  await tui.waitFor(new RegExp(`\\n1/1 {2}filter: ${name}`));
  tui.write('a');
  await tui.waitFor(/Esc goes back; the run goes on/, 30_000);
}

export const bench: Bench = {
  title: 'TUI on the simulator (1000 guests)',
  async run(): Promise<BenchReport> {
    const sim = createSimHost({ guests: GUESTS });
    const assets = assetCopy();
    await execa(
      'pvesm',
      ['add', 'dir', 'bench', '--path', join(sim.dir, 'bench'), '--content', 'rootdir,images'],
      { env: sim.env },
    );
    const env = {
      ...sim.env,
      PHOENIX_CONFIG_DIR: assets.configDir,
      PHOENIX_RUNS_DIR: assets.runsDir,
      PHOENIX_FAKE_ENGINE: undefined,
      LANG: 'C.UTF-8',
    };
    const open = () => startPty({ cols: 100, rows: 30, env, script: assets.script });
    const firstFrame = /\n1\/\d{4}\s*\n/;
    const rows: BenchReport['rows'] = [];
    const targets: BenchReport['targets'] = [];
    const notes: string[] = [];
    try {
      // 1. First full frame vs a bare start plus the one host call it needs.
      const bareStart = () => execa(process.execPath, [assets.script, '--version'], { env });
      const pvesh = () =>
        execa('pvesh', ['get', '/cluster/resources', '--type', 'vm', '--output-format', 'json'], {
          env,
        });
      await bareStart();
      await pvesh();
      const bare: number[] = [];
      const frames: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        bare.push((await timed(bareStart)) + (await timed(pvesh)));
        const start = performance.now();
        const tui = open();
        try {
          await tui.waitFor(firstFrame, 60_000);
          frames.push(performance.now() - start);
          tui.write('q');
          await tui.exited();
        } finally {
          tui.kill();
        }
      }
      const ratio = median(frames) / median(bare);
      rows.push([
        'first full frame',
        `${median(frames).toFixed(0)} ms`,
        `bare start + pvesh ${median(bare).toFixed(0)} ms`,
        `${ratio.toFixed(2)}×`,
      ]);
      targets.push({
        description: 'first full frame / (bare start + one pvesh call) ≤ 2.5×',
        actual: `${ratio.toFixed(2)}×`,
        met: ratio <= 2.5,
      });

      const tui = open();
      try {
        await tui.waitFor(firstFrame, 60_000);
        // 2. Idle: the table on screen, auto-refresh every 5 s, nothing changing.
        await pause(1000);
        let mark = bytes(tui.raw());
        await pause(IDLE_WINDOW_MS);
        const idle = (bytes(tui.raw()) - mark) / (IDLE_WINDOW_MS / 1000);
        rows.push([
          'idle (table, auto-refresh)',
          `${idle.toFixed(0)} B/s`,
          `${IDLE_WINDOW_MS / 1000} s`,
          '',
        ]);
        targets.push({
          description: 'bytes written per second while idle ≤ 100 B/s',
          actual: `${idle.toFixed(0)} B/s`,
          met: idle <= 100,
        });

        // 3. One spinner turning: a step that runs 20 s and prints nothing.
        await apply(tui, guests.bench_sleep!.name);
        // The running step: a spinner and whole seconds (a finished one shows "21.1s").
        const sleeping = / Feature bench_sleep \d+s\b/;
        await tui.waitFor(sleeping, RUN_TIMEOUT_MS);
        await pause(300);
        mark = bytes(tui.raw());
        await pause(SPINNER_WINDOW_MS);
        const spinning = (bytes(tui.raw()) - mark) / (SPINNER_WINDOW_MS / 1000);
        if (!sleeping.test(tui.screen())) notes.push('the spinner step ended inside the window');
        rows.push([
          'one spinner turning',
          `${spinning.toFixed(0)} B/s`,
          `${SPINNER_WINDOW_MS / 1000} s`,
          '',
        ]);
        targets.push({
          description: 'bytes written per second while one spinner turns ≤ 1 KiB/s',
          actual: `${spinning.toFixed(0)} B/s`,
          met: spinning <= 1024,
        });
        await tui.waitFor('Finished: succeeded', RUN_TIMEOUT_MS);

        // The same key round trip with nothing running: what the harness and ink's frame
        // throttle cost on their own.
        const idleAnswers: number[] = [];
        for (let round = 0; round < KEY_ROUNDS; round++) {
          idleAnswers.push(
            await timed(async () => {
              tui.write('?');
              await tui.waitFor(/help: lines 1-/);
            }),
          );
          idleAnswers.push(
            await timed(async () => {
              tui.write('?');
              await tui.waitFor(/log 2001 bench-sleep/);
            }),
          );
        }
        rows.push([
          'key answered, nothing running',
          `median ${median(idleAnswers).toFixed(0)} ms`,
          `max ${Math.max(...idleAnswers).toFixed(0)} ms over ${idleAnswers.length} keys`,
          '',
        ]);

        // 4. 10,000 lines a second: keys answered, every line in the run store.
        await apply(tui, guests.bench_rate!.name);
        const rating = / Feature bench_rate \d+s\b/;
        await tui.waitFor(rating, RUN_TIMEOUT_MS);
        // Keys go on for as long as the step runs: its lines arrive in chunks (a VM feature's log
        // is polled), and every chunk must be taken in between key presses.
        const answers: number[] = [];
        const roundsStart = Date.now();
        for (let round = 0; round < 200 && rating.test(await tui.waitFor(/log 2003/)); round++) {
          answers.push(
            await timed(async () => {
              tui.write('?');
              await tui.waitFor(/help: lines 1-/);
            }),
          );
          answers.push(
            await timed(async () => {
              tui.write('?');
              await tui.waitFor(/log 2003 bench-rate/);
            }),
          );
        }
        const roundsEnd = Date.now();
        await tui.waitFor('Finished: succeeded', RUN_TIMEOUT_MS);
        const rate = storedNumbers(assets.runsDir, 'apply 2003', /^rate line (\d+)$/);
        const lines = logTimes(assets.runsDir, 'apply 2003');
        const during = lines.filter((at) => at >= roundsStart && at <= roundsEnd).length;
        notes.push(
          `${answers.length} keys in ${((roundsEnd - roundsStart) / 1000).toFixed(1)} s while the 10k lines/s step ran; ${during} of its lines were logged meanwhile`,
        );
        const worst = Math.max(...answers);
        rows.push([
          'key answered during 10k lines/s',
          `median ${median(answers).toFixed(0)} ms`,
          `max ${worst.toFixed(0)} ms over ${answers.length} keys`,
          '',
        ]);
        rows.push(['lines in the run store (10k/s)', rate.length, `of ${RATE_LINES}`, '']);
        targets.push({
          description: 'a key press answered within 100 ms while a feature prints 10k lines/s',
          actual: `max ${worst.toFixed(0)} ms (median ${median(answers).toFixed(0)} ms)`,
          met: worst <= 100,
        });
        targets.push({
          description: 'no line lost in the run store at 10k lines/s',
          actual: `${rate.length}/${RATE_LINES}${inOrder(rate, RATE_LINES) ? ', in order' : ', NOT in order'}`,
          met: inOrder(rate, RATE_LINES),
        });

        // 5. Memory: 1000 guests and a run whose log has 100,000 lines.
        await apply(tui, guests.bench_flood!.name);
        await tui.waitFor('Finished: succeeded', RUN_TIMEOUT_MS);
        // The run counts as active until its 100k lines are on disk (q would ask first).
        while (!runRecorded(assets.runsDir, 'apply 2002')) await pause(100);
        const memory = rssMiB(tui.pid);
        const flood = storedNumbers(assets.runsDir, 'apply 2002', /^flood line (\d+)$/);
        rows.push([
          'memory, 1000 guests + 100k-line run',
          `RSS ${memory.rss.toFixed(0)} MiB`,
          `peak ${memory.peak.toFixed(0)} MiB`,
          '',
        ]);
        rows.push(['lines in the run store (flood)', flood.length, `of ${FLOOD_LINES}`, '']);
        targets.push({
          description: 'resident memory with 1000 guests and a 100,000-line run log ≤ 150 MB',
          actual: `${memory.rss.toFixed(0)} MiB now, ${memory.peak.toFixed(0)} MiB peak`,
          met: memory.peak * 1.048576 <= 150,
        });
        targets.push({
          description: 'no line lost in the run store (100k lines)',
          actual: `${flood.length}/${FLOOD_LINES}`,
          met: inOrder(flood, FLOOD_LINES),
        });
        tui.write('q');
        await tui.exited();
      } finally {
        tui.kill();
      }
    } finally {
      sim.remove();
      rmSync(assets.root, { recursive: true, force: true });
    }
    notes.push(
      `100×30 pty, PVE_SIM_LATENCY=0, median of ${ROUNDS} starts; key times include the harness's 25 ms screen polling`,
    );
    return { columns: ['measure', 'value', 'against', 'ratio'], rows, targets, notes };
  },
};
