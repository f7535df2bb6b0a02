// A freshly installed Proxmox VE 9 host's system files under a root folder, for `phoenix setup`
// against a stand-in host (the demo and the setup tests). The stub system commands of host-bin/
// keep their state under <root>/var/lib/phoenix-stub and record every call in <root>/.calls.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const ENTERPRISE_SOURCES =
  'Types: deb\nURIs: https://enterprise.proxmox.com/debian/pve\nSuites: trixie\nComponents: pve-enterprise\nSigned-By: /usr/share/keyrings/proxmox-archive-keyring.gpg\n';
export const INTERFACES =
  'auto lo\niface lo inet loopback\n\niface nic0 inet manual\n\nauto vmbr0\niface vmbr0 inet static\n\taddress 10.0.0.2/24\n\tgateway 10.0.0.1\n\tbridge-ports nic0\n\tbridge-stp off\n\tbridge-fd 0\n';
export const STORAGE_CFG =
  'dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n\nlvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\tcontent rootdir,images\n\ndir: users-own\n\tpath /srv/own\n\tcontent iso\n';
export const SMB_CONF =
  '[global]\n   workgroup = WORKGROUP\n   server role = standalone server\n\n[homes]\n   comment = Home Directories\n   browseable = no\n';
export const USER_CFG =
  'user:root@pam:1:0:::root@example.com:::\nuser:alice@pve:1:0:::::made by hand::\nacl:1:/:alice@pve:PVEAuditor:\n';

/** Time zones the stand-in host knows (a real host has the whole tz database). */
const ZONES = [
  'UTC',
  'Etc/UTC',
  'Europe/Berlin',
  'Europe/London',
  'America/New_York',
  'Asia/Tokyo',
];

/** Writes the fresh host's files under `root`: enterprise repositories, vmbr0, three disks, a GPU. */
export function seedHostRoot(root: string): void {
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  write(
    '/etc/os-release',
    'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nNAME="Debian GNU/Linux"\nVERSION_ID="13"\nID=debian\nVERSION_CODENAME=trixie\n',
  );
  write('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n');
  write('/etc/group', 'root:x:0:\nsudo:x:27:\n');
  write('/etc/shadow', 'root:*:19000:0:99999:7:::\n');
  write('/etc/apt/sources.list.d/pve-enterprise.sources', ENTERPRISE_SOURCES);
  write(
    '/etc/apt/sources.list.d/ceph.sources',
    'Types: deb\nURIs: https://enterprise.proxmox.com/debian/ceph-squid\nSuites: trixie\nComponents: enterprise\nSigned-By: /usr/share/keyrings/proxmox-archive-keyring.gpg\n',
  );
  write(
    '/etc/apt/sources.list.d/debian.sources',
    'Types: deb\nURIs: http://deb.debian.org/debian/\nSuites: trixie trixie-updates\nComponents: main contrib non-free-firmware\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n',
  );
  write('/usr/share/keyrings/proxmox-archive-keyring.gpg', 'key\n');
  for (const zone of ZONES) write(`/usr/share/zoneinfo/${zone}`, 'TZif stub\n');
  write('/etc/network/interfaces', INTERFACES);
  write('/usr/lib/systemd/system/nfs-server.service', '[Unit]\n');
  write('/usr/lib/systemd/system/smbd.service', '[Unit]\n');
  write('/etc/samba/smb.conf', SMB_CONF);
  write(
    '/etc/exports',
    '# /etc/exports: the access control list for NFS\n/srv/legacy 10.0.0.0/24(ro)\n',
  );
  write('/etc/resolv.conf', 'nameserver 10.0.0.1\n');
  write('/etc/pve/storage.cfg', STORAGE_CFG);
  write('/etc/pve/user.cfg', USER_CFG);
  write('/proc/sys/kernel/random/boot_id', 'boot-1\n');
  write(
    '/proc/cmdline',
    'BOOT_IMAGE=/boot/vmlinuz-6.14.8-2-pve root=/dev/mapper/pve-root ro quiet\n',
  );
  write('/var/lib/dpkg/phoenix-installed', 'curl 8.14.1-2\nchrony 4.6-1\n');
  mkdirSync(join(root, '/dev/disk/by-id'), { recursive: true });
  for (const [id, device] of [
    ['ata-WDC_WD40EFRX_WD-1', 'sdb'],
    ['ata-WDC_WD40EFRX_WD-2', 'sdc'],
    ['ata-OLD_DISK_WD-3', 'sdd'],
  ] as const) {
    write(`/dev/${device}`, '');
    symlinkSync(`../../${device}`, join(root, `/dev/disk/by-id/${id}`));
  }
  // sdd holds an old file system.
  write('/var/lib/phoenix-stub/host/disks/sdd.sigs', 'gpt\n');
  write('/var/lib/phoenix-stub/host/disks/sdd.parts', 'sdd1 ext4\n');
  write(
    '/var/lib/phoenix-stub/host/lspci',
    '00:1f.6 Ethernet controller [0200]: Intel Corporation I219-LM [8086:15b7]\n01:00.0 VGA compatible controller [0300]: NVIDIA Corporation AD102 [GeForce RTX 4090] [10de:2684] (rev a1)\n',
  );
}
