// The engine side of the TUI's host setup wizard, against a fake root: what it offers, a plan that
// changes nothing, saving that keeps the rest of the file, and a run the pipeline view can show
// (the host is guest 0) that a second time changes nothing.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../source/config/load.js';
import { startSetupRun } from '../../source/engine/setup-run.js';
import {
  planSetupDraft,
  readSetupFacts,
  saveSetupDraft,
} from '../../source/engine/setup-wizard.js';
import type { RunState, SetupDraft } from '../../source/engine/types.js';
import { FakeHost, repoRoot, SSH_KEY } from './harness.js';

let host: FakeHost;
let work: string;
let configDir: string;
const hypervisorFile = () => join(configDir, 'phoenix_hypervisor_config.json');

beforeEach(() => {
  host = new FakeHost();
  work = mkdtempSync(join(tmpdir(), 'phoenix-setup-wizard-'));
  configDir = join(work, 'etc');
  mkdirSync(configDir);
  for (const name of ['phoenix_hypervisor_config.json', 'phoenix_vm_configs.json'])
    copyFileSync(join(repoRoot, 'etc', name), join(configDir, name));
  mkdirSync(join(work, 'home/.ssh'), { recursive: true });
});
afterEach(() => {
  vi.restoreAllMocks();
  host.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const draft = (choices: Partial<SetupDraft['choices']> = {}): SetupDraft => ({
  kind: 'setup',
  choices: {
    steps: ['repositories', 'timezone', 'admin_user'],
    timezone: 'Europe/Berlin',
    user: { username: 'ops', sudo: true, sshKey: SSH_KEY },
    ...choices,
  },
  consent: [],
});

/** Waits for the run to end and returns its last state. */
async function finished(run: {
  state(): RunState;
  subscribe(listener: () => void): () => void;
}): Promise<RunState> {
  if (run.state().finishedAt !== undefined) return run.state();
  return new Promise((resolve) => {
    const off = run.subscribe(() => {
      if (run.state().finishedAt === undefined) return;
      off();
      resolve(run.state());
    });
  });
}

describe('the setup wizard engine', () => {
  it('offers the steps, the preflight suggestions, the zones, the free disks and the saved user', async () => {
    const facts = await readSetupFacts(configDir, host.processEnv(), join(work, 'home'));
    expect(facts.steps.map((s) => s.id)).toContain('zfs');
    expect(facts.preselected.length).toBeGreaterThan(0);
    for (const id of facts.preselected)
      expect(facts.steps.find((s) => s.id === id)?.suggested).toBe(true);
    expect(facts.timezones).toEqual(expect.arrayContaining(['Europe/Berlin', 'UTC']));
    expect(facts.freeDisks.map((d) => d.byId)).toContain('/dev/disk/by-id/ata-WDC_WD40EFRX_WD-1');
    expect(facts.freeDisks.find((d) => d.byId.endsWith('OLD_DISK_WD-3'))?.holds).not.toBe('');
    expect(facts.user).toMatchObject({ username: 'phoenix-admin' });
    expect(JSON.stringify(facts)).not.toContain('$6$');
    expect(facts.cannotApply).toBeUndefined();
    expect(facts.problems).toEqual([]);
  });

  it('plans without changing the host or the config, wipes shown only with consent', async () => {
    const text = readFileSync(hypervisorFile(), 'utf8');
    const before = host.snapshot();
    host.clearCalls();
    const zfs = {
      pool: 'tank',
      layout: 'mirror' as const,
      disks: ['/dev/disk/by-id/ata-WDC_WD40EFRX_WD-1', '/dev/disk/by-id/ata-OLD_DISK_WD-3'],
    };
    const plan = await planSetupDraft(configDir, host.processEnv(), {
      ...draft({ steps: ['timezone', 'zfs'], zfs }),
      consent: ['ata-OLD_DISK_WD-3'],
    });
    expect(plan.map((step) => step.id)).toEqual(['timezone', 'zfs']);
    const zfsCommands = plan[1]!.commands.join('\n');
    expect(zfsCommands).toMatch(/command +zpool create .*tank/);
    expect(zfsCommands).toContain('WIPE     /dev/disk/by-id/ata-OLD_DISK_WD-3');
    expect(host.snapshot()).toEqual(before);
    expect(host.mutatingCalls()).toEqual([]);
    expect(readFileSync(hypervisorFile(), 'utf8')).toBe(text);
  });

  it('saves the answers into the file and keeps everything else in it', async () => {
    const before = readFileSync(hypervisorFile(), 'utf8');
    const { file } = saveSetupDraft(configDir, draft());
    expect(file).toBe(hypervisorFile());
    const after = readFileSync(file, 'utf8');
    expect(after).not.toBe(before);
    const loaded = loadConfig(configDir);
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(loaded.spec.hypervisor?.timezone).toBe('Europe/Berlin');
    expect(loaded.spec.hypervisor?.users.map((u) => u.username)).toContain('ops');
    // The sections the wizard did not touch are byte for byte the same.
    const section = (text: string, key: string) =>
      text.slice(text.indexOf(`"${key}"`)).slice(0, 200);
    expect(section(after, 'network')).toBe(section(before, 'network'));
    expect(section(after, 'nfs')).toBe(section(before, 'nfs'));
  });

  it('runs the saved steps as the host (guest 0), and a second run changes nothing', async () => {
    saveSetupDraft(configDir, draft());
    const options = {
      configDir,
      processEnv: host.processEnv(),
      runsDir: join(work, 'runs'),
      draft: draft(),
    };
    const first = startSetupRun(options);
    expect(first.run.state().guests.map((g) => [g.id, g.name])).toEqual([[0, 'host setup']]);
    const done = await finished(first.run);
    await first.done;
    expect(done.status).toBe('succeeded');
    expect(done.guests[0]!.steps.map((s) => `${s.id} ${s.status}`)).toEqual([
      'repositories ok',
      'timezone ok',
      'admin_user ok',
    ]);
    expect(host.read('/var/lib/phoenix-stub/host/timezone').trim()).toBe('Europe/Berlin');

    host.clearCalls();
    const second = startSetupRun(options);
    const again = await finished(second.run);
    await second.done;
    expect(again.status).toBe('succeeded');
    expect(again.guests[0]!.steps.every((s) => s.status === 'skipped')).toBe(true);
    expect(host.mutatingCalls()).toEqual([]);
  });

  it('says up front that applying needs root, and a run started anyway fails with that', async () => {
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
    const env = { ...host.processEnv(), PHOENIX_ROOT: '' };
    const facts = await readSetupFacts(configDir, env, join(work, 'home'));
    expect(facts.cannotApply).toMatch(/must run as root/);
    const { run, done } = startSetupRun({
      configDir,
      processEnv: env,
      runsDir: join(work, 'runs'),
      draft: draft(),
    });
    await done;
    const state = run.state();
    expect(state.status).toBe('waiting');
    expect(state.guests[0]!.failure?.message).toBe(
      'phoenix setup changes the host and must run as root',
    );
    expect(state.guests[0]!.failure?.hint).toMatch(/as root/);
    run.abort();
  });
});
