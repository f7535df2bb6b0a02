import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import {
  renderMetaData,
  renderNetworkConfig,
  renderUserData,
} from '../../source/cloudinit/render.js';
import { featureDelivery } from '../../source/cloudinit/features.js';
import type { CloudInitInput } from '../../source/cloudinit/types.js';
import { UserError } from '../../source/util/user-error.js';

const work = mkdtempSync(join(tmpdir(), 'phoenix-cloudinit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const HOSTILE = `it's "quoted": #not-a-comment & *star !bang ünïcødé 🚀 yes 10:30 0755`;
const hash =
  '$6$rounds=4096$saltsalt$Vd0oZ3J0d5l2k7b8Qm0e1/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY.';
const key1 =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3q1oYx5u7nQ2pJ0cY2bA8s9d7f6g5h4j3k2l1m0n9 alice@laptop';
const key2 = `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 ${HOSTILE}`;

const staticInput: CloudInitInput = {
  hostname: 'web01',
  fqdn: 'web01.lab.example',
  user: {
    name: 'alice',
    passwordHash: hash,
    sshAuthorizedKeys: [key1, key2],
    sshPasswordAuth: true,
  },
  network: {
    mode: 'static',
    macAddress: 'BC:24:11:2A:3B:4C',
    address: '10.0.0.101/24',
    gateway: '10.0.0.1',
    nameservers: ['10.0.0.13', '1.1.1.1'],
    search: ['lab.example'],
  },
  packages: ['nfs-common', 'qemu-guest-agent'],
};
const dhcpInput: CloudInitInput = {
  hostname: 'dhcp-vm',
  user: { name: 'phoenix_admin', sshAuthorizedKeys: [key1] },
  network: { mode: 'dhcp' },
};
const hostileInput: CloudInitInput = {
  ...dhcpInput,
  hostname: 'yes',
  user: { name: 'on', sshAuthorizedKeys: [key2], groups: ['docker', 'adm'] },
  network: { mode: 'dhcp', nameservers: ['10.0.0.13'], search: ['null', 'lab'] },
  files: [
    {
      path: `/opt/${HOSTILE}/x.sh`,
      content: `#!/bin/bash\necho '${HOSTILE}'\n  indented: "line"\n- dash\n`,
      permissions: '0755',
    },
    { path: '/etc/motd', content: 'single line no newline: # ok' },
    { path: '/etc/leading', content: '  leading spaces\ntrailing spaces   \n' },
  ],
  runcmd: [
    ['echo', HOSTILE],
    ['sh', '-c', 'test "$1" = "*"', 'x', '*'],
  ],
};

function cloudInit(): string {
  const found = spawnSync('cloud-init', ['--version'], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new Error(
      "cloud-init is not installed: run `apt-get install -y cloud-init` (CI's .ci/run does)",
    );
  }
  return 'cloud-init';
}

/** The document as cloud-init's own YAML reader (PyYAML, YAML 1.1) sees it. */
function pyyaml(file: string): unknown {
  const result = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding="utf-8"))))',
      file,
    ],
    {
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`PyYAML could not read ${file}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

function save(name: string, text: string): string {
  const file = join(work, name);
  writeFileSync(file, text);
  return file;
}

describe.each([
  ['static network', staticInput],
  ['DHCP network', dhcpInput],
  ['hostile strings', hostileInput],
])('user-data with %s', (label, input) => {
  const text = renderUserData(input);
  const file = save(`user-data-${label.replace(/\W/g, '_')}.yaml`, text);

  it('passes `cloud-init schema`', () => {
    const result = spawnSync(cloudInit(), ['schema', '--config-file', file], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toContain('Valid cloud-config');
    expect(result.status).toBe(0);
  });

  it('starts with #cloud-config and reads back the same values in YAML 1.1 and in PyYAML', () => {
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    const parsed = YAML.parse(text, { version: '1.1' }) as Record<string, unknown>;
    expect(pyyaml(file)).toEqual(parsed);
    expect(parsed.hostname).toBe(input.hostname);
    const [user] = parsed.users as Record<string, unknown>[];
    expect(user!.name).toBe(input.user.name);
    expect(user!.ssh_authorized_keys).toEqual(input.user.sshAuthorizedKeys);
    expect(user!.sudo).toBe('ALL=(ALL) NOPASSWD:ALL');
    expect(user!.passwd).toBe(input.user.passwordHash);
    expect(user!.lock_passwd).toBe(input.user.passwordHash === undefined);
    expect(parsed.packages).toContain('qemu-guest-agent');
    expect((parsed.packages as string[]).filter((p) => p === 'qemu-guest-agent')).toHaveLength(1);
    expect(parsed.growpart).toEqual({
      mode: 'auto',
      devices: ['/'],
      ignore_growroot_disabled: false,
    });
    expect((parsed.runcmd as unknown[])[0]).toEqual(['systemctl', 'start', 'qemu-guest-agent']);
    expect((parsed.runcmd as unknown[]).slice(1)).toEqual(input.runcmd ?? []);
    const files = (parsed.write_files ?? []) as Record<string, unknown>[];
    expect(files.map((f) => [f.path, f.content, f.permissions])).toEqual(
      (input.files ?? []).map((f) => [f.path, f.content, f.permissions ?? '0644']),
    );
  });
});

describe('user-data details', () => {
  it('allows SSH passwords only with a hash and when asked', () => {
    const parse = (input: CloudInitInput) =>
      YAML.parse(renderUserData(input), { version: '1.1' }) as Record<string, unknown>;
    expect(parse(staticInput).ssh_pwauth).toBe(true);
    expect(parse(staticInput).fqdn).toBe('web01.lab.example');
    expect(parse(dhcpInput).ssh_pwauth).toBe(false);
    expect(
      parse({ ...dhcpInput, user: { ...dhcpInput.user, sshPasswordAuth: true } }).ssh_pwauth,
    ).toBe(false);
  });

  it('rejects bad values with a clear error and never echoes a password', () => {
    expect(() => renderUserData({ ...dhcpInput, hostname: 'bad host' })).toThrow(UserError);
    expect(() => renderUserData({ ...dhcpInput, hostname: 'bad host' })).toThrow(
      /hostname "bad host"/,
    );
    const plain = 'hunter2-secret';
    let message = '';
    try {
      renderUserData({ ...dhcpInput, user: { ...dhcpInput.user, passwordHash: plain } });
    } catch (error) {
      message = `${(error as UserError).message} ${(error as UserError).hint}`;
    }
    expect(message).toContain('not a crypt(3) hash');
    expect(message).not.toContain(plain);
    expect(() =>
      renderNetworkConfig({
        ...staticInput,
        network: { ...staticInput.network, address: '10.0.0.300/24' } as CloudInitInput['network'],
      }),
    ).toThrow(/not IPv4 CIDR/);
    expect(() =>
      renderUserData({ ...dhcpInput, files: [{ path: '/x', content: '', permissions: 'rwx' }] }),
    ).toThrow(/octal/);
  });
});

describe('network-config', () => {
  const help = spawnSync('cloud-init', ['schema', '--help'], { encoding: 'utf8' }).stdout ?? '';

  /** cloud-init's own parser of network config (what it runs at boot), plus its schema when it has one. */
  function validate(file: string): void {
    cloudInit();
    if (help.includes('--schema-type')) {
      const result = spawnSync(
        'cloud-init',
        ['schema', '--schema-type', 'network-config', '--config-file', file],
        { encoding: 'utf8' },
      );
      expect(result.status, result.stdout + result.stderr).toBe(0);
    }
    const parsed = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        'import sys,yaml\nfrom cloudinit.net.network_state import parse_net_config_data\nd=yaml.safe_load(open(sys.argv[1]))\nparse_net_config_data(d["network"], skip_broken=False)',
        file,
      ],
      { encoding: 'utf8' },
    );
    expect(parsed.status, parsed.stderr).toBe(0);
  }

  it('renders a static address with a default route and nameservers', () => {
    const text = renderNetworkConfig(staticInput);
    const file = save('network-static.yaml', text);
    validate(file);
    expect(YAML.parse(text, { version: '1.1' })).toEqual({
      network: {
        version: 2,
        ethernets: {
          eth0: {
            match: { macaddress: 'bc:24:11:2a:3b:4c' },
            'set-name': 'eth0',
            dhcp4: false,
            addresses: ['10.0.0.101/24'],
            routes: [{ to: '0.0.0.0/0', via: '10.0.0.1' }],
            nameservers: { addresses: ['10.0.0.13', '1.1.1.1'], search: ['lab.example'] },
          },
        },
      },
    });
    expect(pyyaml(file)).toEqual(YAML.parse(text, { version: '1.1' }));
  });

  it('renders DHCP, with resolvers overridden when given', () => {
    const plain = save('network-dhcp.yaml', renderNetworkConfig(dhcpInput));
    validate(plain);
    expect(pyyaml(plain)).toEqual({
      network: { version: 2, ethernets: { eth0: { dhcp4: true } } },
    });
    const hostile = save(
      'network-dhcp-dns.yaml',
      renderNetworkConfig({ ...hostileInput, network: { ...hostileInput.network, name: 'ens18' } }),
    );
    validate(hostile);
    expect(pyyaml(hostile)).toEqual({
      network: {
        version: 2,
        ethernets: {
          ens18: {
            dhcp4: true,
            'dhcp4-overrides': { 'use-dns': false },
            nameservers: { addresses: ['10.0.0.13'], search: ['null', 'lab'] },
          },
        },
      },
    });
  });

  it('renders meta-data', () => {
    expect(YAML.parse(renderMetaData({ ...dhcpInput, instanceId: 'vm-8001-1' }))).toEqual({
      'instance-id': 'vm-8001-1',
      'local-hostname': 'dhcp-vm',
    });
  });
});

describe('feature delivery through write_files', () => {
  const delivery = featureDelivery({
    features: [
      {
        kind: 'vm',
        name: 'docker',
        script: readFileSync(new URL('../../features/vm/docker.sh', import.meta.url), 'utf8'),
      },
    ],
    lib: [
      {
        name: 'common.sh',
        content: readFileSync(new URL('../../features/lib/common.sh', import.meta.url), 'utf8'),
      },
    ],
    context: { vm_name: 'web01', user_config: { username: 'alice' }, note: HOSTILE },
  });

  it('passes the schema and carries the scripts byte for byte', () => {
    const text = renderUserData({ ...staticInput, ...delivery });
    const file = save('user-data-features.yaml', text);
    const result = spawnSync(cloudInit(), ['schema', '--config-file', file], { encoding: 'utf8' });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const parsed = pyyaml(file) as {
      write_files: { path: string; content: string; permissions: string }[];
    };
    expect(parsed.write_files.map((f) => f.path)).toEqual([
      '/var/lib/phoenix/features/lib/common.sh',
      '/var/lib/phoenix/features/vm/docker.sh',
      '/var/lib/phoenix/context/docker.json',
    ]);
    expect(parsed.write_files[1]!.content).toBe(delivery.files[1]!.content);
    expect(parsed.write_files[1]!.permissions).toBe('0755');
    expect(JSON.parse(parsed.write_files[2]!.content).note).toBe(HOSTILE);
  });

  it('runs each feature with its log and exit code', () => {
    const [, run] = delivery.runcmd;
    const dir = mkdtempSync(join(work, 'run-'));
    const script = join(dir, 'feature.sh');
    writeFileSync(script, 'echo "ctx=$1"; exit 3\n');
    const [command, ...args] = run!;
    const result = spawnSync(command!, [
      ...args.slice(0, 3),
      script,
      'ctx.json',
      join(dir, 'log'),
      join(dir, 'exit'),
    ]);
    expect(result.status).toBe(0);
    expect(readFileSync(join(dir, 'log'), 'utf8')).toBe('ctx=ctx.json\n');
    expect(readFileSync(join(dir, 'exit'), 'utf8')).toBe('3\n');
  });
});
