// Runs feature scripts inside a fake guest: a temporary PHOENIX_ROOT with a minimal Ubuntu or
// Debian file system, the guest command stubs of source/simulator/guest-bin first on PATH, and a
// context JSON. Every stub records its argv in <root>/.calls.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  lstatSync,
  readlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const featuresRoot = join(repoRoot, 'features');
export const guestBin = join(repoRoot, 'source/simulator/guest-bin');

export interface GuestOptions {
  os?: 'ubuntu' | 'debian';
  /** Login users besides root (uid 1000, 1001, …). */
  users?: string[];
  /** LXC: /dev/nvidia0 and /dev/nvidiactl present, and the host's /proc/driver/nvidia/version. */
  gpuDevices?: boolean;
  hostDriver?: string;
  /** VM: an NVIDIA display controller on the PCI bus. */
  pciGpu?: boolean;
  /** LXC: an unprivileged container (root mapped to 100000 in /proc/self/uid_map). */
  unprivileged?: boolean;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The stub calls recorded during this run, one per line. */
  calls: string[];
}

/** Calls that change the guest. A second run must make none of them. */
export const MUTATING =
  /^(apt-get|curl|usermod|useradd|groupadd|locale-gen|nvidia-ctk|NVIDIA-Linux\S*)\b|^systemctl (enable|disable|start|stop|restart|reload|daemon-reload)\b/;

export class FakeGuest {
  readonly root: string;

  constructor(options: GuestOptions = {}) {
    this.root = mkdtempSync(join(tmpdir(), 'phoenix-guest-'));
    const os = options.os ?? 'ubuntu';
    this.write(
      '/etc/os-release',
      os === 'ubuntu'
        ? 'NAME="Ubuntu"\nVERSION="24.04.1 LTS (Noble Numbat)"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=noble\nUBUNTU_CODENAME=noble\n'
        : 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\nVERSION_CODENAME=bookworm\n',
    );
    const users = options.users ?? [];
    this.write(
      '/etc/passwd',
      [
        'root:x:0:0:root:/root:/bin/bash',
        ...users.map((u, i) => `${u}:x:${1000 + i}:${1000 + i}::/home/${u}:/bin/bash`),
      ]
        .map((line) => `${line}\n`)
        .join(''),
    );
    this.write(
      '/etc/group',
      ['root:x:0:', 'video:x:44:', 'render:x:993:', ...users.map((u, i) => `${u}:x:${1000 + i}:`)]
        .map((line) => `${line}\n`)
        .join(''),
    );
    this.write('/etc/locale.gen', '# en_GB.UTF-8 UTF-8\n# en_US.UTF-8 UTF-8\n');
    this.write('/usr/share/zoneinfo/Europe/Berlin', 'TZif stub\n');
    mkdirSync(join(this.root, 'var/lib/dpkg'), { recursive: true });
    if (options.gpuDevices) {
      this.write('/dev/nvidia0', '');
      this.write('/dev/nvidiactl', '');
    }
    if (options.hostDriver) {
      this.write(
        '/proc/driver/nvidia/version',
        `NVRM version: NVIDIA UNIX x86_64 Kernel Module  ${options.hostDriver}  Release Build  (dvs-builder@U16-I3-B03-4-3)  Thu Jul 24 2025\nGCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n`,
      );
    }
    if (options.unprivileged)
      this.write('/proc/self/uid_map', '         0     100000      65536\n');
    if (options.pciGpu) {
      this.write('/sys/bus/pci/devices/0000:01:00.0/vendor', '0x10de\n');
      this.write('/sys/bus/pci/devices/0000:01:00.0/class', '0x030000\n');
    }
    this.write('/sys/bus/pci/devices/0000:00:01.0/vendor', '0x1af4\n');
    this.write('/sys/bus/pci/devices/0000:00:01.0/class', '0x020000\n');
  }

  path(guestPath: string): string {
    return join(this.root, guestPath);
  }

  write(guestPath: string, content: string): void {
    const file = this.path(guestPath);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }

  read(guestPath: string): string {
    return readFileSync(this.path(guestPath), 'utf8');
  }

  /** Writes the context JSON outside the guest root (as Phoenix would push it) and returns its path. */
  context(value: unknown): string {
    const file = join(this.root, '..', `${relative(tmpdir(), this.root)}-context.json`);
    writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
    this.contextFiles.push(file);
    return file;
  }

  private readonly contextFiles: string[] = [];

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: `${guestBin}:/usr/bin:/bin`,
      PHOENIX_ROOT: this.root,
      PHOENIX_RETRY_DELAY: '0',
      PHOENIX_LOCK_POLL: '0.2',
      PHOENIX_GPU_WAIT: '0',
      LANG: 'C.UTF-8',
      ...extra,
    };
  }

  /** Starts `features/<script>` with the context path as $1; calls are recorded from now on. */
  start(
    script: string,
    contextPath: string | undefined,
    env: Record<string, string> = {},
  ): Running {
    writeFileSync(this.path('/.calls'), '');
    const args = [join(featuresRoot, script), ...(contextPath ? [contextPath] : [])];
    const child = spawn('bash', args, { env: this.env(env), stdio: ['ignore', 'pipe', 'pipe'] });
    return new Running(child, this);
  }

  run(script: string, contextPath?: string, env: Record<string, string> = {}): Promise<RunResult> {
    return this.start(script, contextPath, env).done;
  }

  calls(): string[] {
    return readFileSync(this.path('/.calls'), 'utf8').split('\n').filter(Boolean);
  }

  /** Every file, symlink and directory under the root with a content hash and mode (.calls aside). */
  snapshot(): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const full = join(dir, name);
        const rel = relative(this.root, full);
        if (rel === '.calls') continue;
        const info = lstatSync(full);
        if (info.isSymbolicLink()) out[rel] = `link ${readlinkSync(full)}`;
        else if (info.isDirectory()) {
          out[rel] = `dir ${(info.mode & 0o7777).toString(8)}`;
          walk(full);
        } else {
          const hash = createHash('sha256').update(readFileSync(full)).digest('hex');
          out[rel] = `${hash} ${(statSync(full).mode & 0o7777).toString(8)}`;
        }
      }
    };
    walk(this.root);
    return out;
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
    for (const file of this.contextFiles) rmSync(file, { force: true });
  }
}

/** A script that is running; `done` resolves when it exits. */
export class Running {
  stdout = '';
  stderr = '';
  readonly done: Promise<RunResult>;

  constructor(
    readonly child: ChildProcess,
    guest: FakeGuest,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.done = new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) =>
        resolve({ code, stdout: this.stdout, stderr: this.stderr, calls: guest.calls() }),
      );
    });
  }

  /** Resolves once stdout contains `text`; rejects if the script exits first. */
  async waitForOutput(text: string): Promise<void> {
    let exited = false;
    void this.done.then(() => (exited = true));
    while (!this.stdout.includes(text)) {
      if (exited)
        throw new Error(`script exited before printing "${text}":\n${this.stdout}\n${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** A live process standing in for another apt run: the stubs see the lock held while it lives. */
export function holdAptLock(guest: FakeGuest): {
  pid: number;
  release(): void;
  alive(): boolean;
  stop(): void;
} {
  const holder = spawn('sleep', ['300'], { stdio: 'ignore' });
  const pid = holder.pid!;
  guest.write('/var/lib/dpkg/lock-frontend', '');
  guest.write('/var/lib/dpkg/lock-frontend.holder', `${pid}\n`);
  return {
    pid,
    release: () => rmSync(guest.path('/var/lib/dpkg/lock-frontend.holder')),
    alive: () => {
      try {
        process.kill(pid, 0);
        return holder.exitCode === null && holder.signalCode === null;
      } catch {
        return false;
      }
    },
    stop: () => {
      holder.kill();
    },
  };
}

export function mutatingCalls(calls: string[]): string[] {
  return calls.filter((call) => MUTATING.test(call));
}
