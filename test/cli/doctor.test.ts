import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkConfig,
  checkNode,
  checkRoot,
  checkRunStore,
  checkTerminal,
  checkTools,
  findOnPath,
  formatChecks,
  type DoctorCheck,
} from '../../source/cli/commands/doctor.js';
import { createSimHost, repoRoot } from '../host/sim-host.js';

const scratch = mkdtempSync(join(tmpdir(), 'phoenix-doctor-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function fakeTools(dir: string, tools: string[]): string {
  mkdirSync(dir, { recursive: true });
  for (const tool of tools) {
    writeFileSync(join(dir, tool), '#!/bin/sh\n');
    chmodSync(join(dir, tool), 0o755);
  }
  return dir;
}

describe('doctor checks', () => {
  it('Node: 20.5 and newer pass, older is a problem with the node20 tarball as fix', () => {
    expect(checkNode('20.5.0', '/usr/bin/node').status).toBe('ok');
    expect(checkNode('22.1.0', '/usr/bin/node').status).toBe('ok');
    const old = checkNode('20.4.9', '/usr/bin/node');
    expect(old.status).toBe('problem');
    expect(old.fix).toMatch(/node20/);
    expect(checkNode('18.20.4', '/usr/bin/node').status).toBe('problem');
  });

  it('finds executables on PATH only (not plain files, not folders)', () => {
    const bin = fakeTools(join(scratch, 'find'), ['qm']);
    writeFileSync(join(bin, 'pct'), 'not executable');
    mkdirSync(join(bin, 'pvesh'));
    const path = `/nonexistent:${bin}`;
    expect(findOnPath('qm', path)).toBe(join(bin, 'qm'));
    expect(findOnPath('pct', path)).toBeUndefined();
    expect(findOnPath('pvesh', path)).toBeUndefined();
  });

  it('tools: missing ones are a problem, real ones ok, the simulator a warning', () => {
    const all = ['qm', 'pct', 'pvesh', 'pvesm', 'pveam'];
    const sim = join(repoRoot, 'dist/sim-bin');
    const partial = checkTools({ PATH: fakeTools(join(scratch, 'partial'), ['qm']) }, sim);
    expect(partial.check.status).toBe('problem');
    expect(partial.check.detail).toBe('not on PATH: pct, pvesh, pvesm, pveam');
    expect(partial.check.fix).toMatch(/phoenix sim path/);

    const real = checkTools({ PATH: fakeTools(join(scratch, 'usr-sbin'), all) }, sim);
    expect(real).toMatchObject({ complete: true, simulated: false, check: { status: 'ok' } });

    const simulated = checkTools({ PATH: sim }, '/elsewhere/sim-bin');
    expect(simulated).toMatchObject({ complete: true, simulated: true });
    expect(simulated.check.status).toBe('warning');
    expect(simulated.check.detail).toMatch(/simulator/);
  });

  it('root: required with real tools, a warning with the simulator', () => {
    expect(checkRoot(0, false).status).toBe('ok');
    expect(checkRoot(1000, false).status).toBe('problem');
    expect(checkRoot(1000, true).status).toBe('warning');
  });

  it('config: the example etc/ is ok; a missing dir and a broken file are problems', () => {
    const example = checkConfig(join(repoRoot, 'etc'));
    expect(example.status).not.toBe('problem');
    expect(example.detail).toMatch(/\d+ VMs?, \d+ containers?/);
    expect(checkConfig(join(scratch, 'absent')).status).toBe('problem');
    const broken = join(scratch, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'phoenix_lxc_configs.json'), '{ "lxc_configs": { "100": ');
    const result = checkConfig(broken);
    expect(result.status).toBe('problem');
    expect(result.detail).toContain('phoenix_lxc_configs.json');
    expect(result.fix).toContain('phoenix validate');
  });

  it('run store: writable or creatable is ok, under a file it is a problem', () => {
    expect(checkRunStore(join(scratch, 'runs', 'deeper')).status).toBe('ok');
    const file = join(scratch, 'a-file');
    writeFileSync(file, '');
    expect(checkRunStore(join(file, 'runs')).status).toBe('problem');
  });

  it('terminal: no TTY, dumb TERM, C locale and a small window are warnings', () => {
    const good = checkTerminal(
      { isTTY: true, columns: 120, rows: 40, colorDepth: 8 },
      { TERM: 'xterm-256color', LANG: 'en_US.UTF-8' },
    );
    expect(good.map((check) => check.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    const bad = checkTerminal(
      { isTTY: true, columns: 70, rows: 20, colorDepth: 1 },
      { TERM: 'dumb', LANG: 'C' },
    );
    expect(Object.fromEntries(bad.map((check) => [check.id, check.status]))).toEqual({
      tty: 'ok',
      term: 'warning',
      locale: 'warning',
      colour: 'warning',
      size: 'warning',
    });
    const piped = checkTerminal({ isTTY: false }, { TERM: 'xterm', NO_COLOR: '1' });
    expect(piped.find((check) => check.id === 'tty')?.status).toBe('warning');
    expect(piped.find((check) => check.id === 'size')).toBeUndefined();
  });

  it('the report lists fixes and sums up', () => {
    const checks: DoctorCheck[] = [
      { id: 'a', title: 'Alpha', status: 'ok', detail: 'fine' },
      { id: 'b', title: 'Beta', status: 'problem', detail: 'broken', fix: 'mend it' },
    ];
    expect(formatChecks(checks, true)).toEqual([
      'ok   Alpha  fine',
      'FAIL Beta   broken',
      '            fix: mend it',
      '',
      '1 problem, 0 warnings.',
    ]);
  });
});

describe('phoenix doctor against the simulator', () => {
  it('reports every check as JSON with the simulated Proxmox version', () => {
    const host = createSimHost();
    try {
      const { code, stdout } = host.phoenix([
        'doctor',
        '--json',
        '--config-dir',
        join(repoRoot, 'etc'),
      ]);
      const report = JSON.parse(stdout) as { ok: boolean; checks: DoctorCheck[] };
      const byId = Object.fromEntries(report.checks.map((check) => [check.id, check]));
      expect(Object.keys(byId)).toEqual(
        expect.arrayContaining(['node', 'tools', 'root', 'proxmox', 'config', 'runs', 'tty']),
      );
      expect(byId.tools?.status).toBe('warning');
      expect(byId.proxmox?.status).toBe('ok');
      expect(byId.proxmox?.detail).toMatch(/^\d+\.\d+.*simulated$/);
      expect(report.ok).toBe(code === 0);
      expect(host.calls().map((call) => call.argv.join(' '))).toEqual([
        'pvesh get /version --output-format json',
      ]);
    } finally {
      host.remove();
    }
  });

  it('exits 1 when a check is a problem (no Proxmox tools on PATH)', () => {
    const host = createSimHost();
    try {
      host.env.PATH = '/nonexistent';
      const { code, stdout } = host.phoenix(['doctor', '--ascii']);
      expect(code).toBe(1);
      expect(stdout).toMatch(/^FAIL Proxmox tools +not on PATH: qm, pct, pvesh, pvesm, pveam$/m);
      expect(stdout).toMatch(/problems?, \d+ warnings?\.$/m);
    } finally {
      host.remove();
    }
  });
});
