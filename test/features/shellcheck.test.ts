import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { featuresRoot, guestBin, repoRoot } from './harness.js';

const hostBin = join(repoRoot, 'source/simulator/host-bin');

function files(dir: string, keep: (path: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, keep) : keep(path) ? [path] : [];
  });
}

const scripts = [
  ...files(featuresRoot, (path) => path.endsWith('.sh')),
  ...files(guestBin, (path) => basename(dirname(path)) === 'lib' || !path.endsWith('.md')),
  ...files(hostBin, (path) => basename(dirname(path)) === 'lib' || !path.endsWith('.md')),
].sort();

function shellcheckInstalled(): boolean {
  return spawnSync('shellcheck', ['--version']).status === 0;
}

describe('shellcheck', () => {
  it('is installed (CI installs it; locally: apt-get install -y shellcheck)', () => {
    expect(
      shellcheckInstalled(),
      'shellcheck is not installed: run `apt-get install -y shellcheck`',
    ).toBe(true);
  });

  it('finds the feature scripts, the shared lib and the guest stubs', () => {
    const names = scripts.map((path) => relative(repoRoot, path));
    expect(names).toContain('features/vm/docker.sh');
    expect(names).toContain('features/lib/common.sh');
    expect(names).toContain('source/simulator/guest-bin/apt-get');
    expect(names).toContain('source/simulator/host-bin/zpool');
  });

  it.each(scripts.map((path) => [relative(repoRoot, path), path]))('%s is clean', (_name, path) => {
    if (!shellcheckInstalled())
      throw new Error('shellcheck is not installed: run `apt-get install -y shellcheck`');
    const result = spawnSync('shellcheck', ['-x', '--shell=bash', basename(path)], {
      cwd: dirname(path),
      encoding: 'utf8',
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('runs executable scripts with bash', () => {
    for (const path of scripts.filter((p) => !p.includes('/lib/'))) {
      expect(statSync(path).mode & 0o111, `${path} is not executable`).not.toBe(0);
      expect(execFileSync('head', ['-n1', path], { encoding: 'utf8' })).toBe(
        '#!/usr/bin/env bash\n',
      );
    }
  });
});
