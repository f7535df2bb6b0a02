import { mkdirSync } from 'node:fs';
import { newRunId, runTasks } from '../runner/runner.js';
import { StepError } from '../runner/step-error.js';
import type { RunEventListener, RunStep, RunTask, StepContext } from '../runner/types.js';
import type { HypervisorSpec } from '../config/types.js';
import type { SetupEnv } from './environment.js';
import {
  entryDir,
  finishEntry,
  listEntries,
  markUndone,
  recordsFile,
  restoreFiles,
  ChangedSinceError,
} from './journal.js';
import { acquireSetupLock } from './lock.js';
import { clearResume, currentBootId, writeResume } from './resume.js';
import {
  checkStep,
  hintForExit,
  removeScriptConfig,
  runStepScript,
  scriptError,
  StepExit,
  writeScriptConfig,
} from './script.js';
import { stepInfo } from './steps.js';
import { SETUP_STEP_IDS, type SetupOutcome, type SetupStepId, type StepCheck } from './types.js';

export const SETUP_TASK_ID = 'hypervisor/setup';

/** Steps in the order they run, whatever order they were chosen in. */
export function orderSteps(steps: readonly SetupStepId[]): SetupStepId[] {
  return SETUP_STEP_IDS.filter((id) => steps.includes(id));
}

export interface PlanOptions {
  env: SetupEnv;
  hypervisor: HypervisorSpec;
  steps: readonly SetupStepId[];
  consent?: readonly string[];
  signal?: AbortSignal;
}

/**
 * Read-only: every chosen step's check — the files and commands it would touch, the disks it
 * would wipe, its notes. This is what the confirm screen shows.
 */
