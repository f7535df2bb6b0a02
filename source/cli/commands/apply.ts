import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { writeBackVmId } from '../../config/writer.js';
import type { Spec } from '../../config/types.js';
import { createHost, type Host } from '../../host/index.js';
import { buildPlan, taskId } from '../../plan/planner.js';
import { runTasks } from '../../runner/runner.js';
import type { RunEventListener } from '../../runner/types.js';
import { RunRecorder, runsDir } from '../../runs/store.js';
import { newRunId } from '../../runner/runner.js';
import { ExitCode } from '../../util/exit-codes.js';
import { glyphs, wantsAscii } from '../../util/terminal.js';
import { UserError } from '../../util/user-error.js';
import { loadSpecOrFail } from '../load-spec.js';
import { printJson } from '../output.js';
import { formatPlan, planJson, summarise } from '../plan-format.js';
import { jsonReporter } from '../reporters/json-reporter.js';
import { plainReporter } from '../reporters/plain-reporter.js';
import { parseIds } from '../ids.js';
import { whileInterruptible } from '../interrupts.js';
import { specName } from '../../reconcile/reconcile.js';
import type { CommandContext } from './index.js';

export interface ApplyOptions {
  all?: boolean;
  yes?: boolean;
  concurrency: string;
  dryRun?: boolean;
  json?: boolean;
  verbose?: boolean;
  start?: boolean;
  name?: string[];
}

/** `phoenix apply` / `phoenix create`: plan, confirm, run, record. */
export function registerApply(program: Command, context: CommandContext): void {
  const common = (command: Command) =>
    command
      .option('-y, --yes', 'do not ask for confirmation (needed without a terminal)')
      .option('--concurrency <n>', 'guests provisioned at once', '4')
      .option('--dry-run', 'print the plan and run nothing')
      .option('--json', 'one JSON event per line instead of the report')
      .option('-v, --verbose', 'print every log line and command as it happens')
      .option('--start', 'afterwards start every guest of the config in boot order');

  common(
    program
      .command('apply [ids...]')
      .description('make the host match the config: create missing guests, fix drifted ones')
      .option('--all', 'every guest of the config'),
  ).action((ids: string[], options: ApplyOptions, command: Command) =>
    apply(ids, options, command, context),
  );

  common(
    program
      .command('create [ids...]')
      .description('provision the given guests and what they need (clone sources, dependencies)')
      .option('--name <name...>', "guests by name (the seeds' --create-vm NAME)"),
  ).action((ids: string[], options: ApplyOptions, command: Command) =>
    apply(ids, options, command, context),
  );
}

export async function apply(
  words: string[],
  options: ApplyOptions,
  command: Command,
  context: CommandContext,
): Promise<void> {
  const { output } = context;
  const spec = loadSpecOrFail(command, output, { quiet: options.json ?? false });
  const ids = [...parseIds(words), ...idsByName(spec, options.name ?? [])];
  if (ids.length === 0 && !options.all) {
    throw new UserError('name the guests to apply, or use --all', {
      hint: 'phoenix apply 1000 1001, or phoenix apply --all',
    });
  }
  const concurrency = Number.parseInt(options.concurrency, 10);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UserError(`--concurrency must be a whole number ≥ 1, got "${options.concurrency}"`);

  const host = createHost();
  const built = await buildPlan({ spec, host, ...(ids.length > 0 ? { ids } : {}) });
  const ascii = wantsAscii(process.env, command.optsWithGlobals<{ ascii?: boolean }>().ascii);
  const blocked = built.plan.guests.some((guest) => guest.action === 'blocked');
  if (options.json) {
    if (options.dryRun) printJson(output, planJson(built.plan));
  } else {
    for (const line of formatPlan(built.plan, glyphs(ascii))) output.out(line);
  }
  if (options.dryRun) return context.setExitCode(blocked ? ExitCode.invalidInput : ExitCode.ok);
  if (built.tasks.length === 0) {
    if (!options.json)
      output.out(
        blocked
          ? 'Nothing can be done until the problems above are fixed.'
          : 'Nothing to do: the host matches the config.',
      );
    if (options.start) await startInBootOrder(spec, host, output.out);
    return context.setExitCode(blocked ? ExitCode.invalidInput : ExitCode.ok);
  }
  if (!options.yes) await confirm(summarise(built.plan));

  const runId = newRunId();
  // Guests this run created (their clone/create step changed something): what "destroy" may remove.
  const created = new Set<string>();
  const failed = new Set<string>();
  const track: RunEventListener = (event) => {
    if (event.type !== 'step-finished') return;
    if ((event.stepKey === 'clone' || event.stepKey === 'create') && event.status === 'changed')
      created.add(event.taskId);
    if (event.status === 'failed') failed.add(event.taskId);
  };
  const recorder = new RunRecorder(runsDir(), runId);
  const listeners: RunEventListener[] = [
    recorder.listener,
    track,
    options.json
      ? jsonReporter((line) => output.out(line))
      : plainReporter({
          write: (line) => output.out(line),
          glyphs: glyphs(ascii),
          verbose: options.verbose ?? false,
        }),
  ];
  let summary;
  try {
    summary = await whileInterruptible((signal) =>
      runTasks(built.tasks, {
        title: `apply ${ids.length > 0 ? ids.join(' ') : 'all'}`,
        runId,
        concurrency,
        signal,
        listeners,
      }),
    );
  } finally {
    await recorder.close();
  }

  // VMs the config declared without an ID keep the one they were created with.
  for (const [name, id] of built.assignedIds) {
    if (summary.tasks[taskId(id)] !== 'succeeded') continue;
    const vm = spec.vms.find(
      (candidate) => candidate.vm_name === name && candidate.vm_id === undefined,
    );
    if (vm) {
      writeBackVmId(vm.origin, name, id);
      if (!options.json) output.out(`Wrote vm_id ${id} for ${name} into ${vm.origin.file}.`);
    }
  }
  if (!options.json) {
    output.out(`Run ${runId} is recorded: phoenix runs show ${runId}`);
    if (summary.status !== 'succeeded')
      for (const line of whatNow([...failed], [...created], summary.status)) output.out(line);
  }
  if (summary.status === 'succeeded' && options.start)
    await startInBootOrder(spec, host, output.out);
  context.setExitCode(
    summary.status === 'succeeded'
      ? ExitCode.ok
      : summary.status === 'interrupted'
        ? ExitCode.interrupted
        : ExitCode.failed,
  );
}

