import type { GuestEntry } from './guests.js';
import { isObject, type CanonicalDocs } from './normalise.js';
import type {
  FirewallConfig,
  HypervisorSpec,
  LxcSpec,
  NetworkConfig,
  UserConfig,
  VmSpec,
  VmSnapshots,
} from './types.js';

/** Values a VM gets when neither it nor vm_defaults sets them (seed 001's table; storage as on a stock PVE install). */
export const VM_BUILTIN_DEFAULTS = {
  os_type: 'l26',
  cpu_sockets: 1,
  cpu_cores: 2,
  memory_mb: 4096,
  boot_disk_size_gb: 50,
  boot_disk_storage: 'local-lvm',
  network_bridge: 'vmbr0',
  network_model: 'virtio',
} as const;

export const LXC_BUILTIN_DEFAULTS = {
  memory_mb: 512,
  swap_mb: 512,
  cores: 1,
  storage_pool: 'local-lvm',
  storage_size_gb: 8,
  unprivileged: true,
  network_config: { name: 'eth0', bridge: 'vmbr0', ip: 'dhcp' },
} as const;

const VM_KEYS = new Set([
  'vm_id',
  'vm_name',
  'description',
  'tags',
  'node',
  'template_name',
  'clone_from_vmid',
  'template_snapshot_name',
  'is_template',
  'template_image',
  'image_url',
  'image_checksum',
  'os_type',
  'cpu_sockets',
  'cpu_cores',
  'memory_mb',
  'boot_disk_size_gb',
  'boot_disk_storage',
  'network_bridge',
  'network_model',
  'network_config',
  'user_config',
  'features',
  'volumes',
  'dependencies',
  'start_at_boot',
  'boot_order',
  'boot_delay',
  'snapshots',
  'firewall',
]);

const LXC_KEYS = new Set([
  'name',
  'description',
  'tags',
  'node',
  'memory_mb',
  'swap_mb',
  'cores',
  'template',
  'storage_pool',
  'storage_size_gb',
  'network_config',
  'secondary_network_config',
  'unprivileged',
  'clone_from_ctid',
  'template_snapshot_name',
  'is_template',
  'features',
  'application_script',
  'pct_options',
  'lxc_options',
  'mount_points',
  'zfs_volumes',
  'gpu_assignment',
  'firewall',
  'dependencies',
  'start_at_boot',
  'boot_order',
  'boot_delay',
  'enable_lifecycle_snapshots',
]);

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const bool = (value: unknown): boolean | undefined =>
  typeof value === 'boolean' ? value : undefined;
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
const objects = <T>(value: unknown): T[] =>
  Array.isArray(value) ? (value.filter(isObject) as T[]) : [];

function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[])
    if (value[key] === undefined) delete value[key];
  return value;
}

function declared(guest: GuestEntry, known: Set<string>): string[] {
  return [...new Set([...Object.keys(guest.defaults), ...Object.keys(guest.own)])]
    .filter((key) => known.has(key))
    .sort();
}

function extra(guest: GuestEntry, known: Set<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(guest.own).filter(([key]) => !known.has(key)));
}

function network(value: unknown, fallback?: NetworkConfig): NetworkConfig | undefined {
  if (!isObject(value)) return fallback ? { ...fallback } : undefined;
  const base: Partial<NetworkConfig> = fallback ?? {};
  return compact({
    ...base,
    name: str(value.name) ?? base.name,
    bridge: str(value.bridge) ?? base.bridge,
    ip: str(value.ip) ?? base.ip ?? 'dhcp',
    gw: str(value.gw),
    nameserver: str(value.nameserver),
    searchdomain: str(value.searchdomain),
    vlan: num(value.vlan),
    hwaddr: str(value.hwaddr),
    mtu: num(value.mtu),
    firewall: bool(value.firewall),
  });
}

function firewall(value: unknown): FirewallConfig | undefined {
  if (!isObject(value)) return undefined;
  return {
    enabled: bool(value.enabled) ?? false,
    rules: objects<Record<string, unknown>>(value.rules).map(
      (rule) =>
        compact({
          ...rule,
          port: rule.port === undefined ? undefined : String(rule.port),
          sport: rule.sport === undefined ? undefined : String(rule.sport),
        }) as unknown as FirewallConfig['rules'][number],
    ),
  };
}

