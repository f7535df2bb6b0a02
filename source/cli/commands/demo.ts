import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { createLiveEngine } from '../../engine/create.js';
import { canOpenTui, launchTui } from '../../ui/launch.js';
import { ExitCode } from '../../util/exit-codes.js';
import { assetRoot } from '../../util/paths.js';
import { UserError } from '../../util/user-error.js';
import type { GlobalOptions } from '../program.js';
import { seedSimulatedHost, seedStandInHost, simBinDir, simHostPath } from './sim.js';
import type { CommandContext } from './index.js';

/**
 * `phoenix demo`: the TUI against a fresh simulated Proxmox host (realistic latency) and a copy of
 * the example config, so everything can be tried on any laptop, host setup included (on a
 * stand-in host's files). Nothing outside a temp folder is touched.
 */
export function registerDemo(program: Command, context: CommandContext): void {
  program
    .command('demo')
    .description(
      'try Phoenix on a simulated Proxmox host with the example config (no Proxmox needed)',
    )
    .option('--dir <dir>', 'keep the simulated host here (default: a new temp folder)')
    .option('--fast', 'no simulated latency (everything answers at once)')
    .action(async (options: { dir?: string; fast?: boolean }, command: Command) => {
      if (!canOpenTui()) {
        throw new UserError('phoenix demo opens the TUI and needs a terminal', {
          hint: 'run it in a terminal; for scripts use `phoenix sim init DIR` and the plain commands',
        });
      }
      const env = prepareDemo(options.dir, options.fast ?? false);
      Object.assign(process.env, env);
      const global = command.optsWithGlobals<GlobalOptions>();
      const configDir = env.PHOENIX_CONFIG_DIR!;
      // Host setup runs against a stand-in host: its files under host/, its system commands
      // stubs (only setup's scripts see them; the engine's own PATH stays as it is).
      const setupEnv = {
        ...process.env,
        PHOENIX_ROOT: env.PHOENIX_DEMO_HOST_ROOT,
        PATH: `${simHostPath()}:${process.env.PATH ?? ''}`,
      };
      const code = await launchTui(
        { ...global, machinesFirst: true },
        () => createLiveEngine({ configDir, env: process.env, setupEnv }),
        process.env,
      );
      context.setExitCode(code === ExitCode.ok ? ExitCode.ok : code);
    });
}

/** A simulated host, a config copy and a run store in one folder; the environment that uses them. */
export function prepareDemo(dir: string | undefined, fast: boolean): NodeJS.ProcessEnv {
  // Absolute: the simulated guests run their commands in their own folders.
  const base = dir ? resolve(dir) : mkdtempSync(join(tmpdir(), 'phoenix-demo-'));
  const pve = join(base, 'pve');
  seedSimulatedHost(pve);
  const hostRoot = join(base, 'host');
  if (!existsSync(hostRoot)) seedStandInHost(hostRoot);
  const configDir = join(base, 'etc');
  cpSync(join(assetRoot(), 'etc'), configDir, {
    recursive: true,
    force: false,
    errorOnExist: false,
  });
  return {
    PATH: `${simBinDir()}:${process.env.PATH ?? ''}`,
    PVE_SIM_DIR: pve,
    PVE_SIM_LATENCY: fast ? '0' : (process.env.PVE_SIM_LATENCY ?? 'real'),
    PVE_SIM_NODE: 'pve',
    PHOENIX_NODE: 'pve',
    PHOENIX_HOST_ROOT: join(pve, 'fs'),
    PHOENIX_PVE_DIR: pve,
    PHOENIX_CONFIG_DIR: configDir,
    PHOENIX_RUNS_DIR: join(base, 'runs'),
    /** The stand-in host `phoenix setup` works on in the demo (not PHOENIX_ROOT: guests ignore it). */
    PHOENIX_DEMO_HOST_ROOT: hostRoot,
  };
}
