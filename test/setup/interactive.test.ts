// `phoenix setup` on a terminal: the questions, the hidden password, the saved answers, the run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPty, type PtySession } from '../e2e/pty.js';
import { FakeHost, SSH_KEY } from './harness.js';

let host: FakeHost;
let work: string;
let session: PtySession | undefined;

beforeEach(() => {
  host = new FakeHost();
  work = mkdtempSync(join(tmpdir(), 'phoenix-setup-tty-'));
  mkdirSync(join(work, 'etc'));
});
afterEach(() => {
  session?.kill();
  host.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('phoenix setup on a terminal (80x24)', () => {
  it('asks, hides the password, saves the answers (hash only), confirms and runs', async () => {
    session = startPty({
      args: ['setup', '--ascii'],
      cols: 80,
      rows: 24,
      env: {
        ...host.processEnv(),
        PHOENIX_CONFIG_DIR: join(work, 'etc'),
        PHOENIX_RUNS_DIR: join(work, 'runs'),
        HOME: work,
      },
    });
    const answer = async (prompt: string | RegExp, text: string) => {
      await session!.waitFor(prompt, 20_000);
      session!.write(`${text}\r`);
    };
    await answer('Run "repositories"?', 'y');
    await answer('Run "base_packages"?', 'n');
    await answer('Run "timezone"?', 'n');
    await answer('Run "admin_user"?', 'y');
    await answer('Admin user name [phoenix-admin]:', 'admin');
    await answer('Password (Enter: none, SSH key only):', 'Tr1cky-Secret');
    await answer('Password again:', 'Tr1cky-Secret');
    await answer('SSH public key (paste):', SSH_KEY);
    await answer('sudo for this user?', '');
    await answer('Run "zfs"?', 'n');
    await answer('Run "network"?', 'n');
    await answer('Run "nfs"?', 'n');
    await answer('Run "samba"?', 'n');
    await answer('Run "firewall"?', 'n');
    await answer('Run "nvidia"?', 'n');
    await answer('Apply 2 step(s) now?', 'y');
    await session.waitFor('Run succeeded', 30_000);
    expect(await session.exited(10_000)).toBe(0);

    expect(session.raw()).not.toContain('Tr1cky-Secret');
    const config = JSON.parse(
      readFileSync(join(work, 'etc/phoenix_hypervisor_config.json'), 'utf8'),
    ) as {
      setup: { steps: string[] };
      users: {
        username: string;
        password_hash: string;
        sudo_access: boolean;
        ssh_public_key: string;
      }[];
    };
    expect(config.setup.steps).toEqual(['repositories', 'admin_user']);
    const [user] = config.users;
    expect(user).toMatchObject({ username: 'admin', sudo_access: true, ssh_public_key: SSH_KEY });
    expect(readFileSync(join(work, 'etc/phoenix_hypervisor_config.json'), 'utf8')).not.toContain(
      'Tr1cky-Secret',
    );
    const salt = user!.password_hash.split('$')[2]!;
    expect(
      execFileSync('openssl', ['passwd', '-6', '-salt', salt, '-stdin'], {
        input: 'Tr1cky-Secret\n',
        encoding: 'utf8',
      }).trim(),
    ).toBe(user!.password_hash);
    expect(host.read('/etc/shadow')).toContain(`admin:${user!.password_hash}:`);
    expect(host.read('/etc/pve/user.cfg')).toContain('user:admin@pam:');
  }, 120_000);
});
