// What the guided host setup asks, step by step, and how the answers become the setup's choices
// (saved into phoenix_hypervisor_config.json, so `phoenix setup --yes` repeats them). Steps whose
// fields all depend on setup steps that were not ticked are skipped.
import type {
  DraftProblem,
  SetupChoices,
  SetupDraft,
  SetupFacts,
  SetupStepId,
} from '../../engine/types.js';
import { LINUX_USER_NAME, SSH_PUBLIC_KEY } from '../../config/formats.js';
import { parseCidr } from '../../config/net.js';
import { defaultLayout, isLayout, LAYOUT_MIN_DISKS, type PoolLayout } from '../../setup/choices.js';
import { formatBytes, type FormDef, type Option, type Value, type Values } from './wizard-forms.js';

const str = (v: Value | undefined): string => (typeof v === 'string' ? v.trim() : '');
const list = (v: Value | undefined): readonly string[] => (Array.isArray(v) ? v : []);
const ticked = (values: Values, step: SetupStepId) => list(values.steps).includes(step);
const words = (v: Value | undefined) =>
  str(v)
    .split(/[\s,]+/)
    .filter(Boolean);
const tail = (byId: string) => byId.split('/').pop() ?? byId;

const SSH_KEEP = '@keep';
const SSH_PASTE = '@paste';
const SSH_NONE = '@none';
const LAYOUT_AUTO = '@auto';

const LAYOUTS = Object.keys(LAYOUT_MIN_DISKS) as PoolLayout[];

const isCidr = (text: string): boolean => parseCidr(text) !== undefined;

/** The chosen layout: the one picked, or the one the number of disks suggests. */
function layoutOf(values: Values): PoolLayout {
  const picked = str(values['zfs.layout']);
  return isLayout(picked) ? picked : defaultLayout(list(values['zfs.disks']).length);
}

/** Chosen disks that hold data (partitions, a file system): erasing them needs their name typed. */
/** The ticked disks (the field keeps their by-id names without /dev/disk/by-id/). */
function chosenDisks(values: Values, facts: SetupFacts) {
  const chosen = list(values['zfs.disks']);
  return facts.freeDisks.filter((disk) => chosen.includes(tail(disk.byId)));
}

function disksHoldingData(values: Values, facts: SetupFacts) {
  return chosenDisks(values, facts).filter((disk) => disk.holds !== '');
}

function consentOf(values: Values, facts: SetupFacts): string[] {
  const typed = words(values['zfs.wipe']).map(tail);
  return disksHoldingData(values, facts)
    .map((disk) => tail(disk.byId))
    .filter((name) => typed.includes(name));
}

function sshKeyOf(values: Values, facts: SetupFacts): string | undefined {
  const choice = str(values['user.ssh']);
  if (choice === SSH_NONE) return undefined;
  if (choice === SSH_KEEP) return facts.user?.sshKey;
  if (choice === SSH_PASTE) return str(values['user.ssh_paste']) || undefined;
  return choice || undefined;
}

function sshOptions(facts: SetupFacts): Option[] {
  return [
    ...(facts.user?.sshKey
      ? [{ value: SSH_KEEP, label: `keep the saved key (${facts.user.sshKey.slice(0, 30)}…)` }]
      : []),
    ...facts.sshKeys.map((k) => ({ value: k.key, label: k.label })),
    { value: SSH_PASTE, label: 'paste a public key' },
    { value: SSH_NONE, label: 'no SSH key' },
  ];
}

