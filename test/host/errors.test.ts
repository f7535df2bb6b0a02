import { describe, expect, it } from 'vitest';
import {
  classifyFailure,
  HostError,
  silentFailure,
  type HostErrorKind,
} from '../../source/host/errors.js';
import { hintFor } from '../../source/host/hints.js';

/** stderr texts quoted from the Proxmox CLI reference, with the kind each must get. */
const cases: Array<[HostErrorKind, string, string]> = [
  [
    'not-found',
    "Configuration file 'nodes/pve/qemu-server/100.conf' does not exist\n",
    "Configuration file 'nodes/pve/qemu-server/100.conf' does not exist",
  ],
  [
    'not-found',
    "unable to find configuration file for VM 100 on node 'pve'\n",
    "unable to find configuration file for VM 100 on node 'pve'",
  ],
  ['not-found', "snapshot 'before' does not exist\n", "snapshot 'before' does not exist"],
  ['not-found', "no such resource '/x'\n", "no such resource '/x'"],
  [
    'exists',
    "unable to create VM 100 - VM 100 already exists on node 'pve'\n",
    "unable to create VM 100 - VM 100 already exists on node 'pve'",
  ],
  ['exists', "CT 101 already exists on node 'pve'\n", "CT 101 already exists on node 'pve'"],
  ['exists', "snapshot name 'snap1' already used\n", "snapshot name 'snap1' already used"],
  ['locked', 'VM is locked (backup)\n', 'VM is locked (backup)'],
  ['locked', 'CT is locked (snapshot-delete)\n', 'CT is locked (snapshot-delete)'],
  [
    'locked',
    "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout\n",
    "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout",
  ],
  ['agent-not-configured', 'No QEMU guest agent configured\n', 'No QEMU guest agent configured'],
  ['agent-not-running', 'QEMU guest agent is not running\n', 'QEMU guest agent is not running'],
  ['not-running', 'VM 100 is not running\n', 'VM 100 is not running'],
  ['not-running', 'CT 101 not running\n', 'CT 101 not running'],
  ['not-running', "container '101' not running!\n", "container '101' not running!"],
  ['not-running', 'can only push files to a running CT\n', 'can only push files to a running CT'],
  ['timeout', 'VM quit/powerdown failed - got timeout\n', 'VM quit/powerdown failed - got timeout'],
  ['timeout', 'container did not stop\n', 'container did not stop'],
  [
    'permission',
    'Permission check failed (/vms/100, VM.PowerMgmt)\n',
    'Permission check failed (/vms/100, VM.PowerMgmt)',
  ],
  [
    'permission',
    'configuring device passthrough is only allowed for root@pam\n',
    'configuring device passthrough is only allowed for root@pam',
  ],
  ['storage', "storage 'nfs1' is not online\n", "storage 'nfs1' is not online"],
  ['storage', 'Storage does not support templates!\n', 'Storage does not support templates!'],
  [
    'storage',
    "storage 'local' does not allow content type 'rootdir' (Container)\n",
    "storage 'local' does not allow content type 'rootdir' (Container)",
  ],
  ['storage', 'snapshot feature is not available\n', 'snapshot feature is not available'],
  ['failed', 'VM 100 is running - destroy failed\n', 'VM 100 is running - destroy failed'],
  [
    'failed',
    "can't remove VM 100 - protection mode enabled\n",
    "can't remove VM 100 - protection mode enabled",
  ],
  [
    'failed',
    "base volume 'local-lvm:base-9000-disk-0' is still in use by linked cloned\n",
    "base volume 'local-lvm:base-9000-disk-0' is still in use by linked cloned",
  ],
];

describe('classifyFailure', () => {
  it.each(cases)('%s: %s', (kind, stderr, message) => {
    const result = classifyFailure(stderr);
    expect(result.kind).toBe(kind);
    expect(result.message).toBe(message);
  });

  it('parses the parameter lines of a 400 and drops the usage line', () => {
    const stderr =
      '400 Parameter verification failed.\nvmid: invalid format - value does not look like a valid VM ID\nname: invalid format - value does not look like a valid DNS name\nqm create <vmid> [OPTIONS]\n';
    const result = classifyFailure(stderr);
    expect(result.kind).toBe('invalid-parameter');
    expect(result.parameters).toEqual({
      vmid: 'invalid format - value does not look like a valid VM ID',
      name: 'invalid format - value does not look like a valid DNS name',
    });
    expect(result.message).toContain(
      'vmid: invalid format - value does not look like a valid VM ID',
    );
    expect(result.message).not.toContain('[OPTIONS]');
  });

  it('keeps nested property-string errors under their parameter', () => {
    const stderr =
      '400 Parameter verification failed.\nnet0: invalid format - format error\nnet0.model: property is missing and it is not optional\nqm set <vmid> [OPTIONS]\n';
    const result = classifyFailure(stderr);
    expect(result.kind).toBe('invalid-parameter');
    expect(result.parameters).toEqual({
      net0: 'invalid format - format error',
      'net0.model': 'property is missing and it is not optional',
    });
  });

  it('gives semantic 400s their real kind', () => {
    const exists = classifyFailure(
      '400 Parameter verification failed.\nvmid: VM 100 already exists\npvesh get /cluster/nextid [OPTIONS]\n',
    );
    expect(exists.kind).toBe('exists');
    expect(exists.parameters).toEqual({ vmid: 'VM 100 already exists' });
    const storage = classifyFailure(
      "400 Parameter verification failed.\nstorage: storage 'local' does not support container directories\npct create <vmid> <ostemplate> [OPTIONS]\n",
    );
    expect(storage.kind).toBe('storage');
  });

  it('treats unknown options and argument count errors as invalid parameters', () => {
    expect(
      classifyFailure('Unknown option: foo\n400 unable to parse option\nqm set <vmid> [OPTIONS]\n')
        .kind,
    ).toBe('invalid-parameter');
    expect(classifyFailure('400 not enough arguments\nqm start <vmid> [OPTIONS]\n').kind).toBe(
      'invalid-parameter',
    );
  });

  it('records the lock name', () => {
    expect(classifyFailure('VM is locked (clone)\n').lock).toBe('clone');
  });

  it('strips the Perl source location and ignores warnings', () => {
    const result = classifyFailure(
      'WARN: something odd\ncan only pull files from a running VM at /usr/share/perl5/PVE/CLI/pct.pm line 512.\n',
    );
    expect(result.message).toBe('can only pull files from a running VM');
  });
});

