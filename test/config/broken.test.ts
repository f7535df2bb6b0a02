import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtures, repoRoot } from './helpers.js';

// The broken-config corpus (test/fixtures/config/broken/<case>/) through the real CLI bundle.
const cli = join(repoRoot, 'dist/cli.js');

interface Expected {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
  hint?: string;
}

function validate(dir: string, ...args: string[]) {
  const run = spawnSync(process.execPath, [cli, 'validate', '--config-dir', dir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const VM = 'phoenix_vm_configs.json';
const LXC = 'phoenix_lxc_configs.json';
const HOST = 'phoenix_hypervisor_config.json';

const cases: Record<string, { strict?: boolean; errors: Expected[]; secret?: string }> = {
  'syntax-trailing-comma': {
    errors: [
      {
        file: VM,
        line: 6,
        column: 5,
        path: '$',
        message: 'JSON syntax error: property name expected',
        hint: 'trailing comma',
      },
    ],
  },
  'syntax-missing-comma': {
    errors: [
      { file: LXC, line: 5, column: 7, path: '$', message: 'JSON syntax error: comma expected' },
    ],
  },
  'syntax-comment': {
    errors: [
      {
        file: VM,
        line: 2,
        column: 3,
        path: '$',
        message: 'JSON syntax error: invalid comment token',
        hint: 'comments',
      },
    ],
  },
  'wrong-type': {
    errors: [
      {
        file: VM,
        line: 7,
        column: 20,
        path: '$.virtual_machines[0].cpu_cores',
        message: 'must be an integer (got "two")',
      },
      {
        file: VM,
        line: 8,
        column: 24,
        path: '$.virtual_machines[0].start_at_boot',
        message: 'must be a boolean (got "yes")',
      },
    ],
  },
  'duplicate-id': {
    errors: [
      {
        file: VM,
        line: 4,
        column: 16,
        path: '$.virtual_machines[1].vm_id',
        message: 'ID 1000 is already used by VM 1000 (web)',
      },
    ],
  },
  'cross-type-id': {
    errors: [
      {
        file: LXC,
        line: 3,
        column: 5,
        path: '$.lxc_configs["900"]',
        message: 'ID 900 is already used by VM 900 (web)',
      },
    ],
  },
  'id-out-of-range': {
    errors: [
      {
        file: VM,
        line: 2,
        column: 35,
        path: '$.virtual_machines[0].vm_id',
        message: 'must be a Proxmox ID from 100 to 999999999 (got 42)',
      },
    ],
  },
  'bad-ctid-key': {
    errors: [
      {
        file: LXC,
        line: 3,
        column: 5,
        path: '$.lxc_configs.base',
        message: 'key "base" is not a container ID',
      },
    ],
  },
  'bad-name': {
    errors: [
      {
        file: VM,
        line: 2,
        column: 52,
        path: '$.virtual_machines[0].vm_name',
        message: '"web_server 1" is not a valid host name',
      },
    ],
  },
  'bad-ip': {
    errors: [
      {
        file: VM,
        line: 7,
        column: 33,
        path: '$.virtual_machines[0].network_config.ip',
        message: '"10.0.0.300/24" is not an IPv4 address in CIDR form',
      },
      {
        file: VM,
        line: 13,
        column: 33,
        path: '$.virtual_machines[1].network_config.ip',
        message: '"10.0.0.20" is not an IPv4 address in CIDR form',
        hint: '"10.0.0.20/24"',
      },
    ],
  },
  'gateway-outside-subnet': {
    errors: [
      {
        file: LXC,
        line: 6,
        column: 91,
        path: '$.lxc_configs["901"].network_config.gw',
        message: 'gateway 192.168.1.1 is outside the subnet 10.0.0.0/24',
      },
    ],
  },
  cycle: {
    errors: [
      {
        file: LXC,
        line: 11,
        column: 24,
        path: '$.lxc_configs["902"].dependencies[0]',
        message: 'dependency cycle: 901 → 902 → 901',
      },
    ],
  },
  'missing-dependency': {
    errors: [
      {
        file: VM,
        line: 2,
        column: 101,
        path: '$.virtual_machines[0].dependencies[0]',
        message: 'dependency 1234 is not a guest in the config',
      },
    ],
  },
  'clone-wrong-kind': {
    errors: [
      {
        file: VM,
        line: 2,
        column: 78,
        path: '$.virtual_machines[0].clone_from_vmid',
        message: '900 is container 900 (base); clone_from_vmid must name a VM',
      },
    ],
  },
  'bad-snapshot-name': {
    errors: [
      {
        file: VM,
        line: 7,
        column: 33,
        path: '$.virtual_machines[0].template_snapshot_name',
        message: '"2024 golden" is not a snapshot name Proxmox accepts',
      },
      {
        file: VM,
        line: 8,
        column: 38,
        path: '$.virtual_machines[0].snapshots["pre-features"]',
        message: 'must be at most 40 characters long (got 46)',
      },
    ],
  },
  'typo-strict': {
    strict: true,
    errors: [
      {
        file: VM,
        line: 7,
        column: 7,
        path: '$.virtual_machines[0].memroy_mb',
        message: 'unknown key "memroy_mb"',
        hint: 'did you mean "memory_mb"?',
      },
    ],
  },
  'unknown-feature': {
    errors: [
      {
        file: LXC,
        line: 6,
        column: 34,
        path: '$.lxc_configs["901"].features[1]',
        message: 'unknown container feature "dokcer"',
        hint: 'did you mean "docker"?',
      },
    ],
  },
  'bad-tag': {
    errors: [
      {
        file: VM,
        line: 2,
        column: 99,
        path: '$.virtual_machines[0].tags[1]',
        message: '"-bad tag" is not a tag Proxmox accepts',
      },
    ],
  },
  'duplicate-key': {
    errors: [
      {
        file: VM,
        line: 2,
        column: 59,
        path: '$.virtual_machines[0].vm_name',
        message: 'key "vm_name" appears twice',
      },
    ],
  },
  'missing-name': {
    errors: [
      {
        file: VM,
        line: 2,
        column: 20,
        path: '$.vm_defaults.vm_id',
        message: '"vm_id" identifies one guest and cannot be a default',
      },
      {
        file: VM,
        line: 3,
        column: 24,
        path: '$.virtual_machines[0]',
        message: 'missing required key "vm_name"',
        hint: 'add "vm_name": "rumpledev"',
      },
    ],
  },
  'plaintext-password': {
    secret: 'hunter2-secret',
    errors: [
      {
        file: VM,
        line: 7,
        column: 45,
        path: '$.virtual_machines[0].user_config.password',
        message: 'a plaintext password is not accepted here',
        hint: 'openssl passwd -6',
      },
    ],
  },
  'non-crypt-hash': {
    secret: '5f4dcc3b5aa765d61d8327deb882cf99',
    errors: [
      {
        file: HOST,
        line: 2,
        column: 53,
        path: '$.users[0].password_hash',
        message: 'password_hash is not a crypt(3) hash',
        hint: 'openssl passwd -6',
      },
    ],
  },
  'private-key': {
    secret: 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ',
    errors: [
      {
        file: VM,
        line: 7,
        column: 63,
        path: '$.virtual_machines[0].user_config.ssh_public_key',
        message: 'ssh_public_key holds a PRIVATE key',
      },
    ],
  },
};

describe('broken configs: exit 2 with file, line:column, JSON path, message and hint', () => {
  for (const [name, expected] of Object.entries(cases)) {
    it(name, () => {
      const dir = join(fixtures, 'broken', name);
      const args = expected.strict ? ['--strict'] : [];
      const json = validate(dir, ...args, '--json');
      expect(json.status).toBe(2);
      expect(json.stderr).toBe('');
      const report = JSON.parse(json.stdout) as {
        valid: boolean;
        errors: (Expected & { severity: string })[];
      };
      expect(report.valid).toBe(false);
      expect(report.errors).toHaveLength(expected.errors.length);
      expected.errors.forEach((want, index) => {
        const got = report.errors[index]!;
        expect(got.file).toBe(join(dir, want.file));
        expect({ line: got.line, column: got.column, path: got.path }).toEqual({
          line: want.line,
          column: want.column,
          path: want.path,
        });
        expect(got.message).toContain(want.message);
        expect(got.hint).toBeTruthy();
        if (want.hint) expect(got.hint).toContain(want.hint);
      });

      const human = validate(dir, ...args);
      expect(human.status).toBe(2);
      const first = expected.errors[0]!;
      expect(human.stdout).toContain(
        `${first.file}:${first.line}:${first.column} error ${first.path}: ${first.message}`,
      );
      expect(human.stdout).not.toMatch(/\n\s+at /); // no stack trace
      if (expected.secret) {
        expect(json.stdout).not.toContain(expected.secret);
        expect(human.stdout).not.toContain(expected.secret);
        expect(readFileSync(join(dir, first.file), 'utf8')).toContain(expected.secret);
      }
    });
  }

  it('a typo is a warning without --strict (exit 0)', () => {
    const run = validate(join(fixtures, 'broken', 'typo-strict'));
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      'warning $.virtual_machines[0].memroy_mb: unknown key "memroy_mb" (ignored) — did you mean "memory_mb"?',
    );
  });

  it('a missing config directory is an error with a hint', () => {
    const run = validate(join(fixtures, 'does-not-exist'), '--json');
    expect(run.status).toBe(2);
    const report = JSON.parse(run.stdout) as { errors: { message: string; hint: string }[] };
    expect(report.errors[0]!.message).toContain('does not exist');
    expect(report.errors[0]!.hint).toContain('--config-dir');
  });

  it('the shipped example host in etc/ is valid', () => {
    const run = validate(join(repoRoot, 'etc'));
    expect(run.stdout).toContain('valid (4 VMs, 3 containers)');
    expect(run.status).toBe(0);
  });
});
