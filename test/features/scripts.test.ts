import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeGuest, guestBin, holdAptLock, mutatingCalls, type GuestOptions } from './harness.js';

const guests: FakeGuest[] = [];
function guest(options: GuestOptions = {}): FakeGuest {
  const created = new FakeGuest(options);
  guests.push(created);
  return created;
}
afterEach(() => {
  for (const created of guests.splice(0)) created.cleanup();
});

interface Case {
  script: string;
  options: GuestOptions;
  context: Record<string, unknown>;
  /** Calls (regular expressions) the first run must make. */
  firstRun: RegExp[];
  /** Files the first run must leave, with a piece of their content. */
  files?: Record<string, string>;
}

const user = { user_config: { username: 'alice' } };
const cases: Case[] = [];
for (const kind of ['vm', 'lxc'] as const) {
  cases.push(
    {
      script: `${kind}/base_setup.sh`,
      options: {},
      context: { name: 'g', timezone: 'Europe/Berlin', base_packages: ['tmux'] },
      firstRun: [
        /^apt-get .* update/,
        /^apt-get .* install .*\bcurl\b.*\bjq\b.*\blocales\b.* tmux$/,
        /^locale-gen/,
      ],
      files: {
        '/etc/locale.gen': 'en_US.UTF-8 UTF-8',
        '/etc/default/locale': 'LANG=en_US.UTF-8',
        '/etc/timezone': 'Europe/Berlin',
      },
    },
    {
      script: `${kind}/docker.sh`,
      options: { users: ['alice'] },
      context: { ...user, features: ['docker'] },
      firstRun: [
        /^curl .* https:\/\/download\.docker\.com\/linux\/ubuntu\/gpg$/,
        /^apt-get .* install .*docker-ce docker-ce-cli containerd\.io docker-buildx-plugin docker-compose-plugin$/,
        /^systemctl enable docker$/,
        /^systemctl start docker$/,
        /^usermod -aG docker alice$/,
      ],
      files: {
        '/etc/apt/keyrings/docker.asc': 'BEGIN PGP PUBLIC KEY BLOCK',
        '/etc/apt/sources.list.d/docker.list':
          'deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu noble stable',
        '/etc/group': 'docker:x:999:alice',
      },
    },
    {
      script: `${kind}/ollama.sh`,
      options: { users: ['alice'] },
      context: { ...user, ollama_version: '0.12.3' },
      firstRun: [
        /^curl .* https:\/\/github\.com\/ollama\/ollama\/releases\/download\/v0\.12\.3\/ollama-linux-amd64\.tar\.zst$/,
        /^useradd --system --user-group .* ollama$/,
        /^usermod -aG render ollama$/,
        /^usermod -aG ollama alice$/,
        /^systemctl daemon-reload$/,
        /^systemctl enable ollama$/,
      ],
      files: {
        '/usr/bin/ollama': 'ollama version is 0.12.3',
        '/etc/systemd/system/ollama.service': 'Environment="OLLAMA_HOST=0.0.0.0:11434"',
      },
    },
  );
}
cases.push(
  {
    script: 'lxc/docker.sh',
    options: { users: ['alice'], unprivileged: true },
    context: { ...user, features: ['nvidia', 'docker'] },
    firstRun: [
      /^curl .* https:\/\/nvidia\.github\.io\/libnvidia-container\/gpgkey$/,
      /^apt-get .* install .* nvidia-container-toolkit$/,
      /^nvidia-ctk runtime configure --runtime=docker$/,
      /^nvidia-ctk config --set nvidia-container-cli\.no-cgroups=true --in-place$/,
      /^systemctl restart docker$/,
    ],
    files: {
      '/etc/apt/sources.list.d/nvidia-container-toolkit.list':
        'deb [signed-by=/etc/apt/keyrings/nvidia-container-toolkit.asc] https://nvidia.github.io/libnvidia-container/stable/deb/amd64 /',
      '/etc/docker/daemon.json': '"nvidia"',
      '/etc/nvidia-container-runtime/config.toml': 'no-cgroups = true',
    },
  },
  {
    script: 'vm/qemu_guest_agent.sh',
    options: {},
    context: { vm_name: 'g' },
    firstRun: [
      /^apt-get .* install .* qemu-guest-agent$/,
      /^systemctl enable qemu-guest-agent$/,
      /^systemctl start qemu-guest-agent$/,
    ],
  },
  {
    script: 'lxc/nvidia.sh',
    options: { gpuDevices: true, hostDriver: '580.76.05' },
    context: { name: 'ai', nvidia_driver_version: '580.76.05' },
    firstRun: [
      /^curl .* https:\/\/us\.download\.nvidia\.com\/XFree86\/Linux-x86_64\/580\.76\.05\/NVIDIA-Linux-x86_64-580\.76\.05\.run$/,
      /^NVIDIA-Linux-x86_64-580\.76\.05\.run --silent --no-kernel-module .*--no-dkms/,
      /^nvidia-smi --query-gpu=driver_version/,
    ],
  },
  {
    script: 'vm/nvidia.sh',
    options: { pciGpu: true },
    context: { vm_name: 'gpu', nvidia_driver_version: '580.76.05' },
    firstRun: [
      /^apt-get .* install .* nvidia-headless-580-server nvidia-utils-580-server linux-headers-\S+$/,
    ],
    files: { '/run/reboot-required': 'restart required' },
  },
);