function choicesOf(values: Values, facts: SetupFacts): SetupChoices {
  const steps = facts.steps.map((s) => s.id).filter((id) => ticked(values, id));
  const choices: SetupChoices = { steps };
  if (ticked(values, 'timezone')) choices.timezone = str(values.timezone);
  if (ticked(values, 'admin_user')) {
    const hash = str(values['user.password_hash']);
    const key = sshKeyOf(values, facts);
    choices.user = {
      username: str(values['user.username']),
      sudo: values['user.sudo'] === true,
      ...(hash ? { passwordHash: hash } : {}),
      ...(key ? { sshKey: key } : {}),
    };
  }
  if (ticked(values, 'zfs'))
    choices.zfs = {
      pool: str(values['zfs.pool']),
      layout: layoutOf(values),
      disks: chosenDisks(values, facts).map((disk) => disk.byId),
    };
  if (ticked(values, 'network') && values['bridge.add'] === true)
    choices.internalBridge = {
      name: str(values['bridge.name']),
      subnet: str(values['bridge.subnet']),
    };
  if (ticked(values, 'nfs') && facts.kept.nfsExports === 0)
    choices.nfs = { path: str(values['nfs.path']), clients: words(values['nfs.clients']) };
  if (ticked(values, 'samba') && facts.kept.sambaShares === 0)
    choices.samba = {
      user: str(values['samba.user']),
      share: str(values['samba.share']),
      path: str(values['samba.path']),
    };
  if (ticked(values, 'firewall') && !facts.kept.firewall)
    choices.firewall = {
      lan: str(values['firewall.lan']),
      dropOthers: values['firewall.drop'] === true,
    };
  if (ticked(values, 'nvidia')) choices.nvidiaVersion = str(values['nvidia.version']);
  return choices;
}

function localProblems(values: Values, facts: SetupFacts): DraftProblem[] {
  const problems: DraftProblem[] = [];
  const error = (field: string, message: string) =>
    problems.push({ field, severity: 'error', message });
  if (list(values.steps).length === 0)
    error('steps', 'tick at least one step (Space), or Esc to leave');
  if (ticked(values, 'timezone') && !facts.timezones.includes(str(values.timezone)))
    error(
      'timezone',
      `${str(values.timezone) || 'an empty name'} is not a time zone this host knows`,
    );
  if (ticked(values, 'admin_user')) {
    const name = str(values['user.username']);
    if (!LINUX_USER_NAME.test(name))
      error('user.username', 'a Linux user name: lower case letters, digits, _ and -');
    else if (name === 'root') error('user.username', 'root exists already: pick an admin name');
    if (
      str(values['user.ssh']) === SSH_PASTE &&
      !SSH_PUBLIC_KEY.test(str(values['user.ssh_paste']))
    )
      error('user.ssh_paste', 'paste one public key line (ssh-ed25519 AAAA… comment)');
  }
  if (ticked(values, 'zfs')) {
    const disks = list(values['zfs.disks']);
    const layout = layoutOf(values);
    if (facts.freeDisks.length === 0)
      error('zfs.disks', 'no disk is free of a pool here: untick the ZFS step');
    else if (disks.length === 0) error('zfs.disks', 'tick the disks for the pool (Space)');
    else if (disks.length < LAYOUT_MIN_DISKS[layout])
      error(
        'zfs.layout',
        `${layout} needs at least ${LAYOUT_MIN_DISKS[layout]} disks (${disks.length} ticked)`,
      );
    const pool = str(values['zfs.pool']);
    if (!/^[A-Za-z][A-Za-z0-9_.:-]*$/.test(pool) || /^(mirror|raidz\d?|spare|log|draid)/.test(pool))
      error('zfs.pool', 'a pool name starts with a letter (not mirror, raidz, spare, log)');
    const consent = consentOf(values, facts);
    const unconfirmed = disksHoldingData(values, facts).filter(
      (disk) => !consent.includes(tail(disk.byId)),
    );
    if (unconfirmed.length > 0)
      error(
        'zfs.wipe',
        unconfirmed
          .map((d) => `type ${tail(d.byId)} to erase it (it holds ${d.holds}), or untick it`)
          .join('; '),
      );
  }
  if (ticked(values, 'network') && values['bridge.add'] === true) {
    if (!/^vmbr\d{1,4}$/.test(str(values['bridge.name'])))
      error('bridge.name', 'Proxmox bridges are named vmbrN (vmbr100)');
    if (!isCidr(str(values['bridge.subnet'])))
      error('bridge.subnet', 'an IPv4 subnet with its prefix (172.16.100.0/24)');
  }
  if (ticked(values, 'nfs') && facts.kept.nfsExports === 0) {
    if (!str(values['nfs.path']).startsWith('/')) error('nfs.path', 'an absolute folder path');
    if (words(values['nfs.clients']).length === 0)
      error('nfs.clients', 'who may mount it: a subnet (10.0.0.0/24) or host names');
  }
  if (ticked(values, 'samba') && facts.kept.sambaShares === 0) {
    if (!LINUX_USER_NAME.test(str(values['samba.user'])))
      error('samba.user', 'an existing Linux user (lower case)');
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(str(values['samba.share'])))
      error('samba.share', 'letters, digits, _ and -');
    if (!str(values['samba.path']).startsWith('/')) error('samba.path', 'an absolute folder path');
  }
  if (ticked(values, 'firewall') && !facts.kept.firewall && !isCidr(str(values['firewall.lan'])))
    error('firewall.lan', 'the network that may reach SSH and the web UI (10.0.0.0/24)');
  if (ticked(values, 'nvidia') && !/^\d+\.\d+(\.\d+)?$/.test(str(values['nvidia.version'])))
    error('nvidia.version', 'a driver version such as 580.76.05');
  return problems;
}

