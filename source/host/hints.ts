import type { GuestRef } from '../inventory/types.js';
import type { HostError } from './errors.js';

/** What the user can do about a known kind of host failure. */
export function hintFor(error: HostError, guest?: GuestRef): string | undefined {
  const tool = guest?.type === 'lxc' ? 'pct' : 'qm';
  const id = guest ? String(guest.id) : '<id>';
  const node = guest?.node ?? '<node>';
  switch (error.kind) {
    case 'locked':
      if (/can't lock file/.test(error.message)) {
        return 'another Proxmox operation holds the config file lock; wait for it to finish and retry';
      }
      return (
        `the guest is locked${error.lock ? ` (${error.lock})` : ''} by an operation. Check that no task ` +
        `is still running for it (pvesh get /nodes/${node}/tasks --vmid ${id} --source active); ` +
        `if none is, remove the stale lock with \`${tool} unlock ${id}\``
      );
    case 'agent-not-configured':
      return `enable the guest agent (qm set ${id} --agent enabled=1), install qemu-guest-agent in the guest and restart the VM`;
    case 'agent-not-running':
      return 'install and start qemu-guest-agent inside the guest (systemctl enable --now qemu-guest-agent)';
    case 'not-running':
      return `the guest is not running; start it first (phoenix start ${id})`;
    case 'timeout':
      return error.timedOut
        ? 'the host did not answer in time; check the task list on the node and retry (timeouts are configurable)'
        : 'Proxmox gave up waiting; for shutdown, try `phoenix stop` or a longer timeout';
    case 'permission':
      return 'run Phoenix as root on a Proxmox VE node';
    case 'node-unreachable': {
      const target = error.node ?? node;
      return (
        `phoenix reaches other nodes over root SSH, as Proxmox's own migration does: ` +
        `check \`ssh root@${target} true\` from this node (\`pvecm updatecerts\` renews the cluster's keys)`
      );
    }
    case 'storage':
      return 'check the storage with `pvesm status` and its content types in /etc/pve/storage.cfg';
    case 'not-found':
      return /command not found/.test(error.message)
        ? 'Phoenix drives qm/pct/pvesh on a Proxmox VE node; run it there'
        : undefined;
    case 'invalid-parameter':
      return 'Proxmox rejected a parameter; this is a Phoenix bug if the value came from your config unchanged — please report it';
    default:
      if (/still in use by linked clone/.test(error.message)) {
        return 'linked clones still use this template’s disks: delete them first (or make them full clones)';
      }
      if (/protection mode enabled/.test(error.message)) {
        return `protection is on: ${tool} set ${id} --protection 0 (only if you really mean to delete it)`;
      }
      if (/used in HA resources and purge parameter not set/.test(error.message)) {
        return 'the guest is HA-managed: add --purge to remove it from HA as well';
      }
      if (/is running - destroy failed|container is running/.test(error.message)) {
        return `stop it first: phoenix stop ${id}`;
      }
      return undefined;
  }
}
