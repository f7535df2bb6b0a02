import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSimHost, isMutating, type SimHost } from '../support/sim-host.js';

const argvs = (host: SimHost, from: number) =>
  host
    .calls()
    .slice(from)
    .map((call) => call.argv);

describe('phoenix apply against the simulator', { timeout: 240_000 }, () => {
  let host: SimHost;
  beforeAll(async () => {
    host = await createSimHost();
  }, 60_000);

  it('provisions the example host: seed VMs cloned from the template, the container chain', async () => {
    const result = await host.phoenix(['apply', '--all', '--yes', '--ascii']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Run succeeded');
    const calls = argvs(host, 0).map((argv) => argv.join(' '));
    expect(calls).toContain('qm clone 9000 1000 --name rumpledev --full 1 --storage local-lvm');
    expect(
      calls.some(
        (call) =>
          call.startsWith('qm set 1001 ') &&
          call.includes('--cores 4') &&
          call.includes('--memory 8192'),
      ),
    ).toBe(true);
    expect(
      calls.some((call) =>
        call.startsWith('pct create 900 local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst'),
      ),
    ).toBe(true);
    expect(calls).toContain('pct template 900');
    expect(calls.some((call) => call.startsWith('pct clone 900 901 '))).toBe(true);
    expect(calls.some((call) => /^pct set 902 .*--dev0 \/dev\/nvidia0/.test(call))).toBe(true);
    // The clone of a template waits for the template to exist.
    expect(calls.indexOf('pct template 900')).toBeLessThan(
      calls.findIndex((call) => call.startsWith('pct clone 900 901')),
    );

    const list = JSON.parse((await host.phoenix(['list', '--json'])).stdout) as {
      id: number;
      state: string;
      status: string;
    }[];
    const states = Object.fromEntries(list.map((row) => [row.id, `${row.state}/${row.status}`]));
    expect(states).toMatchObject({
      900: 'template/stopped',
      901: 'in-sync/running',
      902: 'in-sync/running',
      1000: 'in-sync/running',
      1001: 'in-sync/running',
      1002: 'in-sync/running',
      9000: 'template/stopped',
    });
  });

  it('runs no mutating command on a second apply of the unchanged config', async () => {
    const before = host.calls().length;
    const result = await host.phoenix(['apply', '--all', '--yes', '--ascii']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Nothing to do: the host matches the config.');
    const mutating = argvs(host, before).filter(isMutating);
    expect(mutating).toEqual([]);
  });

  it('fixes drift in place, and only the drifted field', async () => {
    const before = host.calls().length;
    // Someone changed the VM by hand.
    await import('node:child_process').then(({ execFileSync }) =>
      execFileSync('qm', ['set', '1001', '--memory', '2048'], { env: host.env }),
    );
    const plan = JSON.parse((await host.phoenix(['plan', '1001', '--json'])).stdout) as {
      guests: { id: number; action: string; steps: { commands: string[][] }[] }[];
    };
    const guest = plan.guests.find((g) => g.id === 1001)!;
    expect(guest.action).toBe('update');
    expect(guest.steps.flatMap((step) => step.commands)).toEqual([
      ['qm', 'set', '1001', '--memory', '8192'],
    ]);
    const result = await host.phoenix(['apply', '1001', '--yes']);
    expect(result.code).toBe(0);
    expect(
      argvs(host, before)
        .filter(isMutating)
        .map((argv) => argv.join(' ')),
    ).toEqual(['qm set 1001 --memory 2048', 'qm set 1001 --memory 8192']);
  });

  it('adds raw lxc options once and prepares bind-mount directories owned for the unprivileged user', async () => {
    const file = join(host.configDir, 'phoenix_lxc_configs.json');
    const config = JSON.parse(readFileSync(file, 'utf8')) as {
      lxc_configs: Record<
        string,
        {
          lxc_options?: string[];
          mount_points?: {
            host_path: string;
            container_path: string;
            owner_uid?: number;
            owner_gid?: number;
          }[];
        }
      >;
    };
    config.lxc_configs['901']!.lxc_options = [
      'lxc.cgroup2.devices.allow=c 10:200 rwm',
      'lxc.mount.entry: /dev/net dev/net none bind,create=dir',
    ];
    config.lxc_configs['902']!.mount_points = [
      {
        host_path: '/srv/models/ollama',
        container_path: '/root/.ollama',
        owner_uid: 1000,
        owner_gid: 1000,
      },
    ];
    writeFileSync(file, JSON.stringify(config, null, 2));

    const plan = (await host.phoenix(['plan', '901', '902'])).stdout;
    expect(plan).toContain(
      '(file) add "lxc.cgroup2.devices.allow: c 10:200 rwm" to the container\'s config',
    );
    expect(plan).toContain('(file) host directory /srv/models/ollama owned by 101000:101000');

    expect((await host.phoenix(['apply', '901', '902', '--yes'])).code).toBe(0);
    const conf = readFileSync(join(host.dir, 'nodes', 'pve', 'lxc', '901.conf'), 'utf8');
    expect(conf).toContain('lxc.cgroup2.devices.allow: c 10:200 rwm\n');
    expect(conf).toContain('lxc.mount.entry: /dev/net dev/net none bind,create=dir\n');
    const stat = statSync(join(host.dir, 'fs', 'srv', 'models', 'ollama'));
    expect([stat.uid, stat.gid]).toEqual([101000, 101000]);

    // Again: nothing to add, nothing to run.
    expect((await host.phoenix(['apply', '901', '902', '--yes'])).stdout).toContain(
      'Nothing to do',
    );
    expect(readFileSync(join(host.dir, 'nodes', 'pve', 'lxc', '901.conf'), 'utf8')).toBe(conf);
  });
});
