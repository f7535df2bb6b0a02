import type { Command } from 'commander';
import { formatDiagnostic } from '../../config/format.js';
import type { HypervisorSpec } from '../../config/types.js';
import { newRunId } from '../../runner/runner.js';
import type { RunEventListener } from '../../runner/types.js';
import { RunRecorder, runsDir } from '../../runs/store.js';
import {
  isStepId,
  loadHypervisorConfig,
  planSetup,
  readResume,
  rebootedSince,
  runPreflight,
  runSetup,
  saveAnswers,
  savedSteps,
  setupEnv,
  SETUP_STEPS,
  undoStep,
  unconfirmedWipes,
  type PreflightReport,
  type SetupStepId,
  type StepCheck,
} from '../../setup/index.js';
import { ExitCode } from '../../util/exit-codes.js';
import { glyphs, wantsAscii, type Glyphs } from '../../util/terminal.js';
import { UserError } from '../../util/user-error.js';
import { configDirOf } from '../load-spec.js';
import { printJson, type Output } from '../output.js';
import { jsonReporter } from '../reporters/json-reporter.js';
import { plainReporter } from '../reporters/plain-reporter.js';
import { askSetupAnswers, askWipeConsent, SetupPrompter } from '../setup-prompts.js';
import type { CommandContext } from './index.js';

interface SetupOptions {
  yes?: boolean;
  preflight?: boolean;
  undo?: string;
  force?: boolean;
  steps?: string;
  wipe?: string[];
  json?: boolean;
  verbose?: boolean;
}

const stepList = SETUP_STEPS.map((step) => step.id).join(', ');

/** `phoenix setup` (the seeds' --setup-hypervisor): a fresh Proxmox VE host to a ready one. */
export function registerSetup(program: Command, context: CommandContext): void {
  program
    .command('setup')
    .description(
      'guided first-time host setup: preflight, then optional steps, journaled and undoable',
    )
    .option('-y, --yes', 'no questions: repeat the answers saved in phoenix_hypervisor_config.json')
    .option('--preflight', 'only report what the host has and needs (changes nothing)')
    .option('--undo <step>', `revert a step (${stepList})`)
    .option('--force', 'with --undo: restore files even when they changed since setup wrote them')
    .option('--steps <list>', `comma-separated steps to run (${stepList})`)
    .option(
      '--wipe <by-id...>',
      'allow wiping these disks that hold data (their /dev/disk/by-id names, typed in full)',
    )
    .option('--json', 'machine-readable: the preflight report and the plan, then one event a line')
    .option('-v, --verbose', 'print every log line and command as it happens')
    .action((options: SetupOptions, command: Command) => setup(options, command, context));
}

function loadHypervisor(configDir: string, output: Output, quiet: boolean): HypervisorSpec {
  const { hypervisor, diagnostics } = loadHypervisorConfig(configDir);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (!quiet)
    for (const warning of diagnostics.filter((d) => d.severity === 'warning'))
      output.err(formatDiagnostic(warning));
  if (errors.length > 0) {
    for (const error of errors) output.err(formatDiagnostic(error));
    throw new UserError(`the config in ${configDir} has ${errors.length} error(s)`, {
      hint: 'fix them and run phoenix validate',
    });
  }
  return hypervisor;
}

function parseSteps(list: string): SetupStepId[] {
  const words = list.split(/[\s,]+/).filter(Boolean);
  for (const word of words)
    if (!isStepId(word))
      throw new UserError(`unknown setup step "${word}"`, { hint: `the steps are: ${stepList}` });
  return words as SetupStepId[];
}

function printPreflight(report: PreflightReport, g: Glyphs, write: (line: string) => void): void {
  write('Preflight (read-only):');
  for (const item of report.items) {
    const mark = item.status === 'fine' ? g.ok : item.status === 'needs-setup' ? g.warn : g.fail;
    write(`  ${mark} ${item.title}: ${item.detail}`);
    if (item.fix && item.status !== 'fine') write(`      fix: ${item.fix}`);
  }
}

function printPlan(checks: readonly StepCheck[], g: Glyphs, write: (line: string) => void): void {
  write('');
  write('Plan (every file and command setup will touch):');
  for (const check of checks) {
    const title = SETUP_STEPS.find((step) => step.id === check.step)?.title ?? check.step;
    if (check.state === 'in-place') write(`  ${g.skip} ${title}: already in place`);
    else if (check.state === 'waiting-reboot')
      write(`  ${g.warn} ${title}: waiting for the host to reboot`);
    else if (check.state === 'problem')
      write(`  ${g.fail} ${title}: cannot run: ${check.message ?? 'check failed'}`);
    else write(`  ${g.arrow} ${title}:`);
    for (const file of check.files) write(`      file     ${file}`);
    for (const command of check.commands) write(`      command  ${command}`);
    for (const wipe of check.wipes) write(`      WIPE     ${wipe.disk} (holds ${wipe.holds})`);
    for (const note of check.notes) write(`      note     ${note}`);
  }
}

