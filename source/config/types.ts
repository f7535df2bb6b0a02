/**
 * The configuration model: what `etc/*.json` says, normalised to the canonical spelling of seed 001,
 * defaults merged, in Proxmox-facing units (memory in MB, disks in GB, booleans as booleans, IDs as
 * numbers).
 */

/** One finding about a config file. `line`/`column` are 1-based; 0 when no position applies. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  file: string;
  line: number;
  column: number;
  /** JSON path as the file spells it, e.g. `$.virtual_machines[2].cpu_cores` or `$.lxc_configs["901"].memory_mb`. */
  path: string;
  message: string;
  hint?: string;
}

/** Where a guest is declared: the file and the guest object's JSON path (string and segments). */
export interface GuestOrigin {
  file: string;
  jsonPath: string;
  segments: (string | number)[];
}

/** A network interface as a guest declares it. `ip` is an IPv4 CIDR, `dhcp` (or `manual` for LXC). */
export interface NetworkConfig {
  /** Interface name inside a container (`eth0`); unused for VMs. */
  name?: string;
  bridge?: string;
  ip: string;
  gw?: string;
  /** One or more resolvers, space separated as Proxmox takes them. */
  nameserver?: string;
  searchdomain?: string;
  /** VLAN tag on the bridge port. */
  vlan?: number;
  hwaddr?: string;
  mtu?: number;
  /** Proxmox firewall on this NIC. */
  firewall?: boolean;
}

export interface UserConfig {
  username: string;
  /** A crypt(3) hash (`$6$…`, `$y$…`); never a plaintext password. */
  password_hash?: string;
  ssh_public_key?: string;
}

export interface FirewallRule {
  type: 'in' | 'out' | 'group';
  action: string;
  source?: string;
  dest?: string;
  proto?: string;
  /** Destination port(s), e.g. `443` or `8000:8010`. */
  port?: string;
  sport?: string;
  macro?: string;
  iface?: string;
  comment?: string;
  enable?: boolean;
}

export interface FirewallConfig {
  enabled: boolean;
  rules: FirewallRule[];
}

/** An NFS share mounted inside a VM. */
export interface VmVolume {
  type: 'nfs';
  /** NFS server address (or `share`, a Proxmox storage ID whose server is used). */
  server?: string;
  share?: string;
  path: string;
  mount_point: string;
  name?: string;
  options?: string;
}

/** Snapshots the VM pipeline takes around the feature scripts. */
export interface VmSnapshots {
  'pre-features'?: string;
  'post-features'?: string;
}

/** Fields every guest has, whatever its kind. */
interface GuestCommon {
  description: string;
  tags: string[];
  /** Canonical feature names as written (aliases such as install_docker are resolved by the features layer). */
  features: string[];
  /** IDs of guests (VMs or containers) that must exist and run before this one. */
  dependencies: number[];
  start_at_boot: boolean;
  boot_order?: number;
  boot_delay?: number;
  is_template: boolean;
  template_snapshot_name?: string;
  firewall?: FirewallConfig;
  /** Cluster node the guest lives on (absent: the local node). */
  node?: string;
  origin: GuestOrigin;
  /** Canonical top-level keys the guest or its defaults block declared (the rest are built-in defaults). */
  declared: string[];
  /** Keys Phoenix does not model (site keys of the original project, unknown keys), kept verbatim. */
  extra: Record<string, unknown>;
}

