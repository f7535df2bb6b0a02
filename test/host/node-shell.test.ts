import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostError } from '../../source/host/errors.js';
import { hintFor } from '../../source/host/hints.js';
import { createHost, type Host } from '../../source/host/host.js';
import { remoteCommandLine, sshFailure } from '../../source/host/node-shell.js';
import { createSimHost, type SimHost } from './sim-host.js';

const TEMPLATE = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

describe('remoteCommandLine', () => {
  it('quotes every word so the remote shell gets back the same argv', () => {
    const argv = [
      'printf',
      '%s|',
      "it's",
      '$HOME',
      'a b',
      '*',
      '',
      '--x=y',
      'é;`id`',
      'line\nbreak',
    ];
    const line = remoteCommandLine(argv);
    expect(execFileSync('bash', ['-c', line], { encoding: 'utf8' })).toBe(
      `${argv.slice(2).join('|')}|`,
    );
    expect(remoteCommandLine(['pct', 'exec', '910', '--', 'cat', '/var/lib/x.done'])).toBe(
      'pct exec 910 -- cat /var/lib/x.done',
    );
  });
});

describe('sshFailure', () => {
  it("tells ssh's own failures from the remote command's exit 255", () => {
    expect(sshFailure(255, 'ssh: connect to host 192.168.1.11 port 22: Connection refused\n')).toBe(
      'ssh: connect to host 192.168.1.11 port 22: Connection refused',
    );
    expect(sshFailure(255, 'root@192.168.1.11: Permission denied (publickey,password).\n')).toMatch(
      /Permission denied/,
    );
    expect(sshFailure(255, 'Host key verification failed.\n')).toBe(
      'Host key verification failed.',
    );
    // pct dies with 255 too, with Proxmox's message.
    expect(sshFailure(255, "Configuration file 'nodes/pve2/lxc/910.conf' does not exist\n")).toBe(
      undefined,
    );
    expect(sshFailure(1, 'ssh: something\n')).toBe(undefined);
  });
});

