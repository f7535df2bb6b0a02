// Guest agent, cloud-init and commands inside guests (§4 guest agent, §10 items 27-29).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newHost, type TestHost } from './sim.js';

let host: TestHost;
beforeAll(() => {
  host = newHost();
  host.qm('clone', '9000', '110', '--name', 'web01.lab.local');
});
afterAll(() => host.remove());

describe('guest agent', () => {
  it('§27 precondition order: not configured, not running, agent not running', () => {
    host.qm('create', '111', '--memory', '512');
    expect(host.qm('agent', '111', 'ping')).toMatchObject({
      code: 255,
      stderr: 'No QEMU guest agent configured\n',
    });
    expect(host.qm('agent', '110', 'ping')).toMatchObject({
      code: 255,
      stderr: 'VM 110 is not running\n',
    });
    host.run('qm', ['start', '110'], { PVE_SIM_AGENT_DELAY: '60000' });
    expect(host.qm('agent', '110', 'ping')).toMatchObject({
      code: 255,
      stderr: 'QEMU guest agent is not running\n',
    });
    expect(host.qm('guest', 'exec', '110', '--', 'true').stderr).toBe(
      'QEMU guest agent is not running\n',
    );
    host.qm('stop', '110');
  });

  it('§27 ping prints nothing; exec prints sorted 3-space JSON and always exits 0', () => {
    host.qm('start', '110');
    expect(host.qm('agent', '110', 'ping')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(host.qm('guest', 'cmd', '110', 'ping').code).toBe(0);
    expect(host.qm('agent', '110', 'bogus').stderr).toContain(
      "command: value 'bogus' does not have a value in the enumeration",
    );
    const r = host.qm(
      'guest',
      'exec',
      '110',
      '--',
      'bash',
      '-c',
      'echo hello; echo oops >&2; exit 3',
    );
    expect(r).toEqual({
      code: 0,
      stdout:
        '{\n   "err-data" : "oops\\n",\n   "exitcode" : 3,\n   "exited" : 1,\n   "out-data" : "hello\\n"\n}\n',
      stderr: '',
    });
    expect(host.qm('guest', 'exec', '110', '--', 'true').stdout).toBe(
      '{\n   "exitcode" : 0,\n   "exited" : 1\n}\n',
    );
    expect(host.qm('guest', 'exec', '110').stderr).toBe(
      'command or input-data (or both) required\n',
    );
    expect(host.qm('guest', 'exec', '110', 'ls', '-la').stderr).toContain('Unknown option: la\n');
    const async = host.qm('guest', 'exec', '110', '--synchronous', '0', '--', 'hostname');
    const pid = JSON.parse(async.stdout.replace(/ : /g, ':')).pid as number;
    expect(
      JSON.parse(host.qm('guest', 'exec-status', '110', String(pid)).stdout.replace(/ : /g, ':')),
    ).toEqual({
      exitcode: 0,
      exited: 1,
      'out-data': 'web01\n',
    });
  });

  it('--timeout: a command that runs too long returns its pid with a warning', () => {
    const r = host.qm('guest', 'exec', '110', '--timeout', '1', '--', 'sleep', '5');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('timeout reached, returning pid\n');
    expect(r.stdout).toMatch(/^\{\n {3}"pid" : \d+\n\}\n$/);
    expect(
      host.qm('guest', 'exec', '110', '--synchronous', '0', '--timeout', '5', '--', 'true').stderr,
    ).toBe(
      "400 Parameter verification failed.\nsynchronous: needs to be set for 'timeout'\nqm guest exec <vmid> [<extra-args>] [OPTIONS]\n",
    );
  });

  it('network-get-interfaces reports the configured NIC', () => {
    const ifaces = JSON.parse(host.qm('agent', '110', 'network-get-interfaces').stdout) as {
      name: string;
      'hardware-address': string;
    }[];
    expect(ifaces.map((i) => i.name)).toEqual(['lo', 'eth0']);
    const mac = /net0: virtio=([0-9A-F:]+)/
      .exec(host.qm('config', '110').stdout)![1]!
      .toLowerCase();
    expect(ifaces[1]!['hardware-address']).toBe(mac);
  });

  it('commands run in the scratch root, never on this machine', () => {
    const r = host.qm(
      'guest',
      'exec',
      '110',
      '--',
      'bash',
      '-c',
      'mkdir -p "$PHOENIX_ROOT/opt/app" && echo ok > "$PHOENIX_ROOT/opt/app/x" && cat /opt/app/x 2>/dev/null || echo absent',
    );
    expect(r.stdout).toContain('absent');
    expect(existsSync('/opt/app/x')).toBe(false);
    expect(existsSync(join(host.dir, 'sim/guests/110/root/opt/app/x'))).toBe(true);
    expect(host.qm('guest', 'exec', '110', '--', 'cat', '/opt/app/x').stdout).toContain(
      '"out-data" : "ok\\n"',
    );
    expect(host.qm('guest', 'exec', '110', '--', 'cat', '/etc/os-release').stdout).toContain(
      'Ubuntu',
    );
  });
});

describe('sandbox', () => {
  it.skipIf(process.getuid?.() !== 0)(
    'as root, a guest script cannot write outside the state dir',
    () => {
      const target = join(tmpdir(), `sim-escape-${process.pid}`);
      const r = host.qm('guest', 'exec', '110', '--', 'bash', '-c', `echo x > ${target}; echo $?`);
      expect(r.stdout).toContain('"out-data" : "1\\n"');
      expect(r.stdout).toContain('Read-only file system');
      expect(existsSync(target)).toBe(false);
    },
  );
});

describe('cloud-init', () => {
  it('status honours the boot timeline and --wait', () => {
    host.qm('stop', '110');
    host.run('qm', ['start', '110'], {
      PVE_SIM_AGENT_DELAY: '0',
      PVE_SIM_CLOUDINIT_DELAY: '60000',
    });
    expect(host.qm('guest', 'exec', '110', '--', 'cloud-init', 'status').stdout).toContain(
      '"out-data" : "status: running\\n"',
    );
    host.qm('stop', '110');
    host.run('qm', ['start', '110'], { PVE_SIM_AGENT_DELAY: '0', PVE_SIM_CLOUDINIT_DELAY: '300' });
    const waited = host.qm('guest', 'exec', '110', '--', 'cloud-init', 'status', '--wait');
    expect(waited.stdout).toContain('status: done\\n');
    expect(waited.stdout).toContain('"exitcode" : 0');
  });

  it('the cloudInitError fault makes status exit 2; a script sees it through PATH too', () => {
    host.faults({ cloudInitError: [110] });
    const r = host.qm('guest', 'exec', '110', '--', 'cloud-init', 'status', '--long');
    expect(r.stdout).toContain('"exitcode" : 2');
    expect(r.stdout).toContain('status: error');
    const viaScript = host.qm(
      'guest',
      'exec',
      '110',
      '--',
      'bash',
      '-c',
      'cloud-init status --wait >/dev/null; echo $?',
    );
    expect(viaScript.stdout).toContain('"out-data" : "2\\n"');
    host.faults({});
  });

  it('agentNeverUp keeps the agent down', () => {
    host.faults({ agentNeverUp: [110] });
    expect(host.qm('agent', '110', 'ping').stderr).toBe('QEMU guest agent is not running\n');
    host.faults({});
    expect(host.qm('agent', '110', 'ping').code).toBe(0);
  });

  it('qm cloudinit dump user/network/meta', () => {
    const keys = join(host.dir, 'id.pub');
    writeFileSync(keys, 'ssh-ed25519 AAAAC3Nza admin@laptop\n');
    host.qm(
      'set',
      '110',
      '--ciuser',
      'admin',
      '--sshkeys',
      keys,
      '--ipconfig0',
      'ip=10.0.0.50/24,gw=10.0.0.1',
      '--nameserver',
      '10.0.0.53',
      '--searchdomain',
      'lab.local',
    );
    const user = host.qm('cloudinit', 'dump', '110', 'user').stdout;
    expect(user).toBe(
      '#cloud-config\nhostname: web01\nmanage_etc_hosts: true\nfqdn: web01.lab.local\nuser: admin\n' +
        'ssh_authorized_keys:\n  - ssh-ed25519 AAAAC3Nza admin@laptop\nchpasswd:\n  expire: False\nusers:\n  - default\npackage_upgrade: true\n\n',
    );
    const network = host.qm('cloudinit', 'dump', '110', 'network').stdout;
    expect(network).toContain(
      "      - type: static\n        address: '10.0.0.50'\n        netmask: '255.255.255.0'\n        gateway: '10.0.0.1'\n",
    );
    expect(network).toContain(
      "    - type: nameserver\n      address:\n      - '10.0.0.53'\n      search:\n      - 'lab.local'\n",
    );
    expect(host.qm('cloudinit', 'dump', '110', 'meta').stdout).toMatch(
      /^instance-id: [0-9a-f]{40}\n\n$/,
    );
  });

  it('cicustom snippets must exist on a snippets storage at start', () => {
    host.qm('stop', '110');
    host.qm('set', '110', '--cicustom', 'user=local:snippets/user.yaml');
    expect(host.qm('start', '110')).toMatchObject({
      code: 255,
      stderr: "unable to open file '/var/lib/vz/snippets/user.yaml' - No such file or directory\n",
    });
    writeFileSync(join(host.dir, 'fs/var/lib/vz/snippets/user.yaml'), '#cloud-config\n');
    expect(host.qm('start', '110').code).toBe(0);
    host.qm('stop', '110');
    host.qm('set', '110', '--cicustom', 'user=local:iso/user.yaml');
    expect(host.qm('start', '110').stderr).toBe(
      'local:iso/user.yaml is not in the snippets directory\n',
    );
  });
});
