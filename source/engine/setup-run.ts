// A host setup as a run the pipeline view shows: the setup engine's runner events go to the run
// store and to a LiveRun, where the host is "guest" 0 and each setup step is one of its steps.
import { newRunId } from '../runner/runner.js';
import type { RunEvent as RunnerEvent } from '../runner/types.js';
import { RunRecorder } from '../runs/store.js';
import { orderSteps, runSetup, SETUP_TASK_ID, stepInfo } from '../setup/index.js';
import { UserError } from '../util/user-error.js';
import { LiveRun } from './live-run.js';
import { assertCanApplySetup, readHypervisor } from './setup-wizard.js';
import { HOST_RUN_GUEST, type SetupDraft } from './types.js';

export interface SetupRunOptions {
  configDir: string;
  processEnv: NodeJS.ProcessEnv;
  runsDir: string;
  draft: SetupDraft;
}

/** Starts the setup; `done` settles once the run has ended (or waits on a failure). */
export function startSetupRun(options: SetupRunOptions): { run: LiveRun; done: Promise<void> } {
  const steps = orderSteps(options.draft.choices.steps);
  const runId = newRunId();
  const run = new LiveRun(runId, `setup ${steps.join(', ')}`, [HOST_RUN_GUEST]);
  const outline = {
    id: SETUP_TASK_ID,
    title: 'host setup',
    steps: steps.map((id) => ({ key: id, title: stepInfo(id).title })),
  };
  run.addTasks([outline]);
  const recorder = new RunRecorder(options.runsDir, runId);
  const controller = new AbortController();
  const forward = (event: RunnerEvent) => {
    recorder.listener(event);
    // A retry starts the steps afresh (each checks the host again; what is in place is skipped).
    if (event.type === 'run-started') run.addTasks(event.tasks);
    run.onRunnerEvent(event);
  };
  /** A failure before the first step ran (not root, another setup holds the lock, a bad config). */
  const failedToStart = (error: unknown) =>
    forward({
      type: 'step-finished',
      runId,
      at: new Date().toISOString(),
      taskId: SETUP_TASK_ID,
      stepKey: steps[0] ?? 'setup',
      status: 'failed',
      ms: 0,
      failure: {
        message: error instanceof Error ? error.message : String(error),
        logTail: [],
        ...(error instanceof UserError && error.hint ? { hint: error.hint } : {}),
      },
    });
  const execute = async () => {
    const env = assertCanApplySetup(options.processEnv);
    await runSetup({
      env,
      hypervisor: readHypervisor(options.configDir),
      steps,
      consent: options.draft.consent,
      runId,
      listeners: [forward],
      signal: controller.signal,
    });
  };
  run.attach({
    retry: () => execute().catch(failedToStart),
    // Setup creates no guest; `phoenix setup --undo STEP` reverts a step.
    destroy: async () => undefined,
    abort: () => controller.abort(new Error('interrupted')),
  });
  const done = execute()
    .catch(failedToStart)
    .finally(async () => {
      run.settle(controller.signal.aborted);
      await recorder.close();
    });
  return { run, done };
}
