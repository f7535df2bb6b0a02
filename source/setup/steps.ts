import type { SetupStepId, SetupStepInfo } from './types.js';

export const SETUP_STEPS: readonly SetupStepInfo[] = [
  {
    id: 'repositories',
    title: 'Package repositories',
    explanation:
      'Without a subscription the enterprise repository refuses apt-get update. Adds the pve-no-subscription repository and disables (does not delete) the enterprise sources.',
    undo: 'restores the repository files exactly as they were',
    script: 'repositories.sh',
    configKeys: ['setup.repositories'],
  },
  {
    id: 'base_packages',
    title: 'Base packages',
    explanation: 'Installs the admin tools that are missing (curl, jq, htop, tmux, …).',
    undo: 'removes exactly the packages this step installed',
    script: 'base_packages.sh',
    configKeys: ['setup.base_packages'],
  },
  {
    id: 'timezone',
    title: 'Time zone and NTP',
    explanation: 'Sets the host time zone and turns NTP time sync on (chrony).',
    undo: 'sets the previous time zone and NTP setting back',
    script: 'timezone.sh',
    configKeys: ['timezone', 'setup.ntp'],
  },
  {
    id: 'admin_user',
    title: 'Admin user',
    explanation:
      'A Linux user with sudo, the same user as <user>@pam Proxmox Administrator, and your SSH key. The password is stored only as a hash.',
    undo: 'removes the Proxmox user, ACL, sudo membership and Linux user it created (the home directory stays); restores authorized_keys',
    script: 'admin_user.sh',
    configKeys: ['users'],
  },
  {
    id: 'zfs',
    title: 'ZFS pool and storages',
    explanation:
      'Creates a ZFS pool from unused disks (mirror, raidz1 or stripe), datasets, and registers them as Proxmox storages. A disk that holds data is wiped only after you type its by-id name.',
    undo: 'removes the Proxmox storages it added and sets changed properties back; pools and datasets are kept (they may hold data)',
    script: 'zfs.sh',
    configKeys: ['zfs.pools', 'zfs.datasets'],
  },
  {
    id: 'network',
    title: 'Network bridges',
    explanation:
      'Checks the management bridge; adds the internal NAT bridge as a new file in /etc/network/interfaces.d/ (never rewrites /etc/network/interfaces).',
    undo: 'restores the network files and reloads the network',
    script: 'network.sh',
    configKeys: ['network.interfaces', 'network.internal_bridge'],
  },
  {
    id: 'nfs',
    title: 'NFS exports',
    explanation:
      'Shares host folders over NFS, in their own file /etc/exports.d/phoenix.exports (never /etc/exports); installs the NFS server when missing.',
    undo: 'restores the exports file and reloads the exports; the package and folders stay',
    script: 'nfs.sh',
    configKeys: ['nfs.exports'],
  },
  {
    id: 'samba',
    title: 'Samba shares',
    explanation:
      'Shares host folders over SMB: the shares go into /etc/samba/phoenix-shares.conf, included from smb.conf by one appended line (smb.conf is never regenerated). No Samba password is stored.',
    undo: 'restores smb.conf and the shares file and reloads smbd; the package and folders stay',
    script: 'samba.sh',
    configKeys: ['samba', 'mount_point_base'],
  },
  {
    id: 'firewall',
    title: 'Cluster firewall',
    explanation:
      'Sets the cluster firewall options and adds the rules of the config to /etc/pve/firewall/cluster.fw; rules already there are kept, the file is never rewritten.',
    undo: 'restores cluster.fw exactly as it was (removes it when setup created it)',
    script: 'firewall.sh',
    configKeys: ['firewall'],
  },
  {
    id: 'nvidia',
    title: 'NVIDIA driver',
    explanation:
      'Installs the NVIDIA driver with DKMS (rebuilt on kernel upgrades). Needs a reboot: setup records where it stopped and finishes when you run it again after the reboot.',
    undo: 'restores the nouveau blacklist file; the driver stays installed',
    script: 'nvidia.sh',
    configKeys: ['nvidia_driver'],
  },
];

export function stepInfo(id: SetupStepId): SetupStepInfo {
  const info = SETUP_STEPS.find((step) => step.id === id);
  if (!info) throw new Error(`unknown setup step ${id}`);
  return info;
}

export function isStepId(value: string): value is SetupStepId {
  return SETUP_STEPS.some((step) => step.id === value);
}
