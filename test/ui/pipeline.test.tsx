import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { ENTER, ESC, renderApp } from './helpers.js';

afterEach(() => cleanup());

async function startApply(app: ReturnType<typeof renderApp>) {
  await app.waitFor('ollama');
  await app.press('/');
  await app.press('state:missing\r');
  await app.press('  ');
  await app.press('a');
  return app.waitFor('run-0001  apply 110, 204  running');
}

describe('pipeline view', () => {
  const engineOptions = {
    failures: [{ guestId: 204, stepId: 'features' }],
    stepMs: 1000,
    logLinesPerStep: 3,
  };

  it('shows each guest with its steps turning from spinner to ✔ with durations, and the log tail', async () => {
    const app = renderApp({ engineOptions });
    await startApply(app);
    expect(app.frame()).toMatch(/› » 110 gpu-worker {2}0\/6 {2}Clone template/);
    expect(app.frame()).toMatch(/⠋ Clone template 0s/);
    expect(app.frame()).toMatch(/· Set hardware/);
    expect(app.frame()).toContain('204 ollama  0/5  Download template');
    app.scheduler.advance(1000);
    await app.waitFor(/✔ Clone template 1\.0s/);
    expect(app.frame()).toMatch(/⠋ Set hardware/);
    expect(app.frame()).toContain('log 110 gpu-worker · Set hardware');
    expect(app.frame()).toContain('$ qm clone 100 110 --name gpu-worker --full 0');
    expect(app.frame()).toContain('[clone] 3/3 working on 110');
  });

  it('shows the failure panel and retries', async () => {
    const app = renderApp({ engineOptions });
    await startApply(app);
    app.scheduler.advance(10_000);
    await app.waitFor('waiting for your decision');
    expect(app.frame()).toMatch(/✔ 110 gpu-worker {2}6\/6/);
    expect(app.frame()).toMatch(/✖ 204 ollama {2}4\/5 {2}Install features/);
    await app.press('j');
    const screen = await app.waitFor('Install features failed');
    expect(screen).toContain('command: pct exec 204 -- /tmp/phoenix/features.sh');
    expect(screen).toContain("Proxmox: pct: command 'apt-get install -y ollama'");
    expect(screen).toContain('failed: exit code 100');
    expect(screen).toContain('hint: The package source is missing');
    expect(screen).toContain('E: Unable to locate package ollama');
    expect(screen).toContain('1 retry  2 later  3 keep  4 destroy');
    await app.press('1');
    await app.waitFor(/running {2}started/);
    app.scheduler.advance(1000);
    await app.waitFor('succeeded');
    expect(app.frame()).toMatch(/✔ 204 ollama {2}5\/5/);
    expect(app.engine.snapshot().machines.find((m) => m.id === 204)?.specState).toBe('in-sync');
  });

  it('destroy asks first, then removes what the run created; the run shows in the runs view', async () => {
    const app = renderApp({ engineOptions });
    await startApply(app);
    app.scheduler.advance(10_000);
    await app.waitFor('waiting for your decision');
    await app.press('4');
    expect(app.frame()).toContain('Destroy what run-0001 created for 204 ollama?');
    await app.press('y');
    await app.waitFor(/run-0001 .* failed/);
    expect(app.engine.snapshot().machines.find((m) => m.id === 204)?.status).toBe('absent');
    await app.press(ESC);
    await app.press('\t\t'); // machines -> templates -> runs
    const runs = await app.waitFor('RUN');
    expect(runs).toMatch(/run-0001\s+apply 110, 204\s+failed/);
    await app.press(ENTER);
    await app.waitFor('run-0001  apply 110, 204  failed');
  });

  it('asks before quitting while a run is active', async () => {
    const app = renderApp({ engineOptions });
    await startApply(app);
    await app.press('q');
    expect(app.frame()).toContain('A run is active (run-0001). Quit anyway?');
    await app.press('n');
    expect(app.frame()).toContain('run-0001  apply 110, 204  running');
  });
});