const when =
  (step: SetupStepId, extra: (values: Values) => boolean = () => true) =>
  (values: Values) =>
    ticked(values, step) && extra(values);

export const setupForm: FormDef<SetupFacts, SetupDraft> = {
  kind: 'setup',
  title: 'Host setup',
  noun: 'host setup',
  writes: (configDir) =>
    `Writes    ${configDir}/phoenix_hypervisor_config.json (the setup answers; the rest stays)`,
  steps: [
    {
      title: 'Steps',
      fields: [
        {
          id: 'steps',
          label: 'Steps',
          kind: 'multi',
          help: 'Space ticks a step. Each checks first, changes only what is missing, and is journaled.',
          options: (facts) =>
            facts.steps.map((s) => ({
              value: s.id,
              label: `${s.title}${s.suggested ? '  (preflight: needed)' : ''}`,
            })),
          optionHelp: (facts, value) => facts.steps.find((s) => s.id === value)?.explanation,
        },
      ],
    },
    {
      title: 'Host',
      fields: [
        {
          id: 'timezone',
          label: 'Time zone',
          kind: 'select',
          help: 'type to search (Europe/Berlin); NTP time sync is turned on too',
          options: (facts) => facts.timezones.map((zone) => ({ value: zone, label: zone })),
          when: when('timezone'),
        },
        {
          id: 'nvidia.version',
          label: 'NVIDIA driver',
          kind: 'text',
          help: 'the driver version to install (needs a reboot; setup continues after it)',
          when: when('nvidia'),
        },
      ],
    },
    {
      title: 'Admin user',
      fields: [
        {
          id: 'user.username',
          label: 'User name',
          kind: 'text',
          help: 'a Linux user with sudo, and the same user@pam as Proxmox Administrator',
          when: when('admin_user'),
        },
        {
          id: 'user.password_hash',
          label: 'Password',
          kind: 'password',
          help: 'hashed at once and stored only as a hash; empty keeps the saved one or none',
          when: when('admin_user'),
        },
        {
          id: 'user.ssh',
          label: 'SSH key',
          kind: 'select',
          help: 'the key that logs in as this user',
          options: (facts) => sshOptions(facts),
          when: when('admin_user'),
        },
        {
          id: 'user.ssh_paste',
          label: 'Public key',
          kind: 'text',
          help: 'paste one line: ssh-ed25519 AAAA… comment',
          when: when('admin_user', (values) => str(values['user.ssh']) === SSH_PASTE),
        },
        {
          id: 'user.sudo',
          label: 'sudo',
          kind: 'toggle',
          help: 'Space or y/n: add the user to the sudo group',
          when: when('admin_user'),
        },
      ],
    },
    {
      title: 'ZFS pool',
      fields: [
        {
          id: 'zfs.disks',
          label: 'Disks',
          kind: 'multi',
          help: 'Space ticks a disk; disks already in a pool are not offered',
          empty: 'no disk outside a pool on this host',
          options: (facts) =>
            facts.freeDisks.map((disk) => ({
              value: tail(disk.byId),
              label: `${tail(disk.byId)} (${disk.device}${disk.sizeBytes ? `, ${formatBytes(disk.sizeBytes)}` : ''})${disk.holds ? `  HOLDS DATA: ${disk.holds}` : ''}`,
            })),
          when: when('zfs'),
        },
        {
          id: 'zfs.layout',
          label: 'Layout',
          kind: 'select',
          help: 'mirror: 2+ disks, raidz1: 3+, raidz2: 4+, stripe: no redundancy',
          options: (_facts, values) => [
            {
              value: LAYOUT_AUTO,
              label: `by the number of disks (${defaultLayout(list(values['zfs.disks']).length)})`,
            },
            ...LAYOUTS.map((layout) => ({ value: layout, label: layout })),
          ],
          when: when('zfs'),
        },
        {
          id: 'zfs.pool',
          label: 'Pool name',
          kind: 'text',
          help: 'datasets <pool>/vm-disks and <pool>/iso become Proxmox storages',
          when: when('zfs'),
        },
        {
          id: 'zfs.wipe',
          label: 'Erase',
          kind: 'text',
          help: 'type the by-id name of each disk that holds data to allow erasing it',
          when: (values) => ticked(values, 'zfs') && list(values['zfs.disks']).length > 0,
        },
      ],
    },
    {
      title: 'Network and shares',
      fields: [
        {
          id: 'bridge.add',
          label: 'NAT bridge',
          kind: 'toggle',
          help: 'an internal bridge with NAT for guests on a private subnet (a new file, never /etc/network/interfaces)',
          when: when('network'),
        },
        {
          id: 'bridge.name',
          label: 'Bridge',
          kind: 'text',
          help: 'vmbrN',
          when: when('network', (values) => values['bridge.add'] === true),
        },
        {
          id: 'bridge.subnet',
          label: 'Subnet',
          kind: 'text',
          help: 'the private subnet, e.g. 172.16.100.0/24 (the bridge gets its first address)',
          when: when('network', (values) => values['bridge.add'] === true),
        },
        {
          id: 'nfs.path',
          label: 'NFS folder',
          kind: 'text',
          help: 'the host folder to export (created when missing)',
          when: when('nfs', (values) => values['@nfs.kept'] !== true),
        },
        {
          id: 'nfs.clients',
          label: 'NFS clients',
          kind: 'text',
          help: 'who may mount it: subnets or host names, separated by spaces',
          when: when('nfs', (values) => values['@nfs.kept'] !== true),
        },
        {
          id: 'samba.user',
          label: 'Samba user',
          kind: 'text',
          help: 'an existing Linux user; set its Samba password afterwards: smbpasswd -a USER',
          when: when('samba', (values) => values['@samba.kept'] !== true),
        },
        {
          id: 'samba.share',
          label: 'Share name',
          kind: 'text',
          help: 'the name clients see',
          when: when('samba', (values) => values['@samba.kept'] !== true),
        },
        {
          id: 'samba.path',
          label: 'Share folder',
          kind: 'text',
          help: 'the host folder to share (created when missing)',
          when: when('samba', (values) => values['@samba.kept'] !== true),
        },
        {
          id: 'firewall.lan',
          label: 'Admin network',
          kind: 'text',
          help: 'the network allowed to reach SSH and the web UI (port 8006)',
          when: when('firewall', (values) => values['@firewall.kept'] !== true),
        },
        {
          id: 'firewall.drop',
          label: 'Drop the rest',
          kind: 'toggle',
          help: 'drop all other incoming traffic to the host (guests are not affected)',
          when: when('firewall', (values) => values['@firewall.kept'] !== true),
        },
      ],
    },
  ],
  initial: (facts) => {
    const username = facts.user?.username ?? 'phoenix-admin';
    return {
      steps: [...facts.preselected],
      timezone: facts.timezone,
      'nvidia.version': facts.nvidiaVersion,
      'user.username': username,
      'user.password_hash': '',
      'user.ssh': facts.user?.sshKey ? SSH_KEEP : (facts.sshKeys[0]?.key ?? SSH_PASTE),
      'user.ssh_paste': '',
      'user.sudo': true,
      'zfs.disks': [],
      'zfs.layout': LAYOUT_AUTO,
      'zfs.pool': 'tank',
      'zfs.wipe': '',
      'bridge.add': facts.internalBridge !== undefined,
      'bridge.name': facts.internalBridge?.name ?? 'vmbr100',
      'bridge.subnet': facts.internalBridge?.subnet ?? '172.16.100.0/24',
      'nfs.path': '/srv/nfs/shared',
      'nfs.clients': facts.lan,
      'samba.user': username,
      'samba.share': 'shared',
      'samba.path': '/srv/samba/shared',
      'firewall.lan': facts.lan,
      'firewall.drop': false,
      // What the config already has is kept as it is (the fields for it are not asked).
      '@nfs.kept': facts.kept.nfsExports > 0,
      '@samba.kept': facts.kept.sambaShares > 0,
      '@firewall.kept': facts.kept.firewall,
    };
  },
  build: (values, facts) => ({
    kind: 'setup',
    choices: choicesOf(values, facts),
    consent: consentOf(values, facts),
  }),
  local: localProblems,
  summary: (values, facts) => {
    const choices = choicesOf(values, facts);
    const lines = [`Steps     ${choices.steps.join(', ') || 'none'}`];
    if (choices.timezone) lines.push(`Time zone ${choices.timezone}, NTP on`);
    if (choices.user) {
      const password = choices.user.passwordHash
        ? 'new password (hashed)'
        : facts.user?.hasPassword && facts.user.username === choices.user.username
          ? 'saved password kept'
          : 'no password (SSH key only)';
      lines.push(
        `Admin     ${choices.user.username}${choices.user.sudo ? ' (sudo)' : ''}, ${password}, ${choices.user.sshKey ? 'SSH key set' : 'no SSH key'}`,
      );
    }
    if (choices.zfs)
      lines.push(
        `ZFS       ${choices.zfs.pool}: ${choices.zfs.layout} on ${choices.zfs.disks.map(tail).join(' ')}`,
      );
    const consent = consentOf(values, facts);
    if (consent.length > 0) lines.push(`ERASES    ${consent.join(' ')} (typed by you)`);
    if (choices.internalBridge)
      lines.push(
        `Bridge    ${choices.internalBridge.name} ${choices.internalBridge.subnet} with NAT`,
      );
    if (choices.nfs)
      lines.push(`NFS       ${choices.nfs.path} to ${choices.nfs.clients.join(' ')}`);
    if (ticked(values, 'nfs') && facts.kept.nfsExports > 0)
      lines.push(`NFS       the config's ${facts.kept.nfsExports} export(s)`);
    if (choices.samba)
      lines.push(
        `Samba     [${choices.samba.share}] ${choices.samba.path} for ${choices.samba.user}`,
      );
    if (ticked(values, 'samba') && facts.kept.sambaShares > 0)
      lines.push(`Samba     the config's ${facts.kept.sambaShares} share(s)`);
    if (choices.firewall)
      lines.push(
        `Firewall  SSH and web UI from ${choices.firewall.lan}; others ${choices.firewall.dropOthers ? 'dropped' : 'accepted'}`,
      );
    if (ticked(values, 'firewall') && facts.kept.firewall)
      lines.push("Firewall  the config's firewall section");
    if (choices.nvidiaVersion)
      lines.push(`NVIDIA    driver ${choices.nvidiaVersion} (then a reboot)`);
    if (facts.resume)
      lines.push(
        facts.resume.rebooted
          ? `Resumes   the setup that stopped at ${facts.resume.step} for a reboot`
          : `Waiting   setup stopped at ${facts.resume.step}: reboot the host first`,
      );
    if (facts.cannotApply) lines.push(`Note      ${facts.cannotApply}`);
    return lines;
  },
};
