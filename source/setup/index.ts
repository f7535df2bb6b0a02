/**
 * The `phoenix setup` engine, for the CLI and the TUI (no React, no terminal I/O here):
 *
 *   const env = setupEnv();                                  // root, scripts, state dir
 *   const report = await runPreflight(env);                  // read-only facts, fine/needs-setup/problem
 *   suggestedSteps(report);                                  // [] when the host looks set up
 *   saveAnswers(configDir, answers);                         // into phoenix_hypervisor_config.json
 *   const checks = await planSetup({ env, hypervisor, steps, consent });   // files, commands, wipes
 *   unconfirmedWipes(checks, consent);                       // disks still needing their typed by-id name
 *   const outcome = await runSetup({ env, hypervisor, steps, consent, listeners, signal });
 *   await undoStep({ env, hypervisor, step, listeners });    // files back byte for byte, created things removed
 *
 * Runs go through the pipeline runner: the listeners get the same RunEvents as provisioning
 * (task "hypervisor/setup", one step per setup step), so the pipeline view and the run store
 * (RunRecorder) show them unchanged.
 */
export { SETUP_STEPS, isStepId, stepInfo } from './steps.js';
export { setupEnv, type SetupEnv } from './environment.js';
export { runPreflight, suggestedSteps } from './preflight.js';
export { answerEdits, saveAnswers, savedSteps, type SetupAnswers } from './answers.js';
export {
  answersFromChoices,
  defaultLayout,
  isLayout,
  lanOf,
  LAYOUT_MIN_DISKS,
  type PoolLayout,
  type SetupChoices,
} from './choices.js';
export {
  orderSteps,
  planSetup,
  runSetup,
  undoStep,
  unconfirmedWipes,
  SETUP_TASK_ID,
  type PlanOptions,
  type SetupRunOptions,
  type UndoOptions,
} from './run.js';
export { listEntries } from './journal.js';
export { loadHypervisorConfig } from './hypervisor-config.js';
export { readResume, rebootedSince, type ResumeState } from './resume.js';
export { StepExit } from './script.js';
export { hashPassword } from '../host/host-scripts.js';
export * from './types.js';