describe.each(cases)('$script run twice', ({ script, options, context, firstRun, files }) => {
  it('installs on the first run and changes nothing on the second', async () => {
    const g = guest(options);
    const ctx = g.context(context);

    const first = await g.run(script, ctx);
    expect(first.stderr).not.toMatch(/error/);
    expect(first.code).toBe(0);
    for (const pattern of firstRun)
      expect(
        first.calls.some((call) => pattern.test(call)),
        `${pattern}\n${first.calls.join('\n')}`,
      ).toBe(true);
    for (const [path, content] of Object.entries(files ?? {}))
      expect(g.read(path)).toContain(content);
    expect(first.stdout).toMatch(/^\[\w+\] /m);

    const before = g.snapshot();
    const second = await g.run(script, ctx);
    expect(second.code).toBe(0);
    expect(mutatingCalls(second.calls)).toEqual([]);
    expect(g.snapshot()).toEqual(before);
  });
});

describe('apt/dpkg lock', () => {
  it('waits for a held lock without killing its holder, then proceeds once released', async () => {
    const g = guest();
    const holder = holdAptLock(g);
    try {
      const running = g.start('vm/qemu_guest_agent.sh', g.context({}));
      await running.waitForOutput('waiting for the apt/dpkg lock');
      expect(holder.alive()).toBe(true);
      expect(g.calls().filter((call) => call.startsWith('apt-get'))).toEqual([]);

      holder.release();
      const result = await running.done;
      expect(result.code).toBe(0);
      expect(
        result.calls.some((call) => /^apt-get .* install .* qemu-guest-agent$/.test(call)),
      ).toBe(true);
      expect(holder.alive()).toBe(true);
    } finally {
      holder.stop();
    }
  });

  it('gives up with exit 75 after the timeout, leaving the holder alone', async () => {
    const g = guest();
    const holder = holdAptLock(g);
    try {
      const result = await g.run('vm/qemu_guest_agent.sh', g.context({}), {
        PHOENIX_APT_LOCK_TIMEOUT: '1',
      });
      expect(result.code).toBe(75);
      expect(result.stderr).toContain('not killing it');
      expect(result.calls.filter((call) => call.startsWith('apt-get'))).toEqual([]);
      expect(holder.alive()).toBe(true);
    } finally {
      holder.stop();
    }
  });
});