describe('commands on another node of the simulated cluster', () => {
  let sim: SimHost;
  let host: Host;
  beforeAll(() => {
    sim = createSimHost({ nodes: 2 });
    sim.tool(
      ['pct', 'create', '910', TEMPLATE, '--hostname', 'far', '--rootfs', 'local-lvm:4'],
      'pve2',
    );
    sim.tool(['pct', 'start', '910'], 'pve2');
    host = createHost({ env: sim.env });
  });
  afterAll(() => sim.remove());

  it('runs them over root SSH to the address corosync has for the node', async () => {
    const argv = [
      'pct',
      'exec',
      '910',
      '--',
      'bash',
      '-c',
      'echo "$1 on $HOSTNAME"; cat',
      'x',
      "it's $HOME",
    ];
    const ssh = [
      'ssh',
      '-e',
      'none',
      '-o',
      'BatchMode=yes',
      '-o',
      'HostKeyAlias=pve2',
      '-o',
      'ConnectTimeout=15',
      'root@192.168.1.11',
      '--',
      remoteCommandLine(argv),
    ];
    expect(await host.nodeCommand('pve2', argv)).toEqual(ssh);
    const result = await host.runOnNode('pve2', argv, { input: 'from stdin\n' });
    expect(result.stdout).toBe("it's $HOME on far\nfrom stdin\n");
    expect(result.argv).toEqual(ssh);
    // The command ran on pve2 (the simulator logs it with its node), after one ssh call.
    const calls = sim.calls().slice(-2);
    expect(calls.map((call) => [call.argv[0], call.node])).toEqual([
      ['pct', 'pve2'],
      ['ssh', 'pve'],
    ]);
  });

  it('runs them here when the node is this one', async () => {
    expect(await host.nodeCommand('pve', ['pct', 'list'])).toEqual(['pct', 'list']);
    expect((await host.runOnNode('pve', ['pct', 'list'])).argv).toEqual(['pct', 'list']);
  });

  it("classifies the remote tool's failure as Proxmox's, with its exit code", async () => {
    const error = await host
      .runOnNode('pve2', ['pct', 'exec', '911', '--', 'true'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostError);
    expect((error as HostError).kind).toBe('not-found');
    expect((error as HostError).exitCode).toBe(2);
    expect((error as HostError).argv[0]).toBe('ssh');
  });

  it('says when ssh cannot reach the node, and what to check', async () => {
    const faults = {
      fail: [
        { tool: 'ssh', stderr: 'ssh: connect to host 192.168.1.11 port 22: Connection refused' },
      ],
    };
    const broken = createHost({ env: { ...sim.env, PVE_SIM_FAULTS: JSON.stringify(faults) } });
    const error = (await broken
      .runOnNode('pve2', ['pct', 'exec', '910', '--', 'true'])
      .catch((e: unknown) => e)) as HostError;
    expect(error.kind).toBe('node-unreachable');
    expect(error.message).toBe('ssh: connect to host 192.168.1.11 port 22: Connection refused');
    expect(hintFor(error)).toContain(
      "phoenix reaches other nodes over root SSH, as Proxmox's own migration does: check `ssh root@pve2 true`",
    );
  });

  it('refuses a node that is not in the cluster, naming the members', async () => {
    const error = (await host
      .runOnNode('pve9', ['pct', 'list'])
      .catch((e: unknown) => e)) as HostError;
    expect(error).toBeInstanceOf(HostError);
    expect(error.kind).toBe('not-found');
    expect(error.message).toBe("node 'pve9' is not a member of this cluster (pve, pve2)");
  });

  it("makes a bind mount's directory on the node, owned as asked, only what is missing", async () => {
    const announced: string[] = [];
    const options = { announce: (argv: readonly string[]) => announced.push(argv.join(' ')) };
    const ssh =
      'ssh -e none -o BatchMode=yes -o HostKeyAlias=pve2 -o ConnectTimeout=15 root@192.168.1.11 --';
    expect(await host.directoryState('pve2', '/srv/far/data', options)).toEqual({ exists: false });
    const made = await host.ensureDirectory(
      'pve2',
      '/srv/far/data',
      { uid: 101000, gid: 101000 },
      options,
    );
    expect(made).toEqual({
      path: '/srv/far/data',
      created: true,
      owner: { uid: 101000, gid: 101000 },
      chowned: true,
    });
    expect(announced).toEqual([
      `${ssh} stat -c %u:%g -- /srv/far/data`,
      `${ssh} stat -c %u:%g -- /srv/far/data`,
      `${ssh} mkdir -p -m 0755 -- /srv/far/data`,
      `${ssh} chown 101000:101000 -- /srv/far/data`,
    ]);
    // On pve2's files, not this node's.
    const stats = statSync(join(sim.dir, 'sim', 'nodes', 'pve2', 'fs', 'srv', 'far', 'data'));
    expect([stats.uid, stats.gid]).toEqual([101000, 101000]);
    expect(existsSync(join(sim.dir, 'fs', 'srv', 'far'))).toBe(false);
    expect(await host.directoryState('pve2', '/srv/far/data')).toEqual({
      exists: true,
      uid: 101000,
      gid: 101000,
    });

    // Again: it only looks. Another owner: only chown.
    const before = sim.calls().length;
    expect(
      await host.ensureDirectory('pve2', '/srv/far/data', { uid: 101000, gid: 101000 }),
    ).toMatchObject({ created: false, chowned: false });
    expect(
      await host.ensureDirectory('pve2', '/srv/far/data', { uid: 100000, gid: 100000 }),
    ).toMatchObject({
      created: false,
      chowned: true,
    });
    expect(
      sim
        .calls()
        .slice(before)
        .filter((call) => call.argv[0] !== 'ssh')
        .map((call) => `${call.node}: ${call.argv.join(' ')}`),
    ).toEqual([
      'pve2: stat -c %u:%g -- /srv/far/data',
      'pve2: stat -c %u:%g -- /srv/far/data',
      'pve2: chown 100000:100000 -- /srv/far/data',
    ]);
  });

  it("keeps to this node's files for this node, and fails clearly on the other", async () => {
    const here = createHost({ env: { ...sim.env, PHOENIX_HOST_ROOT: join(sim.dir, 'fs') } });
    expect(await here.ensureDirectory('pve', '/srv/near')).toMatchObject({ created: true });
    expect(existsSync(join(sim.dir, 'fs', 'srv', 'near'))).toBe(true);
    expect(await here.directoryState('pve', '/srv/near')).toMatchObject({ exists: true });

    const faults = {
      fail: [
        {
          tool: 'mkdir',
          stderr: "mkdir: cannot create directory '/srv/x': Read-only file system",
          exit: 1,
        },
      ],
    };
    const broken = createHost({ env: { ...sim.env, PVE_SIM_FAULTS: JSON.stringify(faults) } });
    const error = (await broken
      .ensureDirectory('pve2', '/srv/x')
      .catch((e: unknown) => e)) as HostError;
    expect(error).toBeInstanceOf(HostError);
    expect(error.message).toBe("mkdir: cannot create directory '/srv/x': Read-only file system");
    expect(error.exitCode).toBe(1);
    expect(error.argv.at(-1)).toBe('mkdir -p -m 0755 -- /srv/x');
    // Only over SSH: here, a file command is refused before anything runs.
    await expect(host.run(['mkdir', '/srv/y'])).rejects.toThrow('not a Proxmox tool: mkdir');
  });
});
