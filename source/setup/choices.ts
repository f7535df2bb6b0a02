import type { SetupAnswers } from './answers.js';
import type { SetupStepId } from './types.js';

export type PoolLayout = 'mirror' | 'raidz1' | 'raidz2' | 'stripe';

/**
 * What a person decides in `phoenix setup` (the CLI's questions or the TUI's wizard), before it
 * becomes the config's shape. `answersFromChoices` makes the answers saved to
 * phoenix_hypervisor_config.json, so both front ends save the same thing.
 */
export interface SetupChoices {
  steps: SetupStepId[];
  timezone?: string;
  /** The admin user; the password only ever as its crypt(3) hash. */
  user?: { username: string; passwordHash?: string; sshKey?: string; sudo: boolean };
  zfs?: { pool: string; layout: PoolLayout; disks: string[] };
  internalBridge?: { name: string; subnet: string };
  nfs?: { path: string; clients: string[] };
  samba?: { user: string; share: string; path: string };
  firewall?: { lan: string; dropOthers: boolean };
  nvidiaVersion?: string;
}

/** The least disks each layout needs. */
export const LAYOUT_MIN_DISKS: Record<PoolLayout, number> = {
  stripe: 1,
  mirror: 2,
  raidz1: 3,
  raidz2: 4,
};

/** The layout a number of disks suggests. */
export function defaultLayout(disks: number): PoolLayout {
  return disks >= 3 ? 'raidz1' : disks === 2 ? 'mirror' : 'stripe';
}

/** The /24 network of a host address ("10.0.0.2/24" → "10.0.0.0/24"). */
export function lanOf(address: string | undefined): string {
  return address ? address.replace(/\.\d+\//, '.0/') : '10.0.0.0/24';
}

/** The answers to save for these choices. */
export function answersFromChoices(choices: SetupChoices): SetupAnswers {
  const answers: SetupAnswers = { steps: [...choices.steps] };
  if (choices.timezone) answers.timezone = choices.timezone;
  if (choices.user) {
    const { username, passwordHash, sshKey, sudo } = choices.user;
    answers.user = {
      username,
      sudo_access: sudo,
      ...(passwordHash ? { password_hash: passwordHash } : {}),
      ...(sshKey ? { ssh_public_key: sshKey } : {}),
    };
  }
  if (choices.zfs) {
    const { pool, layout, disks } = choices.zfs;
    answers.pool = { name: pool, raid_level: layout, disks: [...disks] };
    // One dataset for guest disks and one for ISOs, templates and backups, each a storage.
    answers.datasets = [
      {
        name: 'vm-disks',
        pool,
        proxmox_storage_type: 'zfspool',
        proxmox_content_type: 'images,rootdir',
      },
      { name: 'iso', pool, proxmox_storage_type: 'dir', proxmox_content_type: 'iso,vztmpl,backup' },
    ];
  }
  if (choices.internalBridge) answers.internalBridge = { ...choices.internalBridge };
  if (choices.nfs)
    answers.nfsExports = [
      {
        path: choices.nfs.path,
        clients: [...choices.nfs.clients],
        options: ['rw', 'sync', 'no_subtree_check'],
      },
    ];
  if (choices.samba) {
    const { user, share, path } = choices.samba;
    answers.samba = { user, shares: [{ name: share, path, valid_users: [user] }] };
  }
  if (choices.firewall)
    answers.firewall = {
      enabled: true,
      default_input_policy: choices.firewall.dropOthers ? 'DROP' : 'ACCEPT',
      default_output_policy: 'ACCEPT',
      global_firewall_rules: [
        {
          type: 'in',
          action: 'ACCEPT',
          macro: 'SSH',
          source: choices.firewall.lan,
          comment: 'SSH',
        },
        {
          type: 'in',
          action: 'ACCEPT',
          source: choices.firewall.lan,
          proto: 'tcp',
          port: '8006',
          comment: 'web UI',
        },
      ],
    };
  if (choices.nvidiaVersion) answers.nvidia = { install: true, version: choices.nvidiaVersion };
  return answers;
}

export function isLayout(word: string): word is PoolLayout {
  return word in LAYOUT_MIN_DISKS;
}
