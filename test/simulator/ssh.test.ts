// ssh between the nodes of a simulated two-node cluster, and the agent API's input-data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newHost, type TestHost } from './sim.js';

const TEMPLATE = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

let host: TestHost;
beforeAll(() => {
  host = newHost({ nodes: 2 });
  host.run('pct', ['create', '910', TEMPLATE, '--rootfs', 'local-lvm:4'], { PVE_SIM_NODE: 'pve2' });
  host.run('pct', ['start', '910'], { PVE_SIM_NODE: 'pve2' });
  host.run('qm', ['create', '2100', '--name', 'far-vm', '--agent', '1'], { PVE_SIM_NODE: 'pve2' });
  host.run('qm', ['start', '2100'], { PVE_SIM_NODE: 'pve2' });
});
afterAll(() => host.remove());

const ssh = (args: string[], input?: string) => host.run('ssh', args, {}, input);

describe('ssh to a node of the cluster', () => {
  it('runs the command with bash as root on the node named or addressed', () => {
    for (const destination of ['root@pve2', 'root@192.168.1.11', 'ssh://root@pve2:22']) {
      expect(ssh([destination, 'echo "$USER on $PVE_SIM_NODE"'])).toEqual({
        code: 0,
        stdout: 'root on pve2\n',
        stderr: '',
      });
    }
    expect(ssh(['-l', 'root', 'pve', 'echo', '$PVE_SIM_NODE']).stdout).toBe('pve\n');
  });

  it("parses options before and after the destination, like OpenSSH, up to '--'", () => {
    const options = ['-e', 'none', '-o', 'BatchMode=yes', '-oHostKeyAlias=pve2', '-T'];
    expect(
      ssh([...options, 'root@192.168.1.11', '-o', 'ConnectTimeout=15', '--', 'pct', 'list']),
    ).toMatchObject({ code: 0, stdout: expect.stringContaining('910') });
    // After `--` every word belongs to the command.
    expect(ssh(['root@pve2', '--', 'echo', '-n', 'x']).stdout).toBe('x');
  });

  it("reaches the node's guests only there: pct sees the containers of the node it runs on", () => {
    expect(host.pct('exec', '910', '--', 'true')).toMatchObject({ code: 2 });
    expect(ssh(['root@pve2', 'pct exec 910 -- cat'], 'through stdin\n')).toEqual({
      code: 0,
      stdout: 'through stdin\n',
      stderr: '',
    });
    const calls = host.calls().slice(-2);
    expect(calls.map((call) => call.argv.slice(0, 2))).toEqual([
      ['pct', 'exec'],
      ['ssh', 'root@pve2'],
    ]);
  });

  it("exits with the command's status", () => {
    expect(ssh(['root@pve2', 'exit 7']).code).toBe(7);
    expect(ssh(['root@pve2', 'pct exec 911 -- true'])).toMatchObject({
      code: 2,
      stderr: "Configuration file 'nodes/pve2/lxc/911.conf' does not exist\n",
    });
  });

  it('fails like OpenSSH, with 255, for hosts outside the cluster, other users and wrong keys', () => {
    expect(ssh(['root@pve3', 'true'])).toEqual({
      code: 255,
      stdout: '',
      stderr: 'ssh: Could not resolve hostname pve3: Name or service not known\n',
    });
    expect(ssh(['root@10.9.9.9', 'true'])).toMatchObject({
      code: 255,
      stderr: 'ssh: connect to host 10.9.9.9 port 22: No route to host\n',
    });
    expect(ssh(['admin@pve2', 'true'])).toMatchObject({
      code: 255,
      stderr: 'admin@pve2: Permission denied (publickey,password).\n',
    });
    expect(ssh(['-o', 'HostKeyAlias=pve', 'root@192.168.1.11', 'true'])).toMatchObject({
      code: 255,
      stderr: 'Host key verification failed.\n',
    });
    expect(ssh(['-Z', 'root@pve2'])).toMatchObject({
      code: 255,
      stderr: expect.stringMatching(/^unknown option -- Z\nusage: ssh /),
    });
    expect(ssh([])).toMatchObject({ code: 255, stderr: expect.stringMatching(/^usage: ssh /) });
  });
});

describe('the agent API on another node', () => {
  it("passes input-data to the command as its stdin, up to the schema's 65536 characters", () => {
    const started = host.pvesh(
      'create',
      '/nodes/pve2/qemu/2100/agent/exec',
      '--command',
      'bash',
      '--command',
      '-s',
      '--input-data',
      'read line; echo "got $line"; exit 3',
      '--output-format',
      'json',
    );
    expect(started.code).toBe(0);
    const { pid } = JSON.parse(started.stdout) as { pid: number };
    const status = host.pvesh(
      'get',
      '/nodes/pve2/qemu/2100/agent/exec-status',
      '--pid',
      String(pid),
      '--output-format',
      'json',
    );
    expect(JSON.parse(status.stdout)).toEqual({ exited: 1, exitcode: 3, 'out-data': 'got \n' });

    const tooLong = host.pvesh(
      'create',
      '/nodes/pve2/qemu/2100/agent/exec',
      '--command',
      'cat',
      '--input-data',
      'x'.repeat(65537),
    );
    expect(tooLong.code).toBe(255);
    expect(tooLong.stderr).toContain('input-data: value may only be 65536 characters long');
  });
});
