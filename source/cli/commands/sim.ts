import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { initSimulator } from '../../simulator/init.js';
import { seedHostRoot } from '../../simulator/host-root.js';
import { ExitCode } from '../../util/exit-codes.js';
import { UserError } from '../../util/user-error.js';
import { printJson } from '../output.js';
import type { CommandContext } from './index.js';

/** dist/sim-bin next to the running bundle (dist/phoenix.js). */
export function simBinDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), 'sim-bin');
}

/** The stub system commands a stand-in host runs `phoenix setup` against (host, then guest). */
export function simHostPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return `${join(here, 'sim-host-bin')}:${join(here, 'sim-guest-bin')}`;
}

function count(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min) {
    throw new UserError(`--${name} must be a whole number ≥ ${min}, got '${value}'`);
  }
  return n;
}

/** `phoenix sim path` and `phoenix sim init DIR`: point Phoenix or any script at a simulated host. */
export function registerSim(program: Command, context: CommandContext): void {
  const sim = program
    .command('sim')
    .description(
      'the bundled Proxmox VE simulator (qm, pct, pvesh, pvesm, pveam) for demos and tests',
    );
  sim
    .command('path')
    .description('print the folder holding the simulated qm, pct, pvesh, pvesm and pveam')
    .action(() => {
      const dir = simBinDir();
      if (!existsSync(dir)) {
        throw new UserError(`simulator executables not found at ${dir}`, {
          hint: 'run `npm run build` in a checkout',
          exitCode: ExitCode.failed,
        });
      }
      context.output.out(dir);
    });
  sim
    .command('init <dir>')
    .description('seed a fresh simulated host in DIR (use it with PVE_SIM_DIR=DIR)')
    .option('--guests <n>', 'extra random guests for scale tests', '0')
    .option('--nodes <k>', 'cluster nodes: pve, pve2, …', '1')
    .option('--json', 'print the result as JSON')
    .action((dir: string, options: { guests: string; nodes: string; json?: boolean }) => {
      const target = resolve(dir);
      let result;
      try {
        result = initSimulator(target, {
          guests: count('guests', options.guests, 0),
          nodes: count('nodes', options.nodes, 1),
        });
      } catch (error) {
        if (error instanceof UserError) throw error;
        throw new UserError((error as Error).message);
      }
      if (options.json) {
        printJson(context.output, { ...result, simBin: simBinDir() });
        return;
      }
      context.output.out(
        `simulated host in ${target}: nodes ${result.nodes.join(', ')}, template VM 9000, ${result.guests} extra guest(s)\n` +
          `use it: export PVE_SIM_DIR=${target} PATH="${simBinDir()}:$PATH"`,
      );
    });
}

/** A freshly installed host's system files under `root`, for setup against a stand-in host. */
export function seedStandInHost(root: string): void {
  seedHostRoot(root);
}

/** Seeds a simulated host (for `phoenix demo`, which may not reach into the simulator itself). */
export function seedSimulatedHost(
  dir: string,
  options: { guests?: number; nodes?: number } = {},
): void {
  initSimulator(dir, { guests: options.guests ?? 0, nodes: options.nodes ?? 1 });
}
