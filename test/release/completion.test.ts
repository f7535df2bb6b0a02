// The bash completion script, generated from the real program: fast checks without a tarball
// (the install test in release.test.ts runs the installed script end to end).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bashCompletion, completionTable } from '../../source/cli/commands/completion.js';
import { buildProgram } from '../../source/cli/program.js';
import { repoRoot } from '../host/sim-host.js';

const output = { out: () => {}, err: () => {} };
const program = () => buildProgram(output, { output, setExitCode: () => {} });
const work = mkdtempSync(join(tmpdir(), 'phoenix-completion-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const script = join(work, 'phoenix.bash');
writeFileSync(script, bashCompletion(program()));
const cli = join(repoRoot, 'dist/cli.js');

/** What bash completes for `phoenix WORDS…` (the last word is the one being completed). */
function complete(...words: string[]): string[] {
  const result = spawnSync(
    'bash',
    [
      '-c',
      `source "$1"; COMP_WORDS=("\${@:2}"); COMP_CWORD=$(($# - 2)); _phoenix; printf '%s\\n' "\${COMPREPLY[@]}"`,
      'complete',
      script,
      cli,
      ...words,
    ],
    { encoding: 'utf8', cwd: repoRoot, env: { ...process.env, PHOENIX_CONFIG_DIR: '' } },
  );
  expect(result.stderr).toBe('');
  return result.stdout.split('\n').filter(Boolean);
}

describe('phoenix completion bash', () => {
  it('lists every visible command and leaves the hidden one out', () => {
    const table = completionTable(program());
    const top = table[0]!.subcommands;
    for (const command of program().commands) {
      if (command.name().startsWith('__')) expect(top).not.toContain(command.name());
      else expect(top).toContain(command.name());
    }
    expect(table.find((entry) => entry.path === 'runs show')?.positionals).toEqual(['none']);
    expect(table.find((entry) => entry.path === 'snapshot')?.positionals).toEqual(['ids', 'none']);
  });

  it('is valid bash and shellcheck-clean', () => {
    expect(spawnSync('bash', ['-n', script]).status).toBe(0);
    const shellcheck = spawnSync('shellcheck', ['-s', 'bash', script], { encoding: 'utf8' });
    if (shellcheck.error)
      return expect.fail('shellcheck is not installed (apt install shellcheck)');
    expect(shellcheck.stdout).toBe('');
  });

  it('completes commands, aliases, subcommands, flags (global ones too) and directories', () => {
    expect(complete('st')).toEqual(['start', 'stop', 'status']);
    expect(complete('sim', '')).toEqual(['path', 'init']);
    expect(complete('ls', '--')).toEqual(expect.arrayContaining(['--json', '--config-dir']));
    expect(complete('apply', '--')).not.toContain('--version');
    expect(complete('--config-dir', 'ET')).toEqual([]);
    expect(complete('--config-dir', 'et')).toEqual(['etc']);
    expect(complete('apply', '--concurrency', '')).toEqual([]);
  });

  it('completes guest IDs from the config, also after a value flag, never run IDs', () => {
    const ids = spawnSync(process.execPath, [cli, '-c', 'etc', '__complete-ids'], {
      cwd: repoRoot,
      encoding: 'utf8',
    })
      .stdout.trim()
      .split('\n');
    expect(ids.length).toBeGreaterThan(3);
    expect(complete('-c', 'etc', 'start', '')).toEqual(ids);
    expect(complete('shutdown', '--timeout', '30', '')).toEqual(ids);
    expect(complete('snapshot', ids[0]!, '')).toEqual([]);
    expect(complete('runs', 'show', '')).toEqual([]);
  });

  it('__complete-ids stays quiet on a missing config', () => {
    const result = spawnSync(
      process.execPath,
      [cli, '-c', join(work, 'absent'), '__complete-ids'],
      {
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('');
  });
});
