// The guided host setup end to end: the bundled CLI in a pseudo-terminal at 80x24, the simulated
// Proxmox tools for the guests, and a fake root (test/setup) standing in for the host system.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSimHost, type SimHost } from '../support/sim-host.js';
import { FakeHost } from '../setup/harness.js';
import { send, startPty, type PtySession } from './pty.js';

const ENTER = '\r';
const ESC = '\x1b';
const RIGHT = '\x1b[C';

async function withSetupTui(
  body: (tui: PtySession, sim: SimHost, host: FakeHost) => Promise<void>,
): Promise<void> {
  const sim = await createSimHost();
  const host = new FakeHost();
  const fake = host.processEnv();
  const tui = startPty({
    cols: 80,
    rows: 24,
    env: {
      ...sim.env,
      ...fake,
      // The host's system commands are the fake root's stubs; qm, pct, … the simulator's.
      PATH: `${fake.PATH}:${sim.env.PATH}`,
      HOME: join(host.root, 'root'),
    },
  });
  try {
    // A fresh host (enterprise repository, no subscription) opens on the setup view.
    await tui.waitFor(/items need work: a sets them up/, 20_000);
    await body(tui, sim, host);
  } finally {
    tui.kill();
    host.cleanup();
  }
}

describe('the host setup wizard in a pseudo-terminal (80x24)', { timeout: 180_000 }, () => {
  it('chooses steps, answers, confirms the plan, saves the answers and applies them', async () => {
    await withSetupTui(async (tui, sim, host) => {
      const file = join(sim.configDir, 'phoenix_hypervisor_config.json');
      const before = readFileSync(file, 'utf8');
      await send(tui, 'a');
      const steps = await tui.waitFor('step 1/6: Steps', 20_000);
      expect(steps).toMatch(/\[x\] Package repositories +\(preflight: needed\)/);
      // Tick the time zone, untick the ZFS pool and the NVIDIA driver.
      await send(tui, RIGHT, RIGHT, ' ');
      await send(tui, RIGHT, RIGHT, ' ');
      for (let i = 0; i < 5; i++) await send(tui, RIGHT);
      await send(tui, ' ');
      await tui.waitFor(/Steps +repositories, timezone\s/);
      await send(tui, ENTER);
      await tui.waitFor('step 2/6: Host');
      // The zone list is searched by typing; Enter goes on to the Confirm step (nothing else
      // ticked asks anything).
      await send(tui, 'Berlin');
      await tui.waitFor(/Time zone +Europe\/Berlin/);
      await send(tui, ENTER);
      const confirm = await tui.waitFor(/command +timedatectl set-timezone Europe\/Berlin/, 30_000);
      expect(confirm).toContain('step 6/6: Confirm');
      expect(confirm).toMatch(/Steps +repositories, timezone/);
      expect(confirm).toMatch(/file +\/etc\/apt\/sources\.list\.d\/pve-enterprise\.sources/);
      // Nothing is written before Enter on the Confirm step, and nothing changes on the host.
      expect(readFileSync(file, 'utf8')).toBe(before);
      expect(host.mutatingCalls()).toEqual([]);

      await send(tui, ENTER);
      const saved = await tui.waitFor('Apply it now', 20_000);
      expect(saved).toContain(`Saved the answers to ${file}`);
      const config = JSON.parse(readFileSync(file, 'utf8')) as {
        timezone: string;
        setup: { steps: string[] };
      };
      expect(config.timezone).toBe('Europe/Berlin');
      expect(config.setup.steps).toEqual(['repositories', 'timezone']);
      expect((await sim.phoenix(['validate'])).code).toBe(0);

      await send(tui, 'y');
      const done = await tui.waitFor('Finished: succeeded', 90_000);
      expect(done).toMatch(/✔ host setup +2\/2/);
      expect(done).toMatch(/✔ Package repositories/);
      expect(done).toMatch(/✔ Time zone and NTP/);
      expect(host.calls()).toContain('timedatectl set-timezone Europe/Berlin');

      // Back on the setup view the repositories are in place now.
      await send(tui, ESC);
      await tui.waitFor(/apt repositories +done/, 20_000);
      await send(tui, 'q');
      expect(await tui.exited()).toBe(0);
    });
  });

  it('Esc leaves the wizard with the config byte-identical and the host untouched', async () => {
    await withSetupTui(async (tui, sim, host) => {
      const file = join(sim.configDir, 'phoenix_hypervisor_config.json');
      const before = readFileSync(file, 'utf8');
      await send(tui, 'a');
      await tui.waitFor('step 1/6: Steps', 20_000);
      await send(tui, ' ', ENTER);
      await send(tui, ESC);
      await tui.waitFor('Leave without saving?');
      await send(tui, 'y');
      await tui.waitFor(/items need work: a sets them up/);
      await send(tui, 'q');
      expect(await tui.exited()).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(before);
      expect(host.mutatingCalls()).toEqual([]);
    });
  });

  it('phoenix demo offers host setup on a stand-in host, applied in the pipeline view', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-demo-setup-'));
    const tui = startPty({ cols: 80, rows: 24, args: ['demo', '--fast', '--dir', dir] });
    try {
      // The demo opens on the machines, not on the stand-in host's setup.
      await tui.waitFor(/9000 +vm-t +ubuntu-24\.04-cl/, 20_000);
      await send(tui, '\t', '\t', '\t');
      await tui.waitFor(/items need work: a sets them up/, 20_000);
      await send(tui, 'a');
      await tui.waitFor('step 1/6: Steps', 20_000);
      await tui.waitFor(/Steps +repositories, zfs, nvidia\s/);
      // Untick ZFS (no disks chosen) and the NVIDIA driver, straight to Confirm, save, apply.
      for (let i = 0; i < 4; i++) await send(tui, RIGHT);
      await send(tui, ' ');
      for (let i = 0; i < 5; i++) await send(tui, RIGHT);
      await send(tui, ' ');
      await tui.waitFor(/Steps +repositories\s/);
      await send(tui, ENTER);
      await tui.waitFor(/step 6\/6: Confirm[\s\S]*command +apt-get update/, 30_000);
      await send(tui, ENTER);
      await tui.waitFor('Apply it now', 20_000);
      await send(tui, 'y');
      await tui.waitFor(/✔ host setup +1\/1[\s\S]*Finished: succeeded/, 90_000);
      await send(tui, 'q');
      expect(await tui.exited()).toBe(0);
      const saved = JSON.parse(
        readFileSync(join(dir, 'etc/phoenix_hypervisor_config.json'), 'utf8'),
      ) as { setup: { steps: string[] } };
      expect(saved.setup.steps).toEqual(['repositories']);
      expect(
        readFileSync(join(dir, 'host/etc/apt/sources.list.d/pve-enterprise.sources'), 'utf8'),
      ).toMatch(/Enabled: no/i);
    } finally {
      tui.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
