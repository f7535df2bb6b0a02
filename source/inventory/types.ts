/** What the host has: the typed records the host adapter builds from Proxmox's output. */

export type GuestType = 'qemu' | 'lxc';

/**
 * One guest as `/cluster/resources --type vm` reports it. Byte counts are bytes, cpu is a
 * fraction of one core times maxcpu (Proxmox's own unit), uptime is seconds.
 */
export interface GuestState {
  id: number;
  type: GuestType;
  node: string;
  /** VM name or CT hostname; Proxmox fills in `VM <id>` / `CT<id>` when none is set. */
  name: string;
  /** qemu: the QMP status (running, stopped, paused, …); lxc: running/stopped; `unknown` right after create. */
  status: string;
  template: boolean;
  /** Lower-case as Proxmox stores them, in Proxmox's order. */
  tags: string[];
  lock?: string;
  pool?: string;
  hastate?: string;
  cpu: number;
  maxcpu: number;
  mem: number;
  maxmem: number;
  disk: number;
  maxdisk: number;
  uptime: number;
  netin: number;
  netout: number;
  diskread: number;
  diskwrite: number;
}

/** A reference to a guest: what every per-guest host call needs. */
export interface GuestRef {
  id: number;
  type: GuestType;
  node: string;
}

/** A property string (`virtio=BC:24:11:..,bridge=vmbr0,firewall=1`) as key → value. */
export type PropertyString = Record<string, string>;

/** A guest's configuration as `qm config` / `pct config` (or the config API) shows it. */
export interface GuestConfig {
  id: number;
  type: GuestType;
  /** Every `key: value` of the main section (pending values applied), raw strings. */
  values: Record<string, string>;
  /** URL-decoded description, if any. */
  description?: string;
  tags: string[];
  /** LXC raw `lxc.*` entries, in file order. */
  lxc: Array<[string, string]>;
  /** SHA-1 of the config file (only the config API returns it). */
  digest?: string;
}

/** A disk or mount point of a guest config. */
export interface GuestDisk {
  /** Config key: scsi0, virtio1, ide2, efidisk0, rootfs, mp0, unused0, … */
  key: string;
  /** The volume (`local-lvm:vm-100-disk-0`), `none`, a bind-mount path or an ISO volid. */
  volume: string;
  /** Storage id when the volume is `storage:volname`. */
  storage?: string;
  /** The part after `storage:`. */
  volname?: string;
  /** `size=` in bytes, if present. */
  sizeBytes?: number;
  /** cdrom, disk (from media=; lxc volumes are always disk). */
  media: 'disk' | 'cdrom';
  /** Is this the cloud-init drive (`vm-<id>-cloudinit`). */
  cloudinit: boolean;
  /** The linked-clone base this volume derives from (`base-9000-disk-0`), if any. */
  base?: { id: number; volname: string };
  options: PropertyString;
}

/** A network interface of a guest config (qemu netN or lxc netN). */
export interface GuestNic {
  key: string;
  /** qemu: the NIC model; lxc: `veth`. */
  model: string;
  /** Upper-case MAC address. */
  mac?: string;
  bridge?: string;
  /** lxc: interface name inside the CT (eth0). */
  name?: string;
  tag?: number;
  firewall: boolean;
  options: PropertyString;
}

export interface Snapshot {
  name: string;
  parent?: string;
  description: string;
  /** Epoch seconds; undefined for `current`. */
  snaptime?: number;
  vmstate: boolean;
  /** The pseudo-entry for the running state ("You are here!"). */
  current: boolean;
}

export type StorageStatus = 'active' | 'inactive' | 'disabled' | string;

/** A row of `pvesm status`. Sizes in bytes (Proxmox prints KiB). */
export interface StorageInfo {
  id: string;
  type: string;
  status: StorageStatus;
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
  /** Percentage used; undefined when Proxmox shows N/A (disabled storage). */
  usedPercent?: number;
}

export type StorageContent =
  'images' | 'rootdir' | 'vztmpl' | 'iso' | 'backup' | 'snippets' | 'import';

/** A volume on a storage (`/nodes/{node}/storage/{storage}/content`). */
export interface StorageVolume {
  volid: string;
  /** images, rootdir, vztmpl, iso, backup, snippets, import. */
  content: string;
  format: string;
  sizeBytes: number;
  /** Owner guest, for disks and backups. */
  vmid?: number;
  /** The base volume of a linked clone (`local-lvm:base-9000-disk-0`). */
  parent?: string;
}

/** A template file on a storage (`pveam list`). */
export interface StoredTemplate {
  volid: string;
  /** File name without the `storage:vztmpl/` prefix. */
  file: string;
  sizeBytes: number;
}

/** A template Proxmox can download (`pveam available`). */
export interface AvailableTemplate {
  section: string;
  template: string;
  /** Missing on PVE releases before 2026-08 (two-column output), or `unknown`. */
  arch?: string;
}

/** A bridge on a node (`/nodes/{node}/network --type any_bridge`). */
export interface BridgeInfo {
  name: string;
  /** bridge or OVSBridge (or vnet for SDN). */
  type: string;
  active: boolean;
  autostart: boolean;
  vlanAware: boolean;
  ports: string[];
  cidr?: string;
  gateway?: string;
  comments?: string;
}

export interface VersionInfo {
  version: string;
  release: string;
  repoid: string;
}
