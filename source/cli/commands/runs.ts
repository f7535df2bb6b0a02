import type { Command } from 'commander';
import { listRuns, readRun, runsDir } from '../../runs/store.js';
import { plainReporter } from '../reporters/plain-reporter.js';
import { glyphs, wantsAscii, formatDuration } from '../../util/terminal.js';
import { UserError } from '../../util/user-error.js';
import { printJson } from '../output.js';
import type { CommandContext } from './index.js';

/** `phoenix runs` lists past runs; `phoenix runs show ID` replays one run's report. */
export function registerRuns(program: Command, context: CommandContext): void {
  const runs = program
    .command('runs')
    .description('list past provisioning runs (newest first)')
    .option('--json', 'machine-readable output')
    .option('-n, --limit <count>', 'show at most this many runs', '20')
    .action((options: { json?: boolean; limit: string }) => {
      const limit = Number.parseInt(options.limit, 10);
      if (!Number.isInteger(limit) || limit < 1)
        throw new UserError(`--limit must be a positive whole number, got "${options.limit}"`);
      const dir = runsDir();
      const listing = listRuns(dir).slice(0, limit);
      if (options.json) return printJson(context.output, listing);
      if (listing.length === 0) return context.output.out(`No runs yet (run store: ${dir}).`);
      for (const run of listing) {
        const took = run.ms === undefined ? '' : ` in ${formatDuration(run.ms)}`;
        context.output.out(
          `${run.id}  ${run.status.padEnd(11)} ${run.startedAt.slice(0, 19).replace('T', ' ')}  ${run.title}${took}`,
        );
      }
    });

  runs
    .command('show <id>')
    .description('show one run: every step, its duration, failures with their logs')
    .option('--json', 'the raw events, one JSON object per line')
    .option('-v, --verbose', 'include every log line and command')
    .action((id: string, options: { json?: boolean; verbose?: boolean }, command: Command) => {
      const dir = runsDir();
      const events = readRun(dir, id) ?? readRun(dir, findByPrefix(dir, id));
      if (!events)
        throw new UserError(`no run "${id}" in ${dir}`, {
          hint: 'phoenix runs lists the runs there are',
        });
      if (options.json) {
        for (const event of events) context.output.out(JSON.stringify(event));
        return;
      }
      const global = command.optsWithGlobals<{ ascii?: boolean }>();
      const report = plainReporter({
        write: (line) => context.output.out(line),
        glyphs: glyphs(wantsAscii(process.env, global.ascii)),
        verbose: options.verbose ?? false,
      });
      for (const event of events) report(event);
      if (events.at(-1)?.type !== 'run-finished')
        context.output.out('(the run has not finished: still running, or its process was killed)');
    });
}

/** Lets users type a unique prefix of a run id, like git. */
function findByPrefix(dir: string, prefix: string): string {
  const matches = listRuns(dir).filter((run) => run.id.startsWith(prefix));
  if (matches.length > 1)
    throw new UserError(`"${prefix}" matches ${matches.length} runs`, {
      hint: 'type more of the run id',
    });
  return matches[0]?.id ?? prefix;
}
