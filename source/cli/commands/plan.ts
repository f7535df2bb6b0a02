import type { Command } from 'commander';
import { createHost } from '../../host/index.js';
import { buildPlan } from '../../plan/planner.js';
import { ExitCode } from '../../util/exit-codes.js';
import { glyphs, wantsAscii } from '../../util/terminal.js';
import { loadSpecOrFail } from '../load-spec.js';
import { printJson } from '../output.js';
import { formatPlan, planJson } from '../plan-format.js';
import { parseIds } from '../ids.js';
import type { CommandContext } from './index.js';

/** `phoenix plan [ID...] [--json]`: what apply would do, command by command. Reads only. */
export function registerPlan(program: Command, context: CommandContext): void {
  program
    .command('plan [ids...]')
    .description(
      'show what apply would do: per guest the steps and the exact commands (changes nothing)',
    )
    .option('--json', 'machine-readable plan')
    .action(async (ids: string[], options: { json?: boolean }, command: Command) => {
      const spec = loadSpecOrFail(command, context.output, { quiet: options.json ?? false });
      const requested = parseIds(ids);
      const { plan } = await buildPlan({
        spec,
        host: createHost(),
        ...(requested.length > 0 ? { ids: requested } : {}),
      });
      if (options.json) printJson(context.output, planJson(plan));
      else {
        const ascii = wantsAscii(process.env, command.optsWithGlobals<{ ascii?: boolean }>().ascii);
        for (const line of formatPlan(plan, glyphs(ascii))) context.output.out(line);
      }
      if (plan.guests.some((guest) => guest.action === 'blocked'))
        context.setExitCode(ExitCode.invalidInput);
    });
}
