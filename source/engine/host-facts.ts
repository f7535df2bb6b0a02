// What the define-a-guest wizards offer, read from the host (storages, bridges, templates, OS
// templates, GPUs, the next free ID), the local user's SSH keys and the config (defaults, IDs
// and names in use, templates, features). Each fact that cannot be read becomes a problem line;
// the wizard still works without it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { analyseConfig } from '../config/load.js';
import { isObject } from '../config/normalise.js';
import { LXC_BUILTIN_DEFAULTS, VM_BUILTIN_DEFAULTS } from '../config/spec.js';
import { listFeatures } from '../features/catalog.js';
import type { Host } from '../host/index.js';
import { probe } from '../host/host-scripts.js';
import { SSH_PUBLIC_KEY } from '../config/formats.js';
import type { StorageInfo } from '../inventory/types.js';
import type {
  GpuFact,
  HostFacts,
  OsTemplateFact,
  SshKeyFact,
  StorageFact,
  TemplateFact,
} from './types.js';

/**
 * A defaults block over the built-in defaults. A declared object (network_config) replaces the
 * built-in one whole, as the config loader does: only the guest's own object merges into it.
 */
export function mergedDefaults(
  builtin: Record<string, unknown>,
  declared: unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = JSON.parse(JSON.stringify(builtin)) as Record<
    string,
    unknown
  >;
  if (!isObject(declared)) return out;
  for (const [key, value] of Object.entries(declared)) out[key] = value;
  return out;
}

/** Public keys in ~/.ssh/*.pub and ~/.ssh/authorized_keys (options before the key are dropped). */
export function readSshKeys(home = homedir()): SshKeyFact[] {
  const dir = join(home, '.ssh');
  if (!existsSync(dir)) return [];
  const keys: SshKeyFact[] = [];
  const seen = new Set<string>();
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.pub'))
      .sort();
  } catch {
    return [];
  }
  for (const file of [...files, 'authorized_keys']) {
    let text: string;
    try {
      text = readFileSync(join(dir, file), 'utf8');
    } catch {
      continue;
    }
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const start = line.search(
        /(ssh-(rsa|ed25519|dss)|ecdsa-sha2-|sk-ssh-ed25519@|sk-ecdsa-sha2-)/,
      );
      const key = start >= 0 ? line.slice(start) : line;
      if (!SSH_PUBLIC_KEY.test(key) || seen.has(key)) continue;
      seen.add(key);
      const comment = key.split(' ').slice(2).join(' ');
      keys.push({ label: `~/.ssh/${file}${comment ? ` ${comment}` : ''}`, key });
    }
  }
  return keys;
}

/** GPUs by index: nvidia-smi's indexes when it is there, else lspci's display controllers. */
export async function detectGpus(env?: NodeJS.ProcessEnv): Promise<GpuFact[]> {
  const options = env ? { env, timeoutMs: 10_000 } : { timeoutMs: 10_000 };
  try {
    const smi = await probe(
      ['nvidia-smi', '--query-gpu=index,name', '--format=csv,noheader'],
      options,
    );
    if (smi.ok) {
      return smi.stdout
        .split('\n')
        .map((line) => /^\s*(\d+)\s*,\s*(.+)$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ index: Number(m[1]), name: m[2]!.trim() }));
    }
    const pci = await probe(['lspci'], options);
    if (!pci.ok) return [];
    return pci.stdout
      .split('\n')
      .filter((line) => /(VGA compatible|3D|Display) controller/.test(line))
      .map((line, index) => ({ index, name: line.replace(/^\S+\s+/, '').trim() }));
  } catch {
    return [];
  }
}

function storageFact(info: StorageInfo): StorageFact {
  return {
    id: info.id,
    type: info.type,
    availableBytes: info.availableBytes,
    totalBytes: info.totalBytes,
    active: info.status === 'active',
  };
}

export interface HostFactsOptions {
  host: Host;
  configDir: string;
  env?: NodeJS.ProcessEnv;
  /** Home of the user whose SSH keys are offered (default: this process's). */
  home?: string;
}

