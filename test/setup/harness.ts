// A fake Proxmox VE 9 host for the `phoenix setup` tests: a temporary PHOENIX_ROOT with the files
// a fresh install has, the host command stubs of source/simulator/host-bin (then the guest stubs of
// source/simulator/guest-bin) first on PATH. Every stub records its argv in <root>/.calls.
import { createHash } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HypervisorSpec } from '../../source/config/types.js';
import type { SetupEnv } from '../../source/setup/environment.js';
import {
  ENTERPRISE_SOURCES,
  INTERFACES,
  seedHostRoot,
  SMB_CONF,
  STORAGE_CFG,
  USER_CFG,
} from '../../source/simulator/host-root.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const hostBin = join(repoRoot, 'source/simulator/host-bin');
export const guestBin = join(repoRoot, 'source/simulator/guest-bin');

/** Calls that change the host. A second run must make none of them. */
export const MUTATING =
  /^(apt-get (install|remove|purge|update)|useradd|usermod|userdel|gpasswd|chpasswd|pveum (user|acl) (add|modify|delete)|pvesm (add|remove|set)|zpool (create|destroy)|zfs (create|set|destroy)|wipefs (-a|--all)|timedatectl set|ifreload|update-initramfs|chown|curl|exportfs|mkdir|systemctl (enable|start|restart|stop|disable|reload)|NVIDIA-Linux)/;

export { ENTERPRISE_SOURCES, INTERFACES, SMB_CONF, STORAGE_CFG, USER_CFG };

export class FakeHost {
  readonly root = mkdtempSync(join(tmpdir(), 'phoenix-host-'));

  constructor() {
    seedHostRoot(this.root);
  }

  path(hostPath: string): string {
    return join(this.root, hostPath);
  }

  write(hostPath: string, content: string): void {
    mkdirSync(dirname(this.path(hostPath)), { recursive: true });
    writeFileSync(this.path(hostPath), content);
  }

  read(hostPath: string): string {
    return readFileSync(this.path(hostPath), 'utf8');
  }

  calls(): string[] {
    try {
      return readFileSync(this.path('/.calls'), 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }

  clearCalls(): void {
    writeFileSync(this.path('/.calls'), '');
  }

  mutatingCalls(): string[] {
    return this.calls().filter((call) => MUTATING.test(call));
  }

  processEnv(): NodeJS.ProcessEnv {
    return {
      PATH: `${hostBin}:${guestBin}:/usr/bin:/bin`,
      PHOENIX_ROOT: this.root,
      PHOENIX_RETRY_DELAY: '0',
      PHOENIX_LOCK_POLL: '0.2',
      LANG: 'C.UTF-8',
      PHOENIX_JSON_READER: 'jq',
    };
  }

  env(featuresDir = join(repoRoot, 'features')): SetupEnv {
    return {
      root: this.root,
      featuresDir,
      stateDir: this.path('/var/lib/phoenix_hypervisor/setup'),
      processEnv: this.processEnv(),
    };
  }

  /** Simulates a reboot: a new boot id; the NVIDIA module loads if a driver was installed. */
  reboot(): void {
    this.write('/proc/sys/kernel/random/boot_id', `boot-${Date.now()}\n`);
    this.write('/var/lib/phoenix-stub/host/nvidia-loaded', '');
  }

  /** Every file and symlink under the root (state of the stubs and .calls aside), hashed. */
  snapshot(
    skip: RegExp = /^(\.calls|var\/lib\/phoenix-stub|var\/lib\/phoenix_hypervisor)/,
  ): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const full = join(dir, name);
        const rel = relative(this.root, full);
        if (skip.test(rel)) continue;
        const info = lstatSync(full);
        if (info.isSymbolicLink()) out[rel] = `link ${readlinkSync(full)}`;
        else if (info.isDirectory()) walk(full);
        else
          out[rel] =
            `${createHash('sha256').update(readFileSync(full)).digest('hex')} ${(info.mode & 0o777).toString(8)}`;
      }
    };
    walk(this.root);
    return out;
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export const HASH =
  '$6$phoenixtest1234$kJ8bzmwXBxnWm9oJ0YpTq0fQmZp3Z3v2yqT0C0TjBnQ5Yp2xQzCk3kU9d3s3O6N2qGm4mZy7m1cKx8xw9yK7m/';
export const SSH_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHJFoReWUwqimvy6rJjJeHVGmKk2N5uYmzLWDqtkAMZN admin@ws';

/** Host settings that choose every step. */
export function fullHypervisor(): HypervisorSpec {
  return {
    timezone: 'Europe/Berlin',
    users: [
      {
        username: 'phoenix-admin',
        password_hash: HASH,
        sudo_access: true,
        ssh_public_key: SSH_KEY,
      },
    ],
    network: {
      interfaces: { name: 'vmbr0', address: '10.0.0.2/24', gateway: '10.0.0.1' },
      internal_bridge: { name: 'vmbr100', subnet: '172.16.100.0/24' },
    },
    zfs: {
      pools: [
        {
          name: 'fast',
          raid_level: 'mirror',
          disks: ['/dev/disk/by-id/ata-WDC_WD40EFRX_WD-1', '/dev/disk/by-id/ata-WDC_WD40EFRX_WD-2'],
        },
      ],
      datasets: [
        {
          name: 'vm-disks',
          pool: 'fast',
          properties: 'recordsize=16K',
          proxmox_storage_type: 'zfspool',
          proxmox_content_type: 'images,rootdir',
        },
        {
          name: 'iso',
          pool: 'fast',
          proxmox_storage_type: 'dir',
          proxmox_content_type: 'iso,vztmpl',
        },
      ],
    },
    nfs: {
      exports: [
        {
          path: '/srv/nfs/vm-data',
          clients: ['10.0.0.0/24'],
          options: ['rw', 'sync', 'no_subtree_check'],
        },
        { path: '/srv/legacy', clients: ['10.0.0.5'] },
      ],
    },
    samba: {
      user: 'phoenix-admin',
      shares: [
        { name: 'models', path: 'srv/models', valid_users: ['phoenix-admin'] },
        { name: 'homes', path: '/home' },
      ],
    },
    firewall: {
      enabled: true,
      default_input_policy: 'DROP',
      default_output_policy: 'ACCEPT',
      global_firewall_rules: [
        {
          type: 'in',
          action: 'ACCEPT',
          source: '10.0.0.0/24',
          proto: 'tcp',
          port: '8006',
          comment: 'web UI',
        },
        { type: 'in', action: 'ACCEPT', macro: 'SSH', source: '10.0.0.0/24' },
      ],
    },
    nvidia_driver: { install: true, version: '580.76.05' },
    extra: { setup: { base_packages: ['curl', 'jq', 'htop'] } },
  };
}
