/**
 * What Phoenix puts into a VM's cloud-init documents. Independent of the config layer: the
 * provisioning pipeline maps a guest's config onto this.
 */
export interface CloudInitInput {
  /** Short host name (RFC 1123 label). */
  hostname: string;
  /** Fully qualified name; written to /etc/hosts together with the hostname. */
  fqdn?: string;
  user: CloudInitUser;
  network: CloudInitNetwork;
  /** Packages installed on first boot besides qemu-guest-agent. */
  packages?: string[];
  /** Upgrade every package on first boot (default false: faster, reproducible). */
  packageUpgrade?: boolean;
  /** Files written on first boot, before runcmd: feature scripts, their lib, the context. */
  files?: CloudInitFile[];
  /** Commands run once on first boot, in order, after the guest agent was started. */
  runcmd?: string[][];
  /** NoCloud instance id; a new id makes cloud-init run again. Defaults to the hostname. */
  instanceId?: string;
}

export interface CloudInitUser {
  name: string;
  /** A crypt(3) hash ($6$… or $y$…), never a plain password. Without it the password is locked. */
  passwordHash?: string;
  sshAuthorizedKeys: string[];
  /** Passwordless sudo (default true). */
  sudo?: boolean;
  /** Allow SSH password logins (default false; needs passwordHash). */
  sshPasswordAuth?: boolean;
  /** Supplementary groups. */
  groups?: string[];
  /** Login shell, default /bin/bash. */
  shell?: string;
}

/** The VM's first NIC: found by MAC address when given, else by name (default eth0). */
export interface CloudInitNic {
  /** Interface id and, with a MAC, the name it is given (default eth0). */
  name?: string;
  macAddress?: string;
}

export type CloudInitNetwork =
  | (CloudInitNic & {
      mode: 'dhcp';
      /** Override the DHCP-provided resolvers. */
      nameservers?: string[];
      search?: string[];
    })
  | (CloudInitNic & {
      mode: 'static';
      /** IPv4 address with prefix length, e.g. 10.0.0.101/24. */
      address: string;
      gateway?: string;
      nameservers: string[];
      search: string[];
    });

export interface CloudInitFile {
  /** Absolute path in the guest. */
  path: string;
  content: string;
  /** Octal mode as a string, e.g. "0755" (default "0644"). */
  permissions?: string;
  /** user:group, default root:root. */
  owner?: string;
}
