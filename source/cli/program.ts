import { Command, CommanderError } from 'commander';
import { version } from '../version.js';
import { ExitCode } from '../util/exit-codes.js';
import { translateLegacyArgs } from './legacy-flags.js';
import { processOutput, reportError, type Output } from './output.js';
import { commands, type CommandContext } from './commands/index.js';
import type { ExitCodeValue } from '../util/exit-codes.js';
import { canOpenTui, launchTui } from '../ui/launch.js';
import { createLiveEngine } from '../engine/create.js';
import { defaultConfigDir } from '../util/paths.js';
import { findOnPath } from './commands/doctor.js';
import { prepareDemo } from './commands/demo.js';

/** Global options every command understands. */
export interface GlobalOptions {
  configDir?: string;
  json?: boolean;
  ascii?: boolean;
  color?: boolean;
  readonly?: boolean;
}

export function buildProgram(output: Output, context: CommandContext): Command {
  const program = new Command('phoenix')
    .description(
      'Declarative Proxmox VE provisioning: VMs and LXC containers from JSON, with a TUI.',
    )
    .version(version, '-V, --version')
    .option(
      '-c, --config-dir <dir>',
      'config directory (env PHOENIX_CONFIG_DIR; default ./etc in a checkout, else /usr/local/phoenix_hypervisor/etc)',
    )
    .option('--ascii', 'ASCII only: no Unicode icons, spinners or box drawing')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .option('--readonly', 'TUI: hide every action that changes the host')
    .showHelpAfterError('(run phoenix --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => output.out(text),
      writeErr: (text) => output.err(text),
    });
  for (const register of commands) register(program, context);
  // No command: the TUI on a terminal, the help text otherwise.
  program.allowExcessArguments(true).action(async () => {
    if (program.args.length > 0)
      program.error(`error: unknown command '${program.args[0]}'`, {
        code: 'commander.unknownCommand',
        exitCode: ExitCode.invalidInput,
      });
    if (!canOpenTui()) {
      output.out(program.helpInformation());
      return;
    }
    const options = program.opts<GlobalOptions>();
    if (!findOnPath('qm', process.env.PATH) && process.env.PHOENIX_FAKE_ENGINE !== '1') {
      // No Proxmox here: a newcomer's `npm start` opens the demo on a simulated host.
      Object.assign(process.env, prepareDemo(undefined, false));
    }
    const configDir = options.configDir ?? defaultConfigDir();
    context.setExitCode(await launchTui(options, () => createLiveEngine({ configDir })));
  });
  return program;
}

/** Runs the CLI and returns the exit code (the caller sets process.exitCode). */
export async function runCli(
  argv: readonly string[],
  output: Output = processOutput,
): Promise<number> {
  let exitCode: ExitCodeValue = ExitCode.ok;
  const program = buildProgram(output, { output, setExitCode: (code) => (exitCode = code) });
  try {
    await program.parseAsync(translateLegacyArgs(argv), { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return ExitCode.ok;
      return ExitCode.invalidInput;
    }
    return reportError(output, error);
  }
}
