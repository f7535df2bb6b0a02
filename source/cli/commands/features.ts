import type { Command } from 'commander';
import { listAllFeatures, type FeatureKind } from '../../features/catalog.js';
import { UserError } from '../../util/user-error.js';
import { printJson } from '../output.js';
import type { CommandContext } from './index.js';

const KIND_TITLES: Record<FeatureKind, string> = {
  vm: 'VM features (run inside the VM)',
  lxc: 'Container features (run inside the LXC container)',
  hypervisor: 'Host features (run on the Proxmox host)',
};

/** `phoenix features`: the feature scripts Phoenix ships, with their one-line descriptions. */
export function registerFeatures(program: Command, context: CommandContext): void {
  program
    .command('features')
    .description('list the features a guest can name in "features", with what each does')
    .option('--kind <kind>', 'only vm, lxc or hypervisor features')
    .option('--json', 'print [{ kind, name, description, aliases }] as JSON')
    .action((options: { kind?: string; json?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<{ json?: boolean }>();
      if (options.kind !== undefined && !(options.kind in KIND_TITLES)) {
        throw new UserError(`unknown feature kind "${options.kind}"`, {
          hint: 'use --kind vm, --kind lxc or --kind hypervisor',
        });
      }
      const features = listAllFeatures().filter(
        (feature) => options.kind === undefined || feature.kind === options.kind,
      );
      if (options.json || global.json) {
        printJson(
          context.output,
          features.map(({ kind, name, description, aliases }) => ({
            kind,
            name,
            description,
            aliases,
          })),
        );
        return;
      }
      const width = Math.max(0, ...features.map((feature) => feature.name.length));
      for (const kind of Object.keys(KIND_TITLES) as FeatureKind[]) {
        const ofKind = features.filter((feature) => feature.kind === kind);
        if (ofKind.length === 0) continue;
        context.output.out(KIND_TITLES[kind]);
        for (const feature of ofKind) {
          const alias = feature.aliases.length ? ` (also: ${feature.aliases.join(', ')})` : '';
          context.output.out(`  ${feature.name.padEnd(width)}  ${feature.description}${alias}`);
        }
      }
    });
}
