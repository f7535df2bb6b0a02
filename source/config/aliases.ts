/**
 * Older spellings Phoenix still reads (seeds 000, 002, 003 and the original project's files),
 * mapped to the canonical key of seed 001. `phoenix config migrate` rewrites them.
 */
export const VM_KEY_ALIASES: Readonly<Record<string, string>> = {
  vmid: 'vm_id',
  name: 'vm_name',
  cores: 'cpu_cores',
  sockets: 'cpu_sockets',
  memory: 'memory_mb',
  disk_size_gb: 'boot_disk_size_gb',
  storage_pool: 'boot_disk_storage',
  bridge: 'network_bridge',
  template: 'template_name',
  ostype: 'os_type',
  post_create_scripts: 'features',
};

export const LXC_KEY_ALIASES: Readonly<Record<string, string>> = {
  clone_from_template_ctid: 'clone_from_ctid',
  hostname: 'name',
  memory: 'memory_mb',
  swap: 'swap_mb',
};

export const NETWORK_KEY_ALIASES: Readonly<Record<string, string>> = {
  nameservers: 'nameserver',
  gateway: 'gw',
  mac_address: 'hwaddr',
  tag: 'vlan',
};

/** Top-level section spellings of the VM file. */
export const VM_SECTION_ALIASES: Readonly<Record<string, string>> = {
  vms: 'virtual_machines',
};

/** Keys of the host file's `vm_defaults` that belong to the host itself (the rest are VM defaults, seed 000). */
export const HYPERVISOR_VM_DEFAULT_KEYS: ReadonlySet<string> = new Set(['ubuntu_release']);