/** After a failed or interrupted run: the user's options, as commands. */
function whatNow(failedTasks: string[], createdTasks: string[], status: string): string[] {
  const ids = (tasks: string[]) => tasks.map((task) => task.slice(task.indexOf('/') + 1));
  const again = ids(failedTasks).join(' ') || 'the same guests';
  const lines = ['What now:'];
  lines.push(
    `  retry or resume later: fix the cause, then \`phoenix apply ${again}\` continues where it ${status === 'interrupted' ? 'stopped' : 'failed'} (done steps are checked, not repeated)`,
  );
  const failedCreated = ids(createdTasks.filter((task) => failedTasks.includes(task)));
  if (failedCreated.length > 0) {
    lines.push(
      `  keep ${failedCreated.length === 1 ? 'it' : 'them'} to debug: nothing to do (console: qm terminal <id> / pct enter <id>)`,
    );
    lines.push(`  destroy what this run created: \`phoenix delete ${failedCreated.join(' ')}\``);
  }
  return lines;
}

function idsByName(spec: Spec, names: readonly string[]): number[] {
  return names.map((name) => {
    const guest = [...spec.vms, ...spec.containers].find(
      (candidate) => specName(candidate) === name,
    );
    const id = guest && (guest.kind === 'qemu' ? guest.vm_id : guest.ctid);
    if (!guest)
      throw new UserError(`no guest named "${name}" in the config`, {
        hint: 'phoenix list shows the guests',
      });
    if (id === undefined)
      throw new UserError(`"${name}" has no ID yet`, {
        hint: 'run phoenix apply --all, which assigns one and writes it back',
      });
    return id;
  });
}

async function confirm(question: string): Promise<void> {
  if (!process.stdin.isTTY) {
    throw new UserError('apply changes the host and there is no terminal to confirm on', {
      hint: 'add --yes to apply without asking',
    });
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`${question} Apply? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim()))
      throw new UserError('nothing applied', { exitCode: ExitCode.ok });
  } finally {
    prompt.close();
  }
}

/** `--start` (the seeds' --LetsGo): every non-template guest of the config, in boot order. */
async function startInBootOrder(
  spec: Spec,
  host: Host,
  write: (line: string) => void,
): Promise<void> {
  const inventory = await host.inventory();
  const guests = [...spec.vms, ...spec.containers]
    .filter((guest) => !guest.is_template)
    .sort((a, b) => (a.boot_order ?? 999) - (b.boot_order ?? 999));
  for (const guest of guests) {
    const live = inventory.get(guest.kind === 'qemu' ? (guest.vm_id ?? -1) : guest.ctid);
    if (!live || live.status === 'running') continue;
    await host.start({ id: live.id, type: live.type, node: live.node });
    write(`started ${live.type === 'qemu' ? 'VM' : 'CT'} ${live.id} ${live.name}`);
  }
}