function ids(value: unknown, guests: GuestEntry[]): number[] {
  if (!Array.isArray(value)) return [];
  const out: number[] = [];
  for (const ref of value) {
    if (typeof ref === 'number') out.push(ref);
    else if (typeof ref === 'string') {
      const target = guests.find((guest) => guest.name?.toLowerCase() === ref.toLowerCase());
      if (target?.id !== undefined) out.push(target.id);
    }
  }
  return out;
}

export function buildVm(
  guest: GuestEntry,
  guests: GuestEntry[],
  ubuntuRelease: string | undefined,
): VmSpec {
  const m = guest.merged;
  const user = isObject(m.user_config) ? m.user_config : undefined;
  const templateImage = str(m.template_image);
  const imageUrl =
    str(m.image_url) ??
    (templateImage && ubuntuRelease && !templateImage.includes('/')
      ? `https://cloud-images.ubuntu.com/${ubuntuRelease}/current/${templateImage}`
      : templateImage && /^https?:\/\//.test(templateImage)
        ? templateImage
        : undefined);
  return compact<VmSpec>({
    kind: 'qemu',
    vm_id: guest.id,
    vm_name: str(m.vm_name) ?? '',
    description: str(m.description) ?? '',
    tags: strings(m.tags),
    node: str(m.node),
    template_name: str(m.template_name),
    clone_from_vmid: num(m.clone_from_vmid),
    template_snapshot_name: str(m.template_snapshot_name),
    is_template: bool(m.is_template) ?? false,
    template_image: templateImage,
    image_url: imageUrl,
    image_checksum: str(m.image_checksum),
    os_type: str(m.os_type) ?? VM_BUILTIN_DEFAULTS.os_type,
    cpu_sockets: num(m.cpu_sockets) ?? VM_BUILTIN_DEFAULTS.cpu_sockets,
    cpu_cores: num(m.cpu_cores) ?? VM_BUILTIN_DEFAULTS.cpu_cores,
    memory_mb: num(m.memory_mb) ?? VM_BUILTIN_DEFAULTS.memory_mb,
    boot_disk_size_gb: num(m.boot_disk_size_gb) ?? VM_BUILTIN_DEFAULTS.boot_disk_size_gb,
    boot_disk_storage: str(m.boot_disk_storage) ?? VM_BUILTIN_DEFAULTS.boot_disk_storage,
    network_bridge: str(m.network_bridge) ?? VM_BUILTIN_DEFAULTS.network_bridge,
    network_model: str(m.network_model) ?? VM_BUILTIN_DEFAULTS.network_model,
    network_config: network(m.network_config),
    user_config: user
      ? compact<UserConfig>({
          username: str(user.username) ?? '',
          password_hash: str(user.password_hash),
          ssh_public_key: str(user.ssh_public_key) || undefined,
        })
      : undefined,
    features: strings(m.features),
    volumes: objects(m.volumes),
    dependencies: ids(m.dependencies, guests),
    start_at_boot: bool(m.start_at_boot) ?? false,
    boot_order: num(m.boot_order),
    boot_delay: num(m.boot_delay),
    snapshots: isObject(m.snapshots) ? (m.snapshots as VmSnapshots) : {},
    firewall: firewall(m.firewall),
    origin: guest.origin,
    declared: declared(guest, VM_KEYS),
    extra: extra(guest, VM_KEYS),
  });
}

export function parseGpuAssignment(value: unknown): number[] {
  if (typeof value !== 'string' || value.trim() === 'none') return [];
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => /^[0-9]+$/.test(part))
    .map(Number);
}

