import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { formatDiagnostic } from '../config/format.js';
import type { Spec } from '../config/types.js';
import { defaultConfigDir } from '../util/paths.js';
import { UserError } from '../util/user-error.js';
import type { Output } from './output.js';

/** The config directory the user chose (`--config-dir`, PHOENIX_CONFIG_DIR, ./etc, install dir). */
export function configDirOf(command: Command): string {
  return command.optsWithGlobals<{ configDir?: string }>().configDir ?? defaultConfigDir();
}

/**
 * Loads and validates the config for a command that acts on it. Warnings are printed to stderr;
 * errors stop the command (exit 2) with every finding listed, as `phoenix validate` shows them.
 */
export function loadSpecOrFail(
  command: Command,
  output: Output,
  options: { quiet?: boolean } = {},
): Spec {
  const dir = configDirOf(command);
  const result = loadConfig(dir);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (!options.quiet) {
    for (const warning of result.diagnostics.filter((d) => d.severity === 'warning'))
      output.err(formatDiagnostic(warning));
  }
  if (errors.length > 0) {
    for (const error of errors) output.err(formatDiagnostic(error));
    throw new UserError(
      `the config in ${dir} has ${errors.length} error${errors.length === 1 ? '' : 's'}`,
      {
        hint: 'fix them and run phoenix validate',
      },
    );
  }
  return result.spec;
}
