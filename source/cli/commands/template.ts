import type { Command } from 'commander';
import type { VmSpec } from '../../config/types.js';
import { UserError } from '../../util/user-error.js';
import { parseIds } from '../ids.js';
import { loadSpecOrFail } from '../load-spec.js';
import { apply, type ApplyOptions } from './apply.js';
import type { CommandContext } from './index.js';

/** Template VMs of the config that are made from a cloud image (no clone source). */
export function imageTemplates(vms: readonly VmSpec[]): VmSpec[] {
  return vms.filter((vm) => vm.is_template && vm.clone_from_vmid === undefined);
}

/**
 * `phoenix template provision [ID...]` (the seeds' `--provision-template`): builds the config's
 * cloud-image templates — download, guest agent, `qm create`, `qm template` — through the same
 * plan and runner as `phoenix apply`. A template that exists is left alone.
 */
export function registerTemplate(program: Command, context: CommandContext): void {
  const template = program.command('template').description('VM templates made from cloud images');
  template
    .command('provision [ids...]')
    .description('download the image and build the template (every image template without IDs)')
    .option('-y, --yes', 'do not ask for confirmation (needed without a terminal)')
    .option('--concurrency <n>', 'templates built at once', '4')
    .option('--dry-run', 'print the plan and run nothing')
    .option('--json', 'one JSON event per line instead of the report')
    .option('-v, --verbose', 'print every log line and command as it happens')
    .action(async (words: string[], options: ApplyOptions, command: Command) => {
      const spec = loadSpecOrFail(command, context.output, { quiet: true });
      const templates = imageTemplates(spec.vms);
      const requested = parseIds(words);
      for (const id of requested) {
        const vm = spec.vms.find((candidate) => candidate.vm_id === id);
        if (!vm || !templates.includes(vm)) {
          throw new UserError(
            vm
              ? `VM ${id} (${vm.vm_name}) is not a template made from an image`
              : `no VM ${id} in the config`,
            {
              hint: vm
                ? 'phoenix apply provisions it; a template from an image has is_template and image_url (or template_image)'
                : `templates from images in the config: ${templates.map((t) => t.vm_id ?? t.vm_name).join(', ') || 'none'}`,
            },
          );
        }
      }
      const ids = requested.length > 0 ? requested : templates.map((vm) => vm.vm_id);
      if (ids.some((id) => id === undefined)) {
        throw new UserError('a template in the config has no vm_id', {
          hint: 'give every template a vm_id: clones refer to it by that ID',
        });
      }
      if (ids.length === 0) {
        throw new UserError('the config has no template made from an image', {
          hint: 'a template VM with is_template: true and image_url (or template_image) is one',
        });
      }
      await apply(ids.map(String), options, command, context);
    });
}