describe('silentFailure (workers that exit 0 on failure)', () => {
  it('detects a failed qm resize / disk resize', () => {
    expect(
      silentFailure(
        ['qm', 'resize', '100', 'scsi0', '10G'],
        '',
        'shrinking disks is not supported\n',
      ),
    ).toBe('shrinking disks is not supported');
    expect(
      silentFailure(['qm', 'disk', 'resize', '100', 'scsi0', '10G'], '', 'VM is locked (backup)\n'),
    ).toBe('VM is locked (backup)');
    expect(silentFailure(['qm', 'resize', '100', 'scsi0', '+10G'], '', '')).toBeUndefined();
  });

  it('detects a failed template conversion and pct push', () => {
    expect(silentFailure(['qm', 'template', '9000'], '', 'some storage error\n')).toBe(
      'some storage error',
    );
    expect(
      silentFailure(['pct', 'push', '101', 'a', '/b'], '', 'failed to open a for reading\n'),
    ).toBe('failed to open a for reading');
  });

  it('requires the finished line from pveam download', () => {
    const ok =
      "downloading http://x/debian.tar.zst to /var/lib/vz/template/cache/debian.tar.zst\ncalculating checksum...OK, checksum verified\ndownload of 'http://x/debian.tar.zst' to '/var/lib/vz/template/cache/debian.tar.zst' finished\n";
    expect(silentFailure(['pveam', 'download', 'local', 'debian.tar.zst'], ok, '')).toBeUndefined();
    expect(
      silentFailure(
        ['pveam', 'download', 'local', 'debian.tar.zst'],
        'calculating checksum of existing file...OK, got correct file already, no need to download\n',
        '',
      ),
    ).toBeUndefined();
    expect(
      silentFailure(['pveam', 'download', 'local', 'x'], 'downloading …\n', 'wget failed\n'),
    ).toBe('wget failed');
  });

  it('detects pveam update failing with exit 0', () => {
    expect(
      silentFailure(
        ['pveam', 'update'],
        '',
        'update failed - see /var/log/pveam.log for details\n',
      ),
    ).toContain('update failed');
    expect(silentFailure(['pveam', 'update'], 'update successful\n', '')).toBeUndefined();
  });

  it('ignores warnings and harmless notes', () => {
    expect(
      silentFailure(
        ['qm', 'resize', '100', 'scsi0', '+1G'],
        '',
        'WARN: x\nTask finished with 1 warning(s)!\n',
      ),
    ).toBeUndefined();
    expect(silentFailure(['qm', 'start', '100'], '', 'anything\n')).toBeUndefined();
  });
});

describe('hintFor', () => {
  const ref = { id: 101, type: 'lxc' as const, node: 'pve2' };
  const error = (kind: HostErrorKind, message: string, lock?: string): HostError =>
    new HostError({
      kind,
      message,
      argv: [],
      stdout: '',
      stderr: '',
      exitCode: 255,
      ...(lock ? { lock } : {}),
    });

  it('tells how to clear a stale lock, with the right tool and node', () => {
    const hint = hintFor(error('locked', 'CT is locked (backup)', 'backup'), ref)!;
    expect(hint).toContain('pct unlock 101');
    expect(hint).toContain('/nodes/pve2/tasks');
  });

  it('covers the agent, the file lock, HA and linked clones', () => {
    expect(hintFor(error('agent-not-configured', 'No QEMU guest agent configured'), ref)).toContain(
      '--agent enabled=1',
    );
    expect(
      hintFor(
        error('locked', "can't lock file '/run/lock/lxc/pve-config-101.lock' - got timeout"),
        ref,
      ),
    ).toContain('wait');
    expect(
      hintFor(
        error(
          'failed',
          'unable to remove VM 101 - used in HA resources and purge parameter not set.',
        ),
        ref,
      ),
    ).toContain('--purge');
    expect(
      hintFor(
        error(
          'failed',
          "base volume 'local-lvm:base-9000-disk-0' is still in use by linked cloned",
        ),
        ref,
      ),
    ).toContain('linked clones');
    expect(hintFor(error('failed', 'something else'), ref)).toBeUndefined();
  });
});
