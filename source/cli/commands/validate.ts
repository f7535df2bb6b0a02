import type { Command } from 'commander';
import { diagnosticsJson, displayFile, formatDiagnostic } from '../../config/format.js';
import { loadConfig } from '../../config/load.js';
import { ExitCode } from '../../util/exit-codes.js';
import { defaultConfigDir } from '../../util/paths.js';
import { printJson } from '../output.js';
import type { CommandContext } from './index.js';

/** `phoenix validate`: loads the config directory and reports every finding; exit 2 when invalid. */
export function registerValidate(program: Command, context: CommandContext): void {
  program
    .command('validate')
    .description(
      'check the config files: syntax, schema, IDs, names, networks, dependencies, features',
    )
    .option('--strict', 'unknown keys are errors, not warnings')
    .option('--json', 'print { valid, errors, warnings } as JSON')
    .action((options: { strict?: boolean; json?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<{ configDir?: string; json?: boolean }>();
      const configDir = global.configDir ?? defaultConfigDir();
      const result = loadConfig(configDir, { strict: options.strict ?? false });
      context.setExitCode(result.valid ? ExitCode.ok : ExitCode.invalidInput);
      if (options.json || global.json) {
        printJson(context.output, diagnosticsJson(result.diagnostics));
        return;
      }
      for (const diagnostic of result.diagnostics) {
        context.output.out(formatDiagnostic(diagnostic));
      }
      const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
      const warnings = result.diagnostics.length - errors;
      const where = displayFile(configDir);
      const count = `${result.spec.vms.length} VM${result.spec.vms.length === 1 ? '' : 's'}, ${result.spec.containers.length} container${result.spec.containers.length === 1 ? '' : 's'}`;
      if (result.valid) {
        context.output.out(
          `${where}: valid (${count}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''})`,
        );
      } else {
        context.output.out(
          `${where}: invalid — ${errors} error${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`,
        );
      }
    });
}
