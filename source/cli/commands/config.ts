import type { Command } from 'commander';
import { displayFile, formatDiagnostic } from '../../config/format.js';
import { migrateConfig } from '../../config/migrate.js';
import { ExitCode } from '../../util/exit-codes.js';
import { defaultConfigDir } from '../../util/paths.js';
import { printJson } from '../output.js';
import type { CommandContext } from './index.js';

/** `phoenix config migrate`: rewrites the config files in canonical form (atomic, FILE.bak kept). */
export function registerConfig(program: Command, context: CommandContext): void {
  const config = program.command('config').description('work with the config files');
  config
    .command('migrate')
    .description(
      'rewrite the config files in canonical form (seed 001 key names, VMs in phoenix_vm_configs.json); keeps FILE.bak',
    )
    .option('--dry-run', 'only list the files that would change')
    .option('--json', 'print the result as JSON')
    .action((options: { dryRun?: boolean; json?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<{ configDir?: string }>();
      const configDir = global.configDir ?? defaultConfigDir();
      const result = migrateConfig(configDir, { dryRun: options.dryRun ?? false });
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      context.setExitCode(errors.length ? ExitCode.invalidInput : ExitCode.ok);
      if (options.json) {
        printJson(context.output, { changes: result.changes, valid: errors.length === 0, errors });
        return;
      }
      const verb = options.dryRun ? 'would be ' : '';
      for (const change of result.changes) {
        const note =
          change.action === 'rewritten' && !options.dryRun
            ? ` (previous version: ${displayFile(change.file)}.bak)`
            : '';
        context.output.out(
          `${displayFile(change.file)}: ${change.action === 'unchanged' ? 'already canonical' : `${verb}${change.action}`}${note}`,
        );
      }
      if (result.changes.length === 0)
        context.output.out(`${displayFile(configDir)}: no config files to migrate`);
      if (errors.length) {
        context.output.out(
          `The config still has ${errors.length} error${errors.length === 1 ? '' : 's'} migration cannot fix:`,
        );
        for (const error of errors) context.output.out(formatDiagnostic(error));
      }
    });
}
