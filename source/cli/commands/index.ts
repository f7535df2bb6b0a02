import type { Command } from 'commander';
import type { Output } from '../output.js';
import type { ExitCodeValue } from '../../util/exit-codes.js';
import { registerRuns } from './runs.js';
import { registerList } from './list.js';
import { registerPlan } from './plan.js';
import { registerApply } from './apply.js';
import { registerTemplate } from './template.js';
import { registerLifecycle } from './lifecycle.js';
import { registerValidate } from './validate.js';
import { registerConfig } from './config.js';
import { registerFeatures } from './features.js';
import { registerSim } from './sim.js';
import { registerDemo } from './demo.js';
import { registerSetup } from './setup.js';
import { registerDoctor } from './doctor.js';
import { registerCompletion } from './completion.js';

/** What a command gets besides its arguments. */
export interface CommandContext {
  output: Output;
  /** A command's result; the last call wins. Defaults to 0. */
  setExitCode(code: ExitCodeValue): void;
}

/** A command module adds its subcommand(s) to the program. */
export type RegisterCommand = (program: Command, context: CommandContext) => void;

/** Every command, in the order `phoenix --help` lists them. */
export const commands: RegisterCommand[] = [
  registerList,
  registerPlan,
  registerApply,
  registerTemplate,
  registerLifecycle,
  registerRuns,
  registerValidate,
  registerConfig,
  registerFeatures,
  registerSetup,
  registerDemo,
  registerSim,
  registerDoctor,
  registerCompletion,
];