export async function planSetup(options: PlanOptions): Promise<StepCheck[]> {
  const configFile = writeScriptConfig(options.env, options.hypervisor);
  try {
    const checks: StepCheck[] = [];
    for (const step of orderSteps(options.steps)) {
      checks.push(
        await checkStep({
          env: options.env,
          step,
          configFile,
          ...(options.consent ? { consent: options.consent } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        }),
      );
    }
    return checks;
  } finally {
    removeScriptConfig(configFile);
  }
}

/** Disks the plan would wipe that the user has not confirmed by typing their by-id name. */
export function unconfirmedWipes(checks: readonly StepCheck[], consent: readonly string[]) {
  return checks
    .flatMap((check) => check.wipes)
    .filter(
      (wipe) => !consent.some((word) => word === wipe.disk || word === wipe.disk.split('/').pop()),
    );
}

export interface SetupRunOptions extends PlanOptions {
  listeners: readonly RunEventListener[];
  runId?: string;
}

function forward(context: StepContext, step: SetupStepId) {
  const commandLine = new RegExp(`^\\[${step}\\] \\$ (.*)$`);
  return (line: string) => {
    const command = commandLine.exec(line);
    if (command) context.command(command[1]!.split(' '));
    else if (line.trim() !== '') context.log(line);
  };
}

function setupStep(
  options: SetupRunOptions,
  step: SetupStepId,
  runId: string,
  configFile: string,
  outcome: SetupOutcome,
  order: SetupStepId[],
): RunStep {
  const info = stepInfo(step);
  return {
    key: step,
    title: info.title,
    async run(context) {
      const { env } = options;
      const consent = options.consent ?? [];
      const check = await checkStep({ env, step, configFile, consent, signal: context.signal });
      for (const note of check.notes) context.log(note);
      if (check.state === 'in-place') return 'unchanged';
      if (check.state === 'waiting-reboot') {
        context.log('waiting for the host to reboot; run phoenix setup again afterwards');
        outcome.rebootRequired = step;
        return 'unchanged';
      }
      if (check.state === 'problem') {
        throw new StepError({
          message: `${info.title}: ${check.message ?? 'check failed'}`,
          ...(check.exitCode !== undefined ? { exitCode: check.exitCode } : {}),
          ...withHint(hintForExit(check.exitCode)),
        });
      }
      const journalDir = entryDir(env, step, runId);
      mkdirSync(journalDir, { recursive: true, mode: 0o700 });
      const log = forward(context, step);
      const result = await runStepScript({
        env,
        step,
        mode: 'apply',
        configFile,
        consent,
        journalDir,
        signal: context.signal,
        onLine: log,
      });
      finishEntry(env, step, runId, new Date().toISOString());
      if (result.exitCode === StepExit.rebootRequired) {
        outcome.rebootRequired = step;
        writeResume(env, {
          step,
          steps: order,
          runId,
          bootId: currentBootId(env),
          at: new Date().toISOString(),
        });
        context.log('reboot the host, then run phoenix setup again: it continues from here');
        outcome.changed.push(step);
        return 'changed';
      }
      if (result.exitCode !== StepExit.ok) {
        throw new StepError({
          message: `${info.title}: ${scriptError(result)}`,
          ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
          kind: result.timedOut ? 'timeout' : 'failed',
          ...withHint(hintForExit(result.exitCode)),
        });
      }
      outcome.changed.push(step);
      return 'changed';
    },
  };
}

function withHint(hint: string | undefined): { hint?: string } {
  return hint ? { hint } : {};
}

/**
 * Runs the chosen steps in order as one task of the pipeline runner (so the pipeline view and
 * the run store show them): each step checks, applies only when needed, and journals what it
 * changed. A step that needs a reboot ends the run with `rebootRequired` and a resume record.
 */
export async function runSetup(options: SetupRunOptions): Promise<SetupOutcome> {
  const runId = options.runId ?? newRunId();
  const order = orderSteps(options.steps);
  const outcome: SetupOutcome = { runId, status: 'succeeded', changed: [] };
  const release = acquireSetupLock(options.env);
  const configFile = writeScriptConfig(options.env, options.hypervisor);
  const task: RunTask = {
    id: SETUP_TASK_ID,
    title: 'host setup',
    dependsOn: [],
    steps: order.map((step) => setupStep(options, step, runId, configFile, outcome, order)),
  };
  try {
    const summary = await runTasks([task], {
      title: `phoenix setup: ${order.join(', ')}`,
      runId,
      concurrency: 1,
      listeners: options.listeners,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    outcome.status = summary.status;
  } finally {
    removeScriptConfig(configFile);
    release();
  }
  if (outcome.status === 'succeeded' && !outcome.rebootRequired) clearResume(options.env);
  return outcome;
}

export interface UndoOptions {
  env: SetupEnv;
  hypervisor: HypervisorSpec;
  step: SetupStepId;
  listeners: readonly RunEventListener[];
  /** Restore files even when they changed since setup wrote them. */
  force?: boolean;
  signal?: AbortSignal;
  runId?: string;
}

/**
 * Reverts a step: every applied journal entry, newest first — files back byte for byte, then
 * the step script's undo mode removes what the step created (and only that).
 */
export async function undoStep(
  options: UndoOptions,
): Promise<{ runId: string; status: SetupOutcome['status']; entries: number }> {
  const runId = options.runId ?? newRunId();
  const entries = listEntries(options.env, options.step)
    .filter((entry) => entry.status === 'applied')
    .reverse();
  const info = stepInfo(options.step);
  const release = acquireSetupLock(options.env);
  const configFile = writeScriptConfig(options.env, options.hypervisor);
  const task: RunTask = {
    id: `hypervisor/undo-${options.step}`,
    title: `undo ${info.title}`,
    dependsOn: [],
    steps: entries.map((entry): RunStep => ({
      key: entry.runId,
      title: `${info.title} (run ${entry.runId})`,
      async run(context) {
        let restored: string[];
        try {
          restored = restoreFiles(options.env, entry, options.force ?? false);
        } catch (error) {
          if (error instanceof ChangedSinceError) {
            throw new StepError({
              message: `not undone: ${error.message}`,
              hint: 'look at the changes first; phoenix setup --undo STEP --force restores the files anyway',
            });
          }
          throw error;
        }
        for (const path of restored) context.log(`restored ${path}`);
        const result = await runStepScript({
          env: options.env,
          step: options.step,
          mode: 'undo',
          configFile,
          undoRecords: recordsFile(options.env, entry),
          signal: context.signal,
          onLine: forward(context, options.step),
        });
        if (result.exitCode !== 0) {
          throw new StepError({
            message: `${info.title}: undo failed: ${scriptError(result)}`,
            ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
          });
        }
        markUndone(options.env, entry, new Date().toISOString());
        return 'changed';
      },
    })),
  };
  try {
    const summary = await runTasks([task], {
      title: `phoenix setup --undo ${options.step}`,
      runId,
      concurrency: 1,
      listeners: options.listeners,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { runId, status: summary.status, entries: entries.length };
  } finally {
    removeScriptConfig(configFile);
    release();
  }
}
