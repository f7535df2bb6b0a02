// Golden tests for qm against the reference's §10 behaviours (numbers in the test names).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newHost, readConf, type TestHost } from './sim.js';

let host: TestHost;
beforeAll(() => {
  host = newHost();
});
afterAll(() => host.remove());

describe('qm', () => {
  it('§5 qm list prints nothing without VMs, the fixed-width table otherwise', () => {
    const empty = newHost();
    empty.qm('destroy', '9000');
    expect(empty.qm('list')).toEqual({ code: 0, stdout: '', stderr: '' });
    empty.remove();
    const { stdout, code } = host.qm('list');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe(
      '      VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID       ',
    );
    expect(stdout).toContain(
      '      9000 ubuntu-24.04-cloud   stopped    2048               3.50 0         \n',
    );
  });

  it('§5 the name falls back to "VM <id>"', () => {
    expect(host.qm('create', '150', '--memory', '512').code).toBe(0);
    expect(host.qm('list').stdout).toContain(
      '       150 VM 150               stopped    512                0.00 0         \n',
    );
    host.qm('destroy', '150');
  });

  it('§1 §2 vmid validation: format error first, usage line last, non-zero exit', () => {
    const r = host.qm('status', '99');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(
      '400 Parameter verification failed.\nvmid: invalid format - value does not look like a valid VM ID\nqm status <vmid> [OPTIONS]\n',
    );
    expect(host.qm('status', 'abc').stderr).toContain(
      "vmid: type check ('integer') failed - got 'abc'\n",
    );
  });

  it('§3 a missing guest (or a CT id) gives the "does not exist" text, exit 2', () => {
    const r = host.qm('status', '4242');
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: "Configuration file 'nodes/pve/qemu-server/4242.conf' does not exist\n",
    });
    expect(
      host.pct(
        'create',
        '300',
        'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
        '--rootfs',
        'local-lvm:4',
      ).code,
    ).toBe(0);
    expect(host.qm('config', '300').stderr).toBe(
      "Configuration file 'nodes/pve/qemu-server/300.conf' does not exist\n",
    );
    expect(host.pct('status', '9000').stderr).toBe(
      "Configuration file 'nodes/pve/lxc/9000.conf' does not exist\n",
    );
    host.pct('destroy', '300');
  });

  it('§A.1 unknown options, abbreviations, booleans', () => {
    const unknown = host.qm('set', '9000', '--foo', '1');
    expect(unknown.stderr).toBe(
      'Unknown option: foo\n400 unable to parse option\nqm set <vmid> [OPTIONS]\n',
    );
    expect(unknown.code).toBe(255);
    expect(host.qm('list', '--output-format', 'json').stderr).toContain(
      'Unknown option: output-format\n',
    );
    expect(host.qm('conf', '9000').stdout).toContain('name: ubuntu-24.04-cloud\n');
    expect(host.qm('li').stderr).toContain(
      "ERROR: unknown command 'qm li'\nUSAGE: qm <COMMAND> [ARGS] [OPTIONS]\n",
    );
    expect(host.qm('li').code).toBe(255);
    expect(host.qm('create', '151', '--onb', '--memory', '512').code).toBe(0);
    expect(readConf(host, 'qemu-server', 151)).toContain('onboot: 1\n');
    const bad = host.qm('set', '151', '--onboot', 'maybe');
    expect(bad.stderr).toBe('400 unable to parse boolean option\nqm set <vmid> [OPTIONS]\n');
    host.qm('destroy', '151');
  });

  it('§2 property strings are validated from the schema', () => {
    const key = host.qm('set', '9000', '--net1', 'virtio,bridge=vmbr0,foo=1');
    expect(key.stderr).toBe(
      '400 Parameter verification failed.\nnet1: invalid format - invalid key in comma-separated list property: foo\nqm set <vmid> [OPTIONS]\n',
    );
    const model = host.qm('set', '9000', '--net1', 'bridge=vmbr0');
    expect(model.stderr).toContain(
      'net1: invalid format - format error\nnet1.model: property is missing and it is not optional\n',
    );
    const range = host.qm('set', '9000', '--vga', 'std,memory=1024');
    expect(range.stderr).toContain('vga.memory: value must have a maximum value of 512\n');
    const enumeration = host.qm('set', '9000', '--ostype', 'dos');
    expect(enumeration.stderr).toContain(
      "ostype: value 'dos' does not have a value in the enumeration 'other, wxp, w2k, w2k3, w2k8, wvista, win7, win8, win10, win11, l24, l26, solaris'\n",
    );
    expect(host.qm('set', '9000', '--ipconfig0', 'ip=10.0.0.300/24').stderr).toContain(
      'ipconfig0: invalid format - format error\nipconfig0.ip: invalid format - value does not look like a valid ipv4 network configuration\n',
    );
    expect(host.qm('set', '9000', '--name', 'bad_name').stderr).toContain(
      'name: invalid format - value does not look like a valid DNS name\n',
    );
    expect(host.qm('set', '9000', '--startup', 'order=x').stderr).toContain(
      'startup: invalid format',
    );
  });

  it('§10 qm config prints sorted keys without digest, description URL-encoded; §11 file layout', () => {
    host.qm(
      'create',
      '152',
      '--name',
      'web01',
      '--memory',
      '2048',
      '--cores',
      '2',
      '--net0',
      'virtio,bridge=vmbr0',
      '--scsi0',
      'local-lvm:32',
      '--scsihw',
      'virtio-scsi-single',
      '--description',
      'Web server: production',
    );
    const lines = host.qm('config', '152').stdout.trimEnd().split('\n');
    const keys = lines.map((l) => l.split(':')[0]);
    expect(keys).toEqual([...keys].sort());
    expect(lines).toContain('description: Web server%3A production');
    expect(lines).toContain('boot: order=scsi0;net0');
    expect(lines.some((l) => /^meta: creation-qemu=[\d.]+,ctime=\d+$/.test(l))).toBe(true);
    expect(lines.some((l) => /^smbios1: uuid=[0-9a-f-]{36}$/.test(l))).toBe(true);
    expect(lines.some((l) => /^vmgenid: [0-9a-f-]{36}$/.test(l))).toBe(true);
    expect(
      lines.some((l) =>
        /^net0: virtio=BC:24:11:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2},bridge=vmbr0$/.test(l),
      ),
    ).toBe(true);
    expect(lines).toContain('scsi0: local-lvm:vm-152-disk-0,size=32G');
    expect(
      readConf(host, 'qemu-server', 152).startsWith(
        '#Web server%3A production\nboot: order=scsi0;net0\n',
      ),
    ).toBe(true);
  });

  it('§14 disks: lowest free N, successfully created line, cloud-init volume', () => {
    const r = host.qm('set', '152', '--scsi1', 'local-lvm:10', '--ide2', 'local-lvm:cloudinit');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "scsi1: successfully created disk 'local-lvm:vm-152-disk-1,size=10G'\n",
    );
    expect(r.stdout).toContain(
      "ide2: successfully created disk 'local-lvm:vm-152-cloudinit,media=cdrom'\n",
    );
    expect(host.qm('set', '152', '--ide3', 'local-lvm:cloudinit').stderr).toContain(
      "ide3 - cloud-init drive is already attached at 'ide2'",
    );
    expect(host.qm('set', '152', '--scsi2', '8').stderr).toBe(
      'no storage ID specified (and no default storage)\n',
    );
  });

  it('§15 create on a taken id fails before the fork', () => {
    expect(host.qm('create', '9000').stderr).toBe(
      "unable to create VM 9000 - VM 9000 already exists on node 'pve'\n",
    );
  });

  it('§17 qm set prints the sorted update line (cipassword hidden) and refuses locked VMs', () => {
    const r = host.qm('set', '152', '--memory', '4096', '--cores', '4', '--cipassword', 'secret');
    expect(r.stdout).toBe('update VM 152: -cipassword <hidden> -cores 4 -memory 4096\n');
    expect(readConf(host, 'qemu-server', 152)).toMatch(/^cipassword: \$5\$/m);
    expect(host.qm('config', '152').stdout).toContain('cipassword: **********\n');
    expect(host.qm('set', '152').stderr).toBe('no options specified\n');
    const conf = readConf(host, 'qemu-server', 152);
    writeFileSync(
      join(host.dir, 'nodes/pve/qemu-server/152.conf'),
      conf.replace('memory: 4096\n', 'lock: backup\nmemory: 4096\n'),
    );
    expect(host.qm('set', '152', '--cores', '2').stderr).toBe('VM is locked (backup)\n');
    expect(host.qm('set', '152', '--cores', '2', '--skiplock').code).toBe(0);
    expect(host.qm('unlock', '152').code).toBe(0);
    expect(readConf(host, 'qemu-server', 152)).not.toContain('lock:');
    const del = host.qm('set', '152', '--delete', 'balloon');
    expect(del.code).toBe(0);
    expect(del.stderr).toBe("cannot delete 'balloon' - not set in current configuration!\n");
  });

  it('§29 tags are normalised; sshkeys come from a file and are stored URL-encoded', () => {
    host.qm('set', '152', '--tags', 'Web;prod,web  AI');
    expect(host.qm('config', '152').stdout).toContain('tags: ai;prod;web\n');
    expect(host.qm('set', '152', '--tags', 'bad!tag').stderr).toContain(
      'tags: invalid format - invalid characters in tag\n',
    );
    const keyFile = join(host.dir, 'key.pub');
    writeFileSync(keyFile, 'ssh-ed25519 AAAAC3Nza user@host\n');
    expect(host.qm('set', '152', '--sshkey', keyFile).code).toBe(0);
    expect(host.qm('config', '152').stdout).toContain(
      'sshkeys: ssh-ed25519%20AAAAC3Nza%20user%40host%0A\n',
    );
  });

  it('§19 §13 clone: linked from a template, new MACs, default name, refusals', () => {
    const srcMac = /net0: virtio=([0-9A-F:]+)/.exec(host.qm('config', '9000').stdout)![1];
    const r = host.qm('clone', '9000', '201');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('creating a clone of VM 9000 with ID 201\n');
    expect(r.stdout).toContain('create linked clone of drive scsi0 (local-lvm:base-9000-disk-0)\n');
    expect(r.stdout).toContain('create full clone of drive ide2 (local-lvm:vm-9000-cloudinit)\n');
    const conf = host.qm('config', '201').stdout;
    expect(conf).toContain('name: Copy-of-VM-ubuntu-24.04-cloud\n');
    expect(conf).toContain('scsi0: local-lvm:vm-201-disk-0,size=3584M\n');
    expect(conf).toContain('ide2: local-lvm:vm-201-cloudinit,media=cdrom\n');
    expect(conf).not.toContain('template:');
    expect(conf).not.toContain(srcMac);
    expect(host.qm('clone', '9000', '202', '--storage', 'local-lvm').stderr).toBe(
      "parameter 'storage' not allowed for linked clones\n",
    );
    expect(host.qm('clone', '9000', '202', '--full', '0', '--format', 'raw').stderr).toBe(
      "parameter 'format' not allowed for linked clones\n",
    );
    expect(host.qm('clone', '9000', '201').stderr).toBe(
      'unable to create VM 201: config file already exists\n',
    );
    const full = host.qm('clone', '201', '203', '--name', 'full01');
    expect(full.stdout).toContain('create full clone of drive scsi0 (local-lvm:vm-201-disk-0)\n');
    expect(full.stdout).toContain("allocated target volume 'local-lvm:vm-203-disk-0'\n");
    expect(host.qm('clone', '9000', '204', '--target', 'nowhere').stderr).toBe(
      "no such cluster node 'nowhere'\n",
    );
  });

  it('§20 §21 start/stop quirks', () => {
    expect(host.qm('start', '9000')).toMatchObject({
      code: 255,
      stderr: "you can't start a vm if it's a template\n",
    });
    expect(host.qm('start', '201').code).toBe(0);
    expect(host.qm('status', '201').stdout).toBe('status: running\n');
    expect(host.qm('start', '201')).toMatchObject({
      code: 255,
      stderr: 'VM 201 already running\n',
    });
    expect(host.qm('stop', '201')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(host.qm('stop', '201')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(host.qm('status', '201').stdout).toBe('status: stopped\n');
    expect(host.qm('start', '999')).toMatchObject({
      code: 255,
      stderr: "Configuration file 'nodes/pve/qemu-server/999.conf' does not exist\n",
    });
    expect(host.qm('stop', '999')).toMatchObject({
      code: 255,
      stderr: "unable to find configuration file for VM 999 on node 'pve'\n",
    });
  });

  it('§22 shutdown of a stopped VM prints "not running" and succeeds; reboot needs a running VM', () => {
    expect(host.qm('shutdown', '201')).toEqual({
      code: 0,
      stdout: '',
      stderr: 'VM 201 not running\n\n',
    });
    expect(host.qm('reboot', '201')).toMatchObject({ code: 255, stderr: 'VM 201 not running\n' });
    host.qm('start', '201');
    expect(host.qm('reboot', '201').code).toBe(0);
    expect(host.qm('shutdown', '201').code).toBe(0);
    expect(host.qm('status', '201').stdout).toBe('status: stopped\n');
  });

  it('§23 destroy: running and protection refusals, template with linked clones', () => {
    host.qm('start', '203');
    expect(host.qm('destroy', '203')).toMatchObject({
      code: 255,
      stderr: 'VM 203 is running - destroy failed\n',
    });
    host.qm('stop', '203');
    host.qm('set', '203', '--protection', '1');
    expect(host.qm('destroy', '203').stderr).toBe(
      "can't remove VM 203 - protection mode enabled\n",
    );
    host.qm('set', '203', '--protection', '0');
    expect(host.qm('destroy', '203', '--purge')).toEqual({
      code: 0,
      stdout: 'purging VM 203 from related configurations..\n',
      stderr: '',
    });
    expect(host.qm('status', '203').code).toBe(2);
    expect(host.qm('destroy', '9000').stderr).toBe(
      "base volume 'local-lvm:base-9000-disk-0' is still in use by linked cloned\n",
    );
  });

  it('§24 resize: relative, bytes, shrink error but exit 0', () => {
    expect(host.qm('resize', '201', 'scsi0', '+1G').code).toBe(0);
    expect(host.qm('config', '201').stdout).toContain(
      'scsi0: local-lvm:vm-201-disk-0,size=4608M\n',
    );
    expect(host.qm('disk', 'resize', '201', 'scsi0', '10G').code).toBe(0);
    expect(host.qm('config', '201').stdout).toContain('size=10G\n');
    expect(host.qm('resize', '201', 'scsi0', '5G')).toEqual({
      code: 0,
      stdout: '',
      stderr: 'shrinking disks is not supported\n',
    });
    expect(host.qm('resize', '201', 'scsi5', '5G').stderr).toBe("disk 'scsi5' does not exist\n");
    expect(host.qm('resize', '201', 'ide2', '+1G').stderr).toBe("you can't resize a cdrom\n");
  });

  it('§26 snapshots: names, reserved, duplicates, tree, rollback, delete', () => {
    expect(host.qm('snapshot', '201', 'x').stderr).toContain(
      "snapname: invalid format - invalid configuration ID 'x'\n",
    );
    expect(host.qm('snapshot', '201', 'a'.repeat(41)).stderr).toContain(
      'snapname: value may only be 40 characters long\n',
    );
    expect(host.qm('snapshot', '201', 'current').stderr).toBe(
      "unable to use snapshot name 'current' (reserved name)\n",
    );
    expect(host.qm('snapshot', '201', 'pending').stderr).toBe(
      "unable to use snapshot name 'pending' (reserved name)\n",
    );
    expect(host.qm('snapshot', '201', 'snap1', '--description', 'before upgrade').code).toBe(0);
    expect(host.qm('snapshot', '201', 'snap1')).toMatchObject({
      code: 255,
      stderr: "snapshot name 'snap1' already used\n",
    });
    host.qm('set', '201', '--memory', '1024');
    expect(host.qm('snapshot', '201', 'snap2').code).toBe(0);
    const file = readConf(host, 'qemu-server', 201);
    expect(file).toMatch(/\nparent: snap2\n/);
    expect(file).toMatch(/\n\[snap1\]\n/);
    expect(file).toMatch(/\[snap2\][^[]*parent: snap1\n/);
    expect(file).toMatch(/snaptime: \d+\n/);
    const tree = host.qm('listsnapshot', '201').stdout.split('\n');
    expect(tree[0]).toMatch(/^`-> snap1 {23}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {5}before upgrade$/);
    expect(tree[1]).toMatch(/^ `-> snap2 {22}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {5}no-description$/);
    expect(tree[2]).toBe('  `-> current' + ' '.repeat(18 + 1 + 23 + 1) + 'You are here!');
    expect(host.qm('rollback', '201', 'snap1').code).toBe(0);
    expect(host.qm('config', '201').stdout).toContain('memory: 2048\n');
    expect(host.qm('rollback', '201', 'nope').stderr).toBe("snapshot 'nope' does not exist\n");
    expect(host.qm('delsnapshot', '201', 'snap2').code).toBe(0);
    expect(host.qm('delsnapshot', '201', 'snap2')).toMatchObject({
      code: 255,
      stderr: "snapshot 'snap2' does not exist\n",
    });
  });

  it('§25 template refuses snapshots, running VMs and templates; sets template: 1 with base- disks', () => {
    expect(host.qm('template', '201').stderr).toBe(
      'unable to create template, because VM contains snapshots\n',
    );
    expect(host.qm('template', '9000').stderr).toBe("you can't convert a template to a template\n");
    host.qm('create', '205', '--scsi0', 'local-lvm:2');
    host.qm('start', '205');
    expect(host.qm('template', '205').stderr).toBe(
      "you can't convert a VM to template if VM is running\n",
    );
    host.qm('stop', '205');
    expect(host.qm('template', '205').code).toBe(0);
    const conf = host.qm('config', '205').stdout;
    expect(conf).toContain('template: 1\n');
    expect(conf).toContain('scsi0: local-lvm:base-205-disk-0,size=2G\n');
    expect(host.qm('snapshot', '205', 'snap').stderr).toBe(
      "you can't take a snapshot if it's a template\n",
    );
  });

  it('§7 status --verbose prints sorted keys', () => {
    const out = host.qm('status', '9000', '--verbose').stdout;
    expect(out).toContain('qmpstatus: stopped\n');
    expect(out).toContain('template: 1\n');
    const keys = out
      .trimEnd()
      .split('\n')
      .map((l) => l.split(':')[0]);
    expect(keys).toEqual([...keys].sort());
  });

  it('every call is logged to calls.jsonl', () => {
    const calls = host.calls();
    expect(calls.length).toBeGreaterThan(20);
    expect(calls.some((c) => c.argv.join(' ') === 'qm destroy 203 --purge' && c.exit === 0)).toBe(
      true,
    );
    expect(calls.every((c) => typeof c.ms === 'number')).toBe(true);
  });
});
