/**
 * Where a clone lands in a cluster. `qm clone --target <node>` copies the source's disks to
 * another node only when every one of them (the cloud-init drive too) is on shared storage;
 * otherwise Proxmox refuses with "can't clone VM to node 'x' (VM uses local storage)" — after
 * the plan said it would work. The planner asks here first and says what to change instead.
 *
 * Phoenix does not clone locally and migrate: that copies every disk twice and leaves a
 * half-made guest on the wrong node when the migration fails. A template per node (or one on
 * shared storage) is what Proxmox admins keep for this.
 */
import type { GuestSpec } from '../config/types.js';
import type { Host } from '../host/index.js';
import { guestDisks } from '../inventory/parse-config.js';
import type { GuestConfig } from '../inventory/types.js';
import type { Problem } from './types.js';

interface StorageEntry {
  storage: string;
  shared?: number;
}

/** Problems of cloning `source` (on `sourceNode`) to `target`; none when it stays on its node. */
export async function clonePlacementProblems(input: {
  guest: GuestSpec;
  source: number;
  sourceNode: string;
  sourceConfig: GuestConfig | undefined;
  target: string;
  host: Host;
}): Promise<Problem[]> {
  const { guest, source, sourceNode, sourceConfig, target, host } = input;
  if (target === sourceNode) return [];
  const kind = guest.kind === 'qemu' ? 'VM' : 'CT';
  if (!sourceConfig) return [];
  const { stdout } = await host.run([
    'pvesh',
    'get',
    `/nodes/${sourceNode}/storage`,
    '--output-format',
    'json',
  ]);
  const shared = new Set(
    (JSON.parse(stdout) as StorageEntry[])
      .filter((entry) => entry.shared === 1)
      .map((entry) => entry.storage),
  );
  // A full clone with --storage puts the disks there (CD drives and cloud-init stay where they are).
  const storageOption =
    guest.kind === 'qemu' && guest.declared.includes('boot_disk_storage')
      ? guest.boot_disk_storage
      : undefined;
  const local = [
    ...new Set(
      guestDisks(sourceConfig)
        .map((disk) => (disk.media === 'disk' && storageOption ? storageOption : disk.storage))
        .filter((storage): storage is string => storage !== undefined && !shared.has(storage)),
    ),
  ];
  if (local.length === 0) return [];
  return [
    {
      severity: 'error',
      message: `${kind} ${source} would be cloned to node ${target} with disks on ${local.join(', ')}, local to ${sourceNode}: Proxmox refuses that ("uses local storage")`,
      hint: `give node ${target} its own template (a template VM with node: ${target}) and clone that, or keep the template and the clone's boot_disk_storage on a storage marked shared`,
    },
  ];
}
