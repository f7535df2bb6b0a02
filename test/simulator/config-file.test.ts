// Unit tests of the Proxmox config file reader/writer (reference §9).
import { describe, expect, it } from 'vitest';
import { effectiveProps, parseConfig, writeConfig } from '../../source/simulator/config-file.js';

const sample = `#Web server%3A production
#second line
agent: 1
boot: order=scsi0;net0
memory: 2048
parent: before-upgrade
scsi0: local-lvm:vm-100-disk-0,iothread=1,size=32G

[PENDING]
delete: agent
memory: 4096

[special:cloudinit]
ipconfig0: ip=dhcp

[before-upgrade]
#snapshot note
memory: 1024
snaptime: 1714557600
`;

describe('config files', () => {
  it('parses description comments, pending, cloud-init and snapshot sections', () => {
    const config = parseConfig(sample);
    expect(config.main.props.description).toBe('Web server: production\nsecond line');
    expect(config.main.props.parent).toBe('before-upgrade');
    expect(config.pending?.props).toEqual({ delete: 'agent', memory: '4096' });
    expect(config.cloudinit?.props).toEqual({ ipconfig0: 'ip=dhcp' });
    expect(config.snapshots['before-upgrade']?.props).toEqual({
      description: 'snapshot note',
      memory: '1024',
      snaptime: '1714557600',
    });
    expect(effectiveProps(config, false)).toMatchObject({ memory: '4096' });
    expect(effectiveProps(config, false)).not.toHaveProperty('agent');
    expect(effectiveProps(config, true)).toMatchObject({ memory: '2048', agent: '1' });
  });

  it('writes sorted keys and sections in Proxmox order (round trip)', () => {
    expect(writeConfig(parseConfig(sample), 'qemu')).toBe(sample);
    const lxc = parseConfig(
      'memory: 512\nlxc.mount.entry = /a b none bind\narch: amd64\n\n[pve:pending]\ncores: 2\n',
    );
    expect(writeConfig(lxc, 'lxc')).toBe(
      'arch: amd64\nmemory: 512\nlxc.mount.entry: /a b none bind\n\n[pve:pending]\ncores: 2\n',
    );
  });
});