describe('failures', () => {
  it('retries a failed apt-get over IPv4 and succeeds when the retry works', async () => {
    const g = guest();
    const result = await g.run('vm/qemu_guest_agent.sh', g.context({}), {
      PHOENIX_STUB_FAIL: 'apt-get:100:1',
    });
    expect(result.code).toBe(0);
    const apt = result.calls.filter((call) => call.startsWith('apt-get'));
    expect(apt[0]).toMatch(/ update/);
    expect(apt[0]).not.toContain('ForceIPv4');
    expect(apt[1]).toMatch(/-o Acquire::ForceIPv4=true .*update/);
    expect(result.stderr).toContain('retrying over IPv4');
  });

  it('exits 6 when apt-get keeps failing', async () => {
    const g = guest();
    const result = await g.run('vm/qemu_guest_agent.sh', g.context({}), {
      PHOENIX_STUB_FAIL: 'apt-get',
    });
    expect(result.code).toBe(6);
    expect(result.calls.filter((call) => call.startsWith('apt-get'))).toHaveLength(3);
    expect(g.calls().some((call) => call.startsWith('systemctl enable'))).toBe(false);
  });

  it('exits 5 when a download keeps failing', async () => {
    const g = guest({ users: ['alice'] });
    const result = await g.run('vm/docker.sh', g.context(user), { PHOENIX_STUB_FAIL: 'curl:22' });
    expect(result.code).toBe(5);
    expect(result.calls.filter((call) => call.startsWith('curl'))).toHaveLength(3);
    expect(result.calls.some((call) => / -4 /.test(call))).toBe(true);
  });

  it('fails the script with the exit code of an unexpected failing command and names it', async () => {
    const g = guest({ users: ['alice'] });
    const result = await g.run('lxc/docker.sh', g.context(user), {
      PHOENIX_STUB_FAIL: 'systemctl:3',
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('error: command failed (exit 3)');
    expect(result.calls.some((call) => call.startsWith('usermod'))).toBe(false);
  });

  it('exits 2 on a context that is not JSON', async () => {
    const g = guest();
    const result = await g.run('vm/base_setup.sh', g.context('{"name": '));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not valid JSON');
  });

  it('exits 2 when a context path is given but missing', async () => {
    const g = guest();
    const result = await g.run('vm/base_setup.sh', '/nonexistent/context.json');
    expect(result.code).toBe(2);
  });
});

describe('ollama', () => {
  it('falls back to the .tgz asset of a pinned release and replaces an older version', async () => {
    const g = guest();
    g.write('/usr/bin/ollama', '#!/bin/sh\necho "ollama version is 0.5.1"\n');
    chmodSync(g.path('/usr/bin/ollama'), 0o755);
    g.write('/usr/lib/ollama/libggml-old.so', 'old');
    const result = await g.run('lxc/ollama.sh', g.context({ ollama_version: '0.6.0' }), {
      PHOENIX_STUB_FAIL: 'curl:22:3',
    });
    expect(result.code, result.stderr).toBe(0);
    const downloads = result.calls.filter((call) => call.startsWith('curl'));
    expect(downloads).toHaveLength(4);
    expect(downloads[3]).toMatch(/\/v0\.6\.0\/ollama-linux-amd64\.tgz$/);
    expect(g.read('/usr/bin/ollama')).toContain('ollama version is 0.6.0');
    expect(existsSync(g.path('/usr/lib/ollama/libggml-old.so'))).toBe(false);
  });
});

describe('nvidia', () => {
  it('LXC: refuses a context version that differs from the host driver', async () => {
    const g = guest({ gpuDevices: true, hostDriver: '580.76.05' });
    const result = await g.run('lxc/nvidia.sh', g.context({ nvidia_driver_version: '575.64.03' }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('host runs NVIDIA driver 580.76.05');
    expect(mutatingCalls(result.calls)).toEqual([]);
  });

  it('LXC: exits 4 without GPU device nodes and 2 without a version', async () => {
    const g = guest();
    expect(
      (await g.run('lxc/nvidia.sh', g.context({ nvidia_driver_version: '580.76.05' }))).code,
    ).toBe(4);
    expect((await g.run('lxc/nvidia.sh', g.context({}))).code).toBe(2);
  });

  it('LXC: replaces a userspace driver of another version', async () => {
    const g = guest({ gpuDevices: true });
    g.write('/var/lib/phoenix-stub/nvidia-driver-version', '570.10.01\n');
    const result = await g.run('lxc/nvidia.sh', g.context({ nvidia_driver_version: '580.76.05' }));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('replacing NVIDIA userspace driver 570.10.01 with 580.76.05');
  });

  it('VM: exits 4 without an NVIDIA GPU on the PCI bus and 3 on Debian', async () => {
    const g = guest();
    expect((await g.run('vm/nvidia.sh', g.context({ nvidia_driver_version: '580' }))).code).toBe(4);
    const debian = guest({ os: 'debian', pciGpu: true });
    expect(
      (await debian.run('vm/nvidia.sh', debian.context({ nvidia_driver_version: '580' }))).code,
    ).toBe(3);
  });
});

describe('context reader', () => {
  it('reads the same values with python3 and with jq', async () => {
    for (const reader of ['python3', 'jq']) {
      const g = guest({ users: ['ålice'] });
      const result = await g.run(
        'vm/docker.sh',
        g.context({ user_config: { username: 'ålice' } }),
        {
          PHOENIX_JSON_READER: reader,
        },
      );
      expect(result.code, result.stderr).toBe(0);
      expect(result.calls).toContain('usermod -aG docker ålice');
    }
  });

  it('runs with defaults when no context is given', async () => {
    const g = guest();
    const result = await g.run('lxc/base_setup.sh');
    expect(result.code).toBe(0);
    expect(g.read('/etc/default/locale')).toBe('LANG=en_US.UTF-8\n');
  });

  it('installs on Debian from Docker’s Debian repository', async () => {
    const g = guest({ os: 'debian' });
    const result = await g.run('lxc/docker.sh', g.context({}));
    expect(result.code).toBe(0);
    expect(g.read('/etc/apt/sources.list.d/docker.list')).toContain(
      'https://download.docker.com/linux/debian bookworm stable',
    );
    expect(result.calls.some((call) => call.startsWith('usermod'))).toBe(false);
  });
});

describe('apt/dpkg lock on a guest without fuser (psmisc is optional on Debian)', () => {
  it('finds a real lock holder in /proc/locks and waits until it is gone', async () => {
    const g = guest();
    // A PATH like the stubs' but without any fuser, so the lib falls back to /proc/locks.
    const bin = mkdtempSync(join(tmpdir(), 'phoenix-nofuser-'));
    try {
      for (const dir of [guestBin, '/usr/bin', '/bin']) {
        for (const name of readdirSync(dir)) {
          if (name === 'fuser' || name === 'lib' || existsSync(join(bin, name))) continue;
          symlinkSync(join(dir, name), join(bin, name));
        }
      }
      g.write('/var/lib/dpkg/lock-frontend', '');
      const holder = spawn('flock', [g.path('/var/lib/dpkg/lock-frontend'), 'sleep', '300'], {
        stdio: 'ignore',
        detached: true,
      });
      // flock's child (sleep) inherits the locked descriptor: end the whole group to release it.
      const release = () => {
        try {
          process.kill(-holder.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
      };
      try {
        // Held once a non-blocking attempt fails.
        while (
          spawnSync('flock', ['-n', g.path('/var/lib/dpkg/lock-frontend'), 'true']).status === 0
        ) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const running = g.start('vm/qemu_guest_agent.sh', g.context({}), { PATH: bin });
        await running.waitForOutput('waiting for the apt/dpkg lock');
        expect(g.calls().filter((call) => call.startsWith('apt-get'))).toEqual([]);
        release();
        const result = await running.done;
        expect(result.code, result.stderr).toBe(0);
        expect(result.calls.some((call) => call.startsWith('fuser'))).toBe(false);
        expect(result.calls.some((call) => / install .* qemu-guest-agent$/.test(call))).toBe(true);
      } finally {
        release();
      }
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
