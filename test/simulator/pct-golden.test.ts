// Golden tests for pct against the reference's §10 behaviours.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newHost, readConf, type TestHost } from './sim.js';

const debian = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';
let host: TestHost;
beforeAll(() => {
  host = newHost();
});
afterAll(() => host.remove());

describe('pct', () => {
  it('§16 create defaults: local storage without rootdir fails with the parameter error', () => {
    expect(host.pct('create', '101', debian)).toEqual({
      code: 255,
      stdout: '',
      stderr:
        "400 Parameter verification failed.\nstorage: storage 'local' does not support container directories\npct create <vmid> <ostemplate> [OPTIONS]\n",
    });
  });

  it('§16 §12 create writes the defaults and canonical net/rootfs strings', () => {
    const keys = join(host.dir, 'keys.pub');
    writeFileSync(keys, 'ssh-ed25519 AAAAC3Nza me@laptop\n');
    const r = host.pct(
      'create',
      '101',
      debian,
      '--rootfs',
      'local-lvm:8',
      '--net0',
      'name=eth0,bridge=vmbr0,ip=10.0.0.51/24,gw=10.0.0.1,firewall=1',
      '--features',
      'nesting=1',
      '--ssh-public-keys',
      keys,
      '--hostname',
      'ct101',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "extracting archive '/var/lib/vz/template/cache/debian-12-standard_12.7-1_amd64.tar.zst'\n",
    );
    const conf = host.pct('config', '101').stdout;
    expect(conf).toContain('arch: amd64\n');
    expect(conf).toContain('hostname: ct101\n');
    expect(conf).toContain('memory: 512\n');
    expect(conf).toContain('swap: 512\n');
    expect(conf).toContain('unprivileged: 1\n');
    expect(conf).toContain('features: nesting=1\n');
    expect(conf).toContain('rootfs: local-lvm:vm-101-disk-0,size=8G\n');
    expect(conf).toMatch(
      /\nnet0: name=eth0,bridge=vmbr0,firewall=1,gw=10\.0\.0\.1,hwaddr=BC:24:11:[0-9A-F:]{8},ip=10\.0\.0\.51\/24,type=veth\n/,
    );
    expect(host.pct('create', '101', debian, '--rootfs', 'local-lvm:8').stderr).toBe(
      "CT 101 already exists on node 'pve'\n",
    );
    expect(host.pct('create', '9000', debian, '--rootfs', 'local-lvm:8').stderr).toBe(
      "VM 9000 already exists on node 'pve'\n",
    );
    expect(host.pct('create', '102', debian, '--mp0', 'local-lvm:1,mp=/data').stderr).toBe(
      "mount points configured, but 'rootfs' not set - aborting\n",
    );
  });

  it('§6 pct list shows the lock and falls back to CT<id>', () => {
    host.pct('create', '103', debian, '--rootfs', 'local-lvm:2');
    host.pct('set', '103', '--delete', 'hostname');
    const file = join(host.dir, 'nodes/pve/lxc/103.conf');
    writeFileSync(file, readConf(host, 'lxc', 103).replace('memory:', 'lock: backup\nmemory:'));
    const out = host.pct('list').stdout;
    expect(out.split('\n')[0]).toBe('VMID       Status     Lock         Name                ');
    expect(out).toContain('101        stopped                 ct101               \n');
    expect(out).toContain('103        stopped    backup       CT103               \n');
    expect(host.pct('set', '103', '--cores', '2').stderr).toBe('CT is locked (backup)\n');
    expect(host.pct('unlock', '103').code).toBe(0);
    expect(host.pct('unlock', '103').stderr).toBe('no lock found trying to remove any lock\n');
  });

  it('§17 pct set prints nothing; read-only and required options', () => {
    expect(host.pct('set', '101', '--cores', '2', '--tags', 'B,a')).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
    expect(host.pct('config', '101').stdout).toContain('tags: a;b\n');
    expect(host.pct('set', '101', '--unprivileged', '0').stderr).toBe(
      "unable to modify read-only option: 'unprivileged'\n",
    );
    expect(host.pct('set', '101', '--delete', 'memory').stderr).toBe(
      "unable to delete required option 'memory'\n",
    );
  });

  it('§20 §21 §28 start/stop/exec quirks', () => {
    expect(host.pct('stop', '101')).toMatchObject({ code: 255, stderr: 'CT 101 not running\n' });
    expect(host.pct('shutdown', '101').stderr).toBe('CT 101 not running\n');
    expect(host.pct('reboot', '101').stderr).toBe('CT 101 not running\n');
    expect(host.pct('exec', '101', '--', 'true').stderr).toBe("container '101' not running!\n");
    expect(host.pct('start', '101').code).toBe(0);
    expect(host.pct('status', '101').stdout).toBe('status: running\n');
    expect(host.pct('start', '101')).toMatchObject({
      code: 255,
      stderr: 'CT 101 already running\n',
    });
    expect(host.pct('exec', '101', '--', 'bash', '-c', 'echo out; echo err >&2; exit 7')).toEqual({
      code: 7,
      stdout: 'out\n',
      stderr: 'err\n',
    });
    expect(host.pct('exec', '101', '--', 'ls', '-la', '/etc/os-release').code).toBe(0);
    expect(host.pct('exec', '101', 'ls', '-la').stderr).toContain('Unknown option: la\n');
    expect(host.pct('exec', '101').stderr).toMatch(
      /^missing command at \/usr\/share\/perl5\/PVE\/CLI\/pct\.pm line \d+\.\n$/,
    );
  });

  it('pct push copies into the scratch root; feature scripts see PHOENIX_ROOT', () => {
    const script = join(host.dir, 'x.sh');
    writeFileSync(
      script,
      'mkdir -p "${PHOENIX_ROOT:-}/etc/phoenix"\necho done > "${PHOENIX_ROOT:-}/etc/phoenix/marker"\n',
    );
    expect(host.pct('push', '101', script, '/root/x.sh', '--perms', '0755').code).toBe(0);
    expect(host.pct('exec', '101', '--', 'bash', '/root/x.sh').code).toBe(0);
    expect(host.pct('exec', '101', '--', 'cat', '/etc/phoenix/marker').stdout).toBe('done\n');
    expect(host.pct('push', '101', '/nonexistent', '/root/y')).toEqual({
      code: 0,
      stdout: '',
      stderr: 'failed to open /nonexistent for reading\n',
    });
    host.pct('stop', '101');
    expect(host.pct('push', '101', script, '/root/x.sh').stderr).toBe(
      'can only push files to a running CT\n',
    );
  });

  it('§23 destroy needs --force for a running CT', () => {
    host.pct('start', '103');
    expect(host.pct('destroy', '103').stderr).toBe(
      'unable to destroy CT 103 - container is running\n',
    );
    expect(host.pct('destroy', '103', '--force').code).toBe(0);
    expect(host.pct('status', '103').code).toBe(2);
  });

  it('§24 resize: shrink and same size are errors', () => {
    expect(host.pct('resize', '101', 'rootfs', '+2G').code).toBe(0);
    expect(host.pct('config', '101').stdout).toContain(
      'rootfs: local-lvm:vm-101-disk-0,size=10G\n',
    );
    expect(host.pct('resize', '101', 'rootfs', '4G')).toMatchObject({
      code: 255,
      stderr: 'unable to shrink disk size\n',
    });
    expect(host.pct('resize', '101', 'rootfs', '10G')).toMatchObject({
      code: 255,
      stderr: 'disk is already at specified size\n',
    });
  });

  it('§26 snapshots: vzdump is reserved for pct', () => {
    expect(host.pct('snapshot', '101', 'vzdump').stderr).toBe(
      "unable to use snapshot name 'vzdump' (reserved name)\n",
    );
    expect(host.pct('snapshot', '101', 'base').code).toBe(0);
    expect(host.pct('listsnapshot', '101').stdout).toMatch(/^`-> base /);
  });

  it('§19 clone uses --hostname, locks source and target, regenerates MACs', () => {
    host.pct('delsnapshot', '101', 'base');
    const mac = /hwaddr=([0-9A-F:]+)/.exec(host.pct('config', '101').stdout)![1]!;
    const r = host.pct('clone', '101', '104', '--hostname', 'copy104');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('creating a clone of container 101 with ID 104\n');
    expect(r.stdout).toContain(
      'create full clone of mountpoint rootfs (local-lvm:vm-101-disk-0)\n',
    );
    const conf = host.pct('config', '104').stdout;
    expect(conf).toContain('hostname: copy104\n');
    expect(conf).not.toContain(mac);
    expect(host.pct('config', '101').stdout).not.toContain('lock:');
    expect(host.pct('clone', '101', '104').stderr).toBe("CT 104 already exists on node 'pve'\n");
    expect(host.pct('clone', '101', '105', '--name', 'x').stderr).toContain(
      'Unknown option: name\n',
    );
  });

  it('§25 pct template', () => {
    expect(host.pct('template', '104').code).toBe(0);
    expect(host.pct('config', '104').stdout).toContain(
      'rootfs: local-lvm:base-104-disk-0,size=10G\n',
    );
    expect(host.pct('template', '104').stderr).toBe("you can't convert a template to a template\n");
    expect(host.pct('start', '104')).toMatchObject({
      code: 255,
      stderr: "you can't start a CT if it's a template\n",
    });
  });
});
