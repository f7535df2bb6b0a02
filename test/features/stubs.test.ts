import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeGuest, guestBin } from './harness.js';

const guests: FakeGuest[] = [];
afterEach(() => {
  for (const created of guests.splice(0)) created.cleanup();
});

function stub(
  guest: FakeGuest | undefined,
  name: string,
  args: string[],
  env: Record<string, string> = {},
) {
  return spawnSync(join(guestBin, name), args, {
    encoding: 'utf8',
    env: {
      PATH: `${guestBin}:/usr/bin:/bin`,
      ...(guest ? { PHOENIX_ROOT: guest.root } : {}),
      ...env,
    },
  });
}

describe('guest stubs', () => {
  it('refuse to run without PHOENIX_ROOT', () => {
    for (const name of ['apt-get', 'usermod', 'curl', 'systemctl']) {
      const result = stub(undefined, name, ['install', 'x']);
      expect(result.status).toBe(97);
      expect(result.stderr).toContain('PHOENIX_ROOT');
    }
    expect(stub(undefined, 'getent', ['group', 'root'], { PHOENIX_ROOT: '/' }).status).toBe(97);
  });

  it('record every call and keep package state inside the root', () => {
    const guest = new FakeGuest();
    guests.push(guest);
    expect(stub(guest, 'dpkg-query', ['-W', '-f=${Status}', 'htop']).status).toBe(1);
    expect(stub(guest, 'apt-get', ['install', '-y', 'htop', 'jq=1.7.1-3']).status).toBe(0);
    expect(stub(guest, 'dpkg-query', ['-W', '-f=${Status} ${Version}', 'jq']).stdout).toBe(
      'install ok installed 1.7.1-3',
    );
    expect(stub(guest, 'dpkg', ['-s', 'htop']).stdout).toContain('Status: install ok installed');
    expect(guest.calls()).toEqual([
      'dpkg-query -W -f=${Status} htop',
      'apt-get install -y htop jq=1.7.1-3',
      'dpkg-query -W -f=${Status} ${Version} jq',
      'dpkg -s htop',
    ]);
  });

  it('refuse third-party packages before their repository was added and updated', () => {
    const guest = new FakeGuest();
    guests.push(guest);
    expect(stub(guest, 'apt-get', ['install', '-y', 'docker-ce']).stderr).toContain(
      'Unable to locate package docker-ce',
    );
    guest.write(
      '/etc/apt/sources.list.d/docker.list',
      'deb https://download.docker.com/linux/ubuntu noble stable\n',
    );
    expect(stub(guest, 'apt-get', ['install', '-y', 'docker-ce']).status).toBe(100);
    expect(stub(guest, 'apt-get', ['update']).status).toBe(0);
    expect(stub(guest, 'apt-get', ['install', '-y', 'docker-ce']).status).toBe(0);
    expect(guest.read('/etc/group')).toContain('docker:x:');
  });

  it('answer getent from the fake root, not the real /etc', () => {
    const guest = new FakeGuest({ users: ['zed'] });
    guests.push(guest);
    expect(stub(guest, 'getent', ['passwd', 'zed']).stdout).toContain('zed:x:1000');
    expect(stub(guest, 'getent', ['passwd', 'daemon']).status).toBe(2);
    expect(stub(guest, 'usermod', ['-aG', 'video', 'zed']).status).toBe(0);
    expect(stub(guest, 'getent', ['group', 'video']).stdout).toBe('video:x:44:zed\n');
    expect(stub(guest, 'usermod', ['-aG', 'nogroup', 'zed']).status).toBe(6);
  });

  it('refuse to write outside the root', () => {
    const guest = new FakeGuest();
    guests.push(guest);
    const result = stub(guest, 'curl', [
      '-fsSL',
      '-o',
      '/tmp/phoenix-stub-escape',
      'https://example.com/x',
    ]);
    expect(result.status).toBe(98);
  });

  it('simulate failures as PHOENIX_STUB_FAIL asks', () => {
    const guest = new FakeGuest();
    guests.push(guest);
    const env = { PHOENIX_STUB_FAIL: 'systemctl:4:2' };
    expect(stub(guest, 'systemctl', ['daemon-reload'], env).status).toBe(4);
    expect(stub(guest, 'systemctl', ['daemon-reload'], env).status).toBe(4);
    expect(stub(guest, 'systemctl', ['daemon-reload'], env).status).toBe(0);
    expect(stub(guest, 'apt-get', ['update'], { PHOENIX_STUB_FAIL: 'curl,apt-get' }).status).toBe(
      100,
    );
  });
});