export interface VmSpec extends GuestCommon {
  kind: 'qemu';
  /** Absent until the plan assigns one (Phoenix then writes it back to the config). */
  vm_id?: number;
  vm_name: string;
  /** Name of a Proxmox template to clone when `clone_from_vmid` is not given. */
  template_name?: string;
  clone_from_vmid?: number;
  /** Cloud image file for the template pipeline, e.g. `noble-server-cloudimg-amd64.img`. */
  template_image?: string;
  /** Where to download `template_image` from (derived from the host's `ubuntu_release` when absent). */
  image_url?: string;
  /** `sha256:<hex>` (or sha512) checksum of the image. */
  image_checksum?: string;
  os_type: string;
  cpu_sockets: number;
  cpu_cores: number;
  memory_mb: number;
  boot_disk_size_gb: number;
  boot_disk_storage: string;
  network_bridge: string;
  network_model: string;
  network_config?: NetworkConfig;
  user_config?: UserConfig;
  volumes: VmVolume[];
  snapshots: VmSnapshots;
}

export interface LxcMountPoint {
  host_path: string;
  container_path: string;
  owner_uid?: number;
  owner_gid?: number;
  read_only?: boolean;
}

export interface LxcZfsVolume {
  name: string;
  pool: string;
  size_gb: number;
  mount_point: string;
}

export interface LxcSpec extends GuestCommon {
  kind: 'lxc';
  ctid: number;
  name: string;
  memory_mb: number;
  swap_mb: number;
  cores: number;
  /** OS template: `storage:vztmpl/<file>` or an absolute path to the tarball. */
  template?: string;
  storage_pool: string;
  storage_size_gb: number;
  network_config: NetworkConfig;
  secondary_network_config?: NetworkConfig;
  unprivileged: boolean;
  clone_from_ctid?: number;
  /** Phoenix feature scripts. */
  features: string[];
  /** Script from the config's bin/ pushed into the container and run there. */
  application_script?: string;
  /** Proxmox container features, e.g. `nesting=1`, `keyctl=1` (joined into `pct set --features`). */
  pct_options: string[];
  /** Raw lines appended to /etc/pve/lxc/<ctid>.conf. */
  lxc_options: string[];
  mount_points: LxcMountPoint[];
  zfs_volumes: LxcZfsVolume[];
  /** Host GPU indexes passed through; empty for none (the file says `"none"` or `"0,1"`). */
  gpu_assignment: number[];
  enable_lifecycle_snapshots: boolean;
}

export type GuestSpec = VmSpec | LxcSpec;

export interface HypervisorUser {
  username: string;
  password_hash?: string;
  sudo_access: boolean;
  ssh_public_key?: string;
}

/** Host settings (`phoenix_hypervisor_config.json`), kept close to the file; unknown sections in `extra`. */
export interface HypervisorSpec {
  domain_name?: string;
  timezone?: string;
  users: HypervisorUser[];
  network?: {
    hostname?: string;
    interfaces?: { name: string; address: string; gateway?: string; dns_nameservers?: string[] };
    nfs_server?: string;
    internal_bridge?: { name: string; subnet: string };
    [key: string]: unknown;
  };
  zfs?: Record<string, unknown>;
  nfs?: Record<string, unknown>;
  samba?: Record<string, unknown>;
  nvidia_driver?: { install: boolean; version?: string; runfile_url?: string };
  firewall?: Record<string, unknown>;
  dns_server?: { enabled: boolean; upstream_servers?: string[] };
  proxmox_storage_ids?: Record<string, string>;
  mount_point_base?: string;
  /** Ubuntu release used to build cloud-image URLs (`noble`). */
  ubuntu_release?: string;
  extra: Record<string, unknown>;
}

export interface Spec {
  vms: VmSpec[];
  containers: LxcSpec[];
  hypervisor?: HypervisorSpec;
  /** Top-level settings of the LXC file (nvidia_driver_version, nvidia_repo_url, nvidia_runfile_url). */
  lxcGlobals: Record<string, unknown>;
  configDir: string;
}

export interface LoadResult {
  spec: Spec;
  diagnostics: Diagnostic[];
  /** True when no diagnostic is an error. */
  valid: boolean;
}

export interface LoadOptions {
  /** Unknown keys become errors. */
  strict?: boolean;
  /** Folder holding features/<vm|lxc>/*.sh; defaults to the installation's features/. */
  featuresRoot?: string;
}