export async function readHostFacts(options: HostFactsOptions): Promise<HostFacts> {
  const { host, configDir } = options;
  const problems: string[] = [];
  const attempt = async <T>(what: string, read: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      return fallback;
    }
  };

  const analysis = analyseConfig(configDir);
  const spec = analysis.spec;
  const configIds = [
    ...spec.vms.map((vm) => vm.vm_id),
    ...spec.containers.map((ct) => ct.ctid),
  ].filter((id): id is number => typeof id === 'number');

  const [node, inventory, images, rootdir, vztmpl, bridges, catalogue, nextFromHost, gpus] =
    await Promise.all([
      attempt('node', () => host.localNode(), '?'),
      attempt('guests', () => host.inventory(), undefined),
      attempt('storages (images)', () => host.storages({ content: 'images' }), []),
      attempt('storages (rootdir)', () => host.storages({ content: 'rootdir' }), []),
      attempt('storages (vztmpl)', () => host.storages({ content: 'vztmpl' }), []),
      attempt('bridges', () => host.bridges(), []),
      attempt('pveam catalogue', () => host.availableTemplates('system'), []),
      attempt('next free ID', () => host.nextId(), 100),
      detectGpus(options.env),
    ]);

  const hostGuests = inventory?.guests ?? [];
  const usedIds = [...new Set([...configIds, ...hostGuests.map((g) => g.id)])].sort(
    (a, b) => a - b,
  );
  let nextId = Math.max(100, nextFromHost);
  while (usedIds.includes(nextId)) nextId++;

  const templates = new Map<number, TemplateFact>();
  for (const guest of inventory?.templates() ?? [])
    templates.set(guest.id, {
      id: guest.id,
      name: guest.name,
      type: guest.type,
      where: 'host',
    });
  for (const guest of [...spec.vms, ...spec.containers]) {
    if (!guest.is_template) continue;
    const id = guest.kind === 'qemu' ? guest.vm_id : guest.ctid;
    if (id === undefined) continue;
    const name = guest.kind === 'qemu' ? guest.vm_name : guest.name;
    const live = templates.get(id);
    templates.set(id, { id, name, type: guest.kind, where: live ? 'host+config' : 'config' });
  }

  const osTemplates: OsTemplateFact[] = [];
  const seenFiles = new Set<string>();
  for (const storage of vztmpl) {
    const list = await attempt(
      `OS templates on ${storage.id}`,
      () => host.osTemplates(storage.id),
      [],
    );
    for (const t of list) {
      seenFiles.add(t.file);
      osTemplates.push({ volid: t.volid, file: t.file, downloaded: true });
    }
  }
  const downloadTo = vztmpl[0]?.id ?? 'local';
  for (const t of catalogue) {
    if (seenFiles.has(t.template)) continue;
    osTemplates.push({
      volid: `${downloadTo}:vztmpl/${t.template}`,
      file: t.template,
      downloaded: false,
    });
  }

  const names = [
    ...spec.vms.map((vm) => vm.vm_name),
    ...spec.containers.map((ct) => ct.name),
    ...hostGuests.map((g) => g.name),
  ].map((n) => n.toLowerCase());

  const feature = (kind: 'vm' | 'lxc') =>
    listFeatures(kind).map((f) => ({ name: f.name, description: f.description }));

  return {
    node,
    nextId,
    usedIds,
    usedNames: [...new Set(names)],
    imageStorages: images.map(storageFact),
    rootdirStorages: rootdir.map(storageFact),
    bridges: bridges.map((b) => ({
      name: b.name,
      ...(b.cidr ? { cidr: b.cidr } : {}),
      vlanAware: b.vlanAware,
    })),
    templates: [...templates.values()].sort((a, b) => a.id - b.id),
    osTemplates,
    gpus,
    sshKeys: readSshKeys(options.home),
    features: { vm: feature('vm'), lxc: feature('lxc') },
    defaults: {
      vm: mergedDefaults(VM_BUILTIN_DEFAULTS, analysis.docs.vm.value.vm_defaults),
      lxc: mergedDefaults(LXC_BUILTIN_DEFAULTS, analysis.docs.lxc.value.lxc_defaults),
    },
    problems,
  };
}
