// Plumbing shared by the tool dispatchers: subcommand tables, usage, tasks.
import type { Ctx } from './context.js';
import { ParamError, SimError } from './errors.js';
import {
  parseArgs,
  resolveCommand,
  usageLine,
  withUsage,
  type CommandSpec,
  type ParsedArgs,
} from './getopt.js';

export interface SubCommand {
  spec: CommandSpec;
  run(ctx: Ctx, args: ParsedArgs): number | void;
}

export type CommandTable = Record<string, SubCommand | Record<string, SubCommand>>;

/** Dispatches `tool <cmd> [<sub>] args...` like PVE::CLIHandler. */
export function dispatch(ctx: Ctx, table: CommandTable, allNames: string[]): number {
  const [word, ...rest] = ctx.args;
  const unknown = (what: string) => {
    ctx.err(
      `ERROR: unknown command '${ctx.tool} ${what}'\nUSAGE: ${ctx.tool} <COMMAND> [ARGS] [OPTIONS]\n\n`,
    );
    for (const name of allNames) ctx.err(`       ${ctx.tool} ${name}\n`);
    return 255;
  };
  const usage = (to: (text: string) => void) => {
    to(`USAGE: ${ctx.tool} <COMMAND> [ARGS] [OPTIONS]\n\n`);
    for (const name of allNames) to(`       ${ctx.tool} ${name}\n`);
  };
  if (word === undefined) {
    ctx.err('ERROR: no command specified\n');
    usage(ctx.err);
    return 255;
  }
  const name = resolveCommand(word, allNames);
  if (name === 'help') {
    usage(ctx.out);
    return 0;
  }
  if (!name) return unknown(word);
  const entry = table[name];
  if (!entry) throw new SimError(`${ctx.tool} ${name}: not supported by the Proxmox simulator`);
  let command: SubCommand;
  let args = rest;
  if ('spec' in entry && 'run' in entry) command = entry as SubCommand;
  else {
    const group = entry as Record<string, SubCommand>;
    const [subword, ...subrest] = rest;
    const sub = subword === undefined ? undefined : resolveCommand(subword, Object.keys(group));
    if (!sub) return unknown(`${name} ${subword ?? ''}`.trim());
    command = group[sub]!;
    args = subrest;
  }
  const parsed = parseArgs(command.spec, args);
  return command.run(ctx, parsed) ?? 0;
}

export function paramError(spec: CommandSpec, errors: Record<string, string>): ParamError {
  return withUsage(new ParamError(errors), usageLine(spec));
}

/**
 * A worker task run in the foreground. Commands wired to upid_exit exit 255 when the task
 * fails; the others (resize, template, push, download) print the error and exit 0.
 */
export function task(ctx: Ctx, upidExit: boolean, fn: () => void): number {
  try {
    fn();
    return 0;
  } catch (error) {
    if (!(error instanceof SimError) || error instanceof ParamError) throw error;
    const message = error.message.replace(/\n+$/, '').replace(/\n/g, ' ');
    ctx.err(`${message}\n`);
    return upidExit ? 255 : 0;
  }
}

export const vmidOpt = { type: 'integer', format: 'pve-vmid' } as const;
export const boolOpt = { type: 'boolean', optional: 1 } as const;
