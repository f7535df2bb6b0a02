import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';
import { configFilePaths } from '../config/files.js';
import type { HypervisorSpec } from '../config/types.js';
import { editConfigFile, readConfigText, type JsonEdit } from '../config/writer.js';
import { UserError } from '../util/user-error.js';
import { isStepId } from './steps.js';
import type { SetupStepId } from './types.js';

/** What the user chose in `phoenix setup`; saved into phoenix_hypervisor_config.json. */
export interface SetupAnswers {
  steps: SetupStepId[];
  timezone?: string;
  ntp?: boolean;
  basePackages?: string[];
  repositories?: { no_subscription?: boolean; ceph?: string };
  /** Never a plaintext password: `password_hash` is a crypt(3) hash. */
  user?: {
    username: string;
    password_hash?: string;
    sudo_access: boolean;
    ssh_public_key?: string;
  };
  pool?: { name: string; raid_level: 'mirror' | 'raidz1' | 'raidz2' | 'stripe'; disks: string[] };
  datasets?: {
    name: string;
    pool: string;
    properties?: string;
    proxmox_storage_type?: 'zfspool' | 'dir';
    proxmox_content_type?: string;
    storage_id?: string;
  }[];
  internalBridge?: { name: string; subnet: string };
  /** NFS exports (replace nfs.exports). */
  nfsExports?: { path: string; clients: string[]; options?: string[] }[];
  /** Samba shares (replace samba.user and samba.shares). */
  samba?: { user: string; shares: { name: string; path: string; valid_users?: string[] }[] };
  /** The cluster firewall (replaces the firewall section). */
  firewall?: {
    enabled: boolean;
    default_input_policy: 'ACCEPT' | 'DROP' | 'REJECT';
    default_output_policy: 'ACCEPT' | 'DROP' | 'REJECT';
    global_firewall_rules: Record<string, string | boolean>[];
  };
  nvidia?: { install: boolean; version?: string; runfile_url?: string };
}

/** The steps saved by an earlier `phoenix setup` (setup.steps), if any. */
export function savedSteps(hypervisor: HypervisorSpec | undefined): SetupStepId[] | undefined {
  const setup = hypervisor?.extra.setup;
  if (!setup || typeof setup !== 'object') return undefined;
  const steps = (setup as { steps?: unknown }).steps;
  if (!Array.isArray(steps)) return undefined;
  return steps.filter((step): step is SetupStepId => typeof step === 'string' && isStepId(step));
}

function arrayItems(root: Node | undefined, path: (string | number)[]): Node[] {
  const node = root ? findNodeAtLocation(root, path) : undefined;
  return node?.type === 'array' ? (node.children ?? []) : [];
}

function valueAt(node: Node, key: string): unknown {
  return findNodeAtLocation(node, [key])?.value;
}

/** Adds `entry` to the array at `path`, or replaces the item `same` finds. */
function upsert(
  root: Node | undefined,
  path: (string | number)[],
  entry: unknown,
  same: (item: Node) => boolean,
): JsonEdit {
  const node = root ? findNodeAtLocation(root, path) : undefined;
  if (!node || node.type !== 'array') return { path, value: [entry] };
  const items = node.children ?? [];
  const index = items.findIndex(same);
  return index >= 0
    ? { path: [...path, index], value: entry }
    : { path: [...path, items.length], value: entry, insert: true };
}

/** The edits that write the answers into the file's text (everything else stays as it is). */
export function answerEdits(text: string | undefined, answers: SetupAnswers): JsonEdit[] {
  const root = text ? parseTree(text, [], { disallowComments: true }) : undefined;
  const edits: JsonEdit[] = [{ path: ['setup', 'steps'], value: answers.steps }];
  if (answers.repositories) {
    for (const [key, value] of Object.entries(answers.repositories))
      edits.push({ path: ['setup', 'repositories', key], value });
  }
  if (answers.basePackages)
    edits.push({ path: ['setup', 'base_packages'], value: answers.basePackages });
  if (answers.ntp !== undefined) edits.push({ path: ['setup', 'ntp'], value: answers.ntp });
  if (answers.timezone) edits.push({ path: ['timezone'], value: answers.timezone });
  if (answers.user) {
    const user = answers.user;
    const users = root ? findNodeAtLocation(root, ['users']) : undefined;
    if (users?.type === 'object') {
      // The older single-object spelling: keep it when it is this user, else make a list.
      edits.push(
        valueAt(users, 'username') === user.username
          ? { path: ['users'], value: user }
          : { path: ['users'], value: [users.value ?? {}, user] },
      );
    } else {
      edits.push(
        upsert(root, ['users'], user, (item) => valueAt(item, 'username') === user.username),
      );
    }
  }
  if (answers.pool) {
    const pool = answers.pool;
    edits.push(upsert(root, ['zfs', 'pools'], pool, (item) => valueAt(item, 'name') === pool.name));
  }
  const datasets = answers.datasets ?? [];
  const list = root ? findNodeAtLocation(root, ['zfs', 'datasets']) : undefined;
  if (datasets.length > 0 && list?.type !== 'array') {
    edits.push({ path: ['zfs', 'datasets'], value: datasets });
  } else if (datasets.length > 0) {
    const items = arrayItems(root, ['zfs', 'datasets']);
    let appended = 0;
    for (const dataset of datasets) {
      const index = items.findIndex(
        (item) => valueAt(item, 'name') === dataset.name && valueAt(item, 'pool') === dataset.pool,
      );
      if (index >= 0) edits.push({ path: ['zfs', 'datasets', index], value: dataset });
      else
        edits.push({
          path: ['zfs', 'datasets', items.length + appended++],
          value: dataset,
          insert: true,
        });
    }
  }
  if (answers.internalBridge)
    edits.push({ path: ['network', 'internal_bridge'], value: answers.internalBridge });
  if (answers.samba) {
    edits.push({ path: ['samba', 'user'], value: answers.samba.user });
    edits.push({ path: ['samba', 'shares'], value: answers.samba.shares });
  }
  if (answers.firewall) edits.push({ path: ['firewall'], value: answers.firewall });
  if (answers.nfsExports) edits.push({ path: ['nfs', 'exports'], value: answers.nfsExports });
  if (answers.nvidia) {
    for (const [key, value] of Object.entries(answers.nvidia))
      edits.push({ path: ['nvidia_driver', key], value });
  }
  return edits;
}

/**
 * Saves the answers into phoenix_hypervisor_config.json (created when missing) atomically,
 * keeping every other byte of the file; returns the file's path.
 */
export function saveAnswers(configDir: string, answers: SetupAnswers): string {
  const file = configFilePaths(configDir).hypervisor;
  const text = readConfigText(file);
  if (text !== undefined && !parseTree(text, [], { disallowComments: true })) {
    throw new UserError(`${file} is not valid JSON; fix it before saving setup answers`, {
      hint: 'phoenix validate shows where',
    });
  }
  editConfigFile(file, text, answerEdits(text, answers));
  return file;
}