export function buildContainer(guest: GuestEntry, guests: GuestEntry[]): LxcSpec {
  const m = guest.merged;
  return compact<LxcSpec>({
    kind: 'lxc',
    ctid: guest.id ?? 0,
    name: str(m.name) ?? '',
    description: str(m.description) ?? '',
    tags: strings(m.tags),
    node: str(m.node),
    memory_mb: num(m.memory_mb) ?? LXC_BUILTIN_DEFAULTS.memory_mb,
    swap_mb: num(m.swap_mb) ?? LXC_BUILTIN_DEFAULTS.swap_mb,
    cores: num(m.cores) ?? LXC_BUILTIN_DEFAULTS.cores,
    template: str(m.template),
    storage_pool: str(m.storage_pool) ?? LXC_BUILTIN_DEFAULTS.storage_pool,
    storage_size_gb: num(m.storage_size_gb) ?? LXC_BUILTIN_DEFAULTS.storage_size_gb,
    network_config: network(m.network_config, LXC_BUILTIN_DEFAULTS.network_config)!,
    secondary_network_config: network(m.secondary_network_config),
    unprivileged: bool(m.unprivileged) ?? LXC_BUILTIN_DEFAULTS.unprivileged,
    clone_from_ctid: num(m.clone_from_ctid),
    template_snapshot_name: str(m.template_snapshot_name),
    is_template: bool(m.is_template) ?? false,
    features: strings(m.features),
    application_script: str(m.application_script),
    pct_options: strings(m.pct_options),
    lxc_options: strings(m.lxc_options),
    mount_points: objects(m.mount_points),
    zfs_volumes: objects(m.zfs_volumes),
    gpu_assignment: parseGpuAssignment(m.gpu_assignment),
    firewall: firewall(m.firewall),
    dependencies: ids(m.dependencies, guests),
    start_at_boot: bool(m.start_at_boot) ?? false,
    boot_order: num(m.boot_order),
    boot_delay: num(m.boot_delay),
    enable_lifecycle_snapshots: bool(m.enable_lifecycle_snapshots) ?? false,
    origin: guest.origin,
    declared: declared(guest, LXC_KEYS),
    extra: extra(guest, LXC_KEYS),
  });
}

const HYPERVISOR_KEYS = new Set([
  'domain_name',
  'timezone',
  'users',
  'network',
  'zfs',
  'nfs',
  'samba',
  'nvidia_driver',
  'firewall',
  'dns_server',
  'proxmox_storage_ids',
  'mount_point_base',
  'vm_defaults',
  'shared_zfs_volumes',
  '$schema',
  'version',
  'author',
]);

export function buildHypervisor(docs: CanonicalDocs): HypervisorSpec | undefined {
  if (!docs.present.hypervisor) return undefined;
  const h = docs.hypervisor.value;
  const nvidia = isObject(h.nvidia_driver) ? h.nvidia_driver : undefined;
  const dns = isObject(h.dns_server) ? h.dns_server : undefined;
  return compact<HypervisorSpec>({
    domain_name: str(h.domain_name),
    timezone: str(h.timezone),
    users: objects<Record<string, unknown>>(h.users).map((user) =>
      compact({
        username: str(user.username) ?? '',
        password_hash: str(user.password_hash) === 'NOT_SET' ? undefined : str(user.password_hash),
        sudo_access: bool(user.sudo_access) ?? false,
        ssh_public_key: str(user.ssh_public_key) || undefined,
      }),
    ),
    network: isObject(h.network) ? (h.network as HypervisorSpec['network']) : undefined,
    zfs: isObject(h.zfs) ? h.zfs : undefined,
    nfs: isObject(h.nfs) ? h.nfs : undefined,
    samba: isObject(h.samba) ? h.samba : undefined,
    nvidia_driver: nvidia
      ? compact({
          install: bool(nvidia.install) ?? false,
          version: str(nvidia.version),
          runfile_url: str(nvidia.runfile_url),
        })
      : undefined,
    firewall: isObject(h.firewall) ? h.firewall : undefined,
    dns_server: dns
      ? compact({
          enabled: bool(dns.enabled) ?? false,
          upstream_servers: strings(dns.upstream_servers),
        })
      : undefined,
    proxmox_storage_ids: isObject(h.proxmox_storage_ids)
      ? (h.proxmox_storage_ids as Record<string, string>)
      : undefined,
    mount_point_base: str(h.mount_point_base),
    ubuntu_release: isObject(h.vm_defaults) ? str(h.vm_defaults.ubuntu_release) : undefined,
    extra: Object.fromEntries(Object.entries(h).filter(([key]) => !HYPERVISOR_KEYS.has(key))),
  });
}