async function setup(options: SetupOptions, command: Command, context: CommandContext) {
  const { output } = context;
  const env = setupEnv();
  const g = glyphs(wantsAscii(process.env, command.optsWithGlobals<{ ascii?: boolean }>().ascii));
  const configDir = configDirOf(command);
  const json = options.json ?? false;
  const write = (line: string) => (json ? undefined : output.out(line));
  let hypervisor = loadHypervisor(configDir, output, json);
  const listeners = (recorder: RunRecorder): RunEventListener[] => [
    recorder.listener,
    json
      ? jsonReporter((line) => output.out(line))
      : plainReporter({
          write: (line) => output.out(line),
          glyphs: g,
          verbose: options.verbose ?? false,
        }),
  ];
  const exitFor = (status: string) =>
    status === 'succeeded'
      ? ExitCode.ok
      : status === 'interrupted'
        ? ExitCode.interrupted
        : ExitCode.failed;
  const controller = new AbortController();
  const interrupt = () => controller.abort(new Error('interrupted'));

  const mustBeRoot = () => {
    if (!env.root && process.getuid?.() !== 0)
      throw new UserError('phoenix setup changes the host and must run as root', {
        hint: 'run it as root on the Proxmox VE host (sudo phoenix setup); --preflight works without',
      });
  };

  if (options.undo !== undefined) {
    mustBeRoot();
    const [step] = parseSteps(options.undo);
    if (!step) throw new UserError('--undo needs a step', { hint: `the steps are: ${stepList}` });
    const runId = newRunId();
    const recorder = new RunRecorder(runsDir(), runId);
    process.once('SIGINT', interrupt);
    try {
      const result = await undoStep({
        env,
        hypervisor,
        step,
        runId,
        force: options.force ?? false,
        listeners: listeners(recorder),
        signal: controller.signal,
      });
      if (result.entries === 0)
        write(`Nothing to undo: phoenix setup has not changed anything in step ${step}.`);
      return context.setExitCode(exitFor(result.status));
    } finally {
      process.removeListener('SIGINT', interrupt);
      await recorder.close();
    }
  }

  const report = await runPreflight(env);
  if (json && options.preflight) return printJson(output, report);
  if (!json) printPreflight(report, g, write);
  if (options.preflight) return;

  const resume = readResume(env);
  if (resume) {
    write('');
    write(
      rebootedSince(env, resume)
        ? `Resuming after the reboot: setup stopped at "${resume.step}" (run ${resume.runId}).`
        : `Setup stopped at "${resume.step}" and waits for a reboot: reboot the host, then run phoenix setup again.`,
    );
  }

  mustBeRoot();
  const interactive = !options.yes && process.stdin.isTTY === true && !json;
  let steps: SetupStepId[] | undefined = options.steps ? parseSteps(options.steps) : undefined;
  let consent = (options.wipe ?? []).map((word) => word.replace(/^\/dev\/disk\/by-id\//, ''));
  const prompter = interactive ? new SetupPrompter() : undefined;
  try {
    if (prompter && !steps && resume && rebootedSince(env, resume)) {
      if (await prompter.yes(`Continue the interrupted setup (${resume.steps.join(', ')})?`, true))
        steps = resume.steps;
    }
    if (prompter && !steps) {
      const answers = await askSetupAnswers(prompter, env, hypervisor, report);
      const file = saveAnswers(configDir, answers);
      write(`Saved the answers to ${file} (phoenix setup --yes repeats them).`);
      hypervisor = loadHypervisor(configDir, output, true);
      steps = answers.steps;
    }
    steps ??= resume?.steps ?? savedSteps(hypervisor);
    if (!steps) {
      throw new UserError('no setup answers saved yet, and no terminal to ask on', {
        hint: 'run phoenix setup on a terminal once, or name the steps: phoenix setup --yes --steps repositories,base_packages',
      });
    }
    if (steps.length === 0) {
      write('No step chosen: nothing to do.');
      return;
    }

    const checks = await planSetup({ env, hypervisor, steps, consent });
    if (json) output.out(JSON.stringify({ type: 'setup-plan', preflight: report, plan: checks }));
    else printPlan(checks, g, write);
    if (prompter) {
      const missing = unconfirmedWipes(checks, consent);
      if (missing.length > 0) consent = [...consent, ...(await askWipeConsent(prompter, missing))];
      const todo = checks.filter((check) => check.state !== 'in-place');
      if (todo.length === 0) {
        write('');
        write('Everything chosen is already in place.');
      } else if (!(await prompter.yes(`Apply ${todo.length} step(s) now?`, false))) {
        throw new UserError('nothing applied (the answers stay saved)', { exitCode: ExitCode.ok });
      }
    } else if (!options.yes) {
      throw new UserError('setup changes the host and there is no terminal to confirm on', {
        hint: 'add --yes to apply the plan above without asking',
      });
    }
  } finally {
    prompter?.close();
  }

  const runId = newRunId();
  const recorder = new RunRecorder(runsDir(), runId);
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  let outcome;
  try {
    outcome = await runSetup({
      env,
      hypervisor,
      steps,
      consent,
      runId,
      listeners: listeners(recorder),
      signal: controller.signal,
    });
  } finally {
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
    await recorder.close();
  }
  if (!json) {
    output.out(`Run ${runId} is recorded: phoenix runs show ${runId}`);
    if (outcome.rebootRequired)
      output.out(
        `Reboot the host now, then run phoenix setup again (or phoenix setup --yes): it finishes "${outcome.rebootRequired}" and goes on.`,
      );
  }
  context.setExitCode(exitFor(outcome.status));
}
