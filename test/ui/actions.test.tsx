import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { bindings, keyLabel } from '../../source/ui/keys/bindings.js';
import { ENTER, ESC, renderApp } from './helpers.js';

afterEach(() => cleanup());

/** Moves the selection to a guest by filtering on its ID. */
async function select(app: ReturnType<typeof renderApp>, id: number) {
  await app.press('/');
  await app.press(`${id}\r`);
}

describe('details', () => {
  it('shows config vs live field by field with drift marked, snapshots, runs and the plan', async () => {
    const app = renderApp();
    await app.waitFor('web-02');
    await select(app, 102);
    await app.press(ENTER);
    const screen = await app.waitFor('Plan (2 steps)');
    expect(screen).toContain('details 102 web-02');
    expect(screen).toMatch(/≠ cores\s+4\s+2/);
    expect(screen).toMatch(/≠ memory\s+8192\s+4096/);
    expect(screen).toMatch(/ {2}name\s+web-02\s+web-02/);
    expect(screen).toContain('Snapshots (0)');
    expect(screen).toContain('$ qm set 102 --memory 8192 --cores 4');
    await app.press(ESC);
    await app.waitFor('1/1  filter: 102');
  });

  it('scrolls when it does not fit, and stops at the end', async () => {
    const app = renderApp({ rows: 14 });
    await app.waitFor('web-02');
    await select(app, 102);
    await app.press(ENTER);
    await app.waitFor('FIELD');
    expect(app.frame()).not.toContain('Reboot to apply');
    await app.press('G');
    const bottom = await app.waitFor('$ qm reboot 102');
    await app.press('jjj');
    expect(app.frame()).toBe(bottom);
    await app.press('k');
    expect(app.frame()).not.toContain('$ qm reboot 102');
  });

  it('goes back to the table after deleting the guest shown', async () => {
    const app = renderApp();
    await app.waitFor('monitoring');
    await select(app, 203);
    await app.press(ENTER);
    await app.waitFor('details 203 monitoring');
    await app.press('D');
    await app.press('203\r');
    await app.waitFor('203 deleted');
    expect(app.frame()).toContain('Phoenix machines');
  });

  it('lists snapshots', async () => {
    const app = renderApp();
    await app.waitFor('db-01');
    await select(app, 103);
    await app.press(ENTER);
    const screen = await app.waitFor('Snapshots (1)');
    expect(screen).toMatch(/before-upgrade\s+2026-11-01 00:00\s+pg 16/);
    expect(screen).toContain('Plan: nothing to do');
  });
});

describe('confirmations and refusals', () => {
  it('force stop asks first; n cancels, y stops', async () => {
    const app = renderApp();
    await app.waitFor('web-02');
    await select(app, 102);
    await app.press('x');
    expect(app.frame()).toContain('Force-stop 102 web-02?');
    await app.press('n');
    expect(app.frame()).toContain('Cancelled');
    expect(app.rowOf(102)).toContain('running');
    await app.press('x');
    await app.press('y');
    await app.waitFor('102 stopped');
    expect(app.rowOf(102)).toMatch(/stopped/);
  });

  it('delete needs the ID typed; a wrong ID deletes nothing', async () => {
    const app = renderApp();
    await app.waitFor('monitoring');
    await select(app, 203);
    await app.press('D');
    expect(app.frame()).toContain('Delete 203 monitoring?');
    expect(app.frame()).toContain('Type 203 and press Enter');
    await app.press('204\r');
    expect(app.frame()).toContain('Delete 203 monitoring?');
    expect(app.engine.snapshot().machines.some((m) => m.id === 203)).toBe(true);
    await app.press('203');
    await app.press(ENTER);
    await app.waitFor('203 deleted');
    expect(app.engine.snapshot().machines.some((m) => m.id === 203)).toBe(false);
  });

  it('refuses to delete a protected guest and says why', async () => {
    const app = renderApp();
    await app.waitFor('web-01');
    await select(app, 101);
    await app.press('D');
    const screen = app.frame();
    expect(screen).toContain('Cannot delete 101 web-01');
    expect(screen).toContain("101 is protected: unset it first with 'qm set 101 --protection 0'");
    await app.press('z');
    expect(app.frame()).not.toContain('Cannot delete');
  });

  it('refuses to delete a template that has clones', async () => {
    const app = renderApp();
    await app.waitFor('ubuntu-2404-tmpl');
    await app.press('D');
    expect(app.frame()).toContain(
      '100 is a template with linked clones (101, 102, 103): delete them first',
    );
  });

  it('starts a stopped guest at once and shows the result', async () => {
    const app = renderApp();
    await app.waitFor('db-01');
    await select(app, 103);
    await app.press('s');
    await app.waitFor('103 started');
    expect(app.rowOf(103)).toMatch(/running/);
  });

  it('snapshot asks a name and reports an invalid one', async () => {
    const app = renderApp();
    await app.waitFor('db-01');
    await select(app, 103);
    await app.press('n');
    expect(app.frame()).toContain('Snapshot of 103');
    await app.press('1bad\r');
    await app.waitFor("invalid snapshot name '1bad'");
    await app.press('n');
    await app.press('pre-upgrade\r');
    await app.waitFor('103 snapshot taken');
  });
});

describe('help, palette, read-only, ascii', () => {
  it('? shows every binding of the table', async () => {
    const app = renderApp({ rows: 60 });
    await app.waitFor('web-01');
    await app.press('?');
    const screen = app.frame();
    for (const b of bindings) {
      const keys = b.keys.map((k) => keyLabel(k, false)).join(' ');
      expect(screen).toContain(keys);
      expect(screen).toContain(b.help);
    }
    await app.press('?');
    await app.waitFor('web-01');
  });

  it('the palette finds views and verbs by fuzzy text', async () => {
    const app = renderApp();
    await app.waitFor('web-01');
    await app.press(':');
    await app.press('rns');
    expect(app.frame()).toMatch(/› runs/);
    await app.press(ENTER);
    await app.waitFor('No runs yet');
    await app.press(':');
    await app.press('tmpl');
    await app.press(ENTER);
    const screen = await app.waitFor('Phoenix templates');
    expect(screen).toContain('ubuntu-2404-tmpl');
    expect(screen).not.toContain('web-01');
  });

  it('read-only hides every mutating action from the footer, help and palette', async () => {
    const app = renderApp({ readonly: true, rows: 60 });
    await app.waitFor('web-01');
    expect(app.frame()).toContain('READ-ONLY');
    expect(app.frame()).not.toMatch(/ start | delete | apply /);
    await app.press('sxD');
    expect(app.frame()).not.toContain('Force-stop');
    await app.press('?');
    const help = app.frame();
    for (const b of bindings.filter((x) => x.mutating)) expect(help).not.toContain(b.help);
    await app.press(ESC);
    await app.press(':');
    await app.press('dele');
    expect(app.frame()).not.toContain('delete');
  });

  it('--ascii draws without Unicode', async () => {
    const app = renderApp({ ascii: true });
    await app.waitFor('web-01');
    await app.press('  ');
    expect(app.rowOf(100)).toMatch(/^\* /);
    expect(app.frame()).toContain('ID^');
    // eslint-disable-next-line no-control-regex
    expect(app.frame()).toMatch(/^[\x00-\x7f]*$/);
  });
});

describe('setup view', () => {
  it('lists what the host config asks for and what is missing', async () => {
    const app = renderApp();
    await app.waitFor('web-01');
    await app.press(':');
    await app.press('setup');
    await app.press(ENTER);
    const screen = await app.waitFor('ZFS pool fastdata');
    expect(screen).toMatch(/storage\s+ZFS pool fastdata \(mirror\)\s+missing\s+disks/);
    expect(screen).toMatch(/network\s+Bridge vmbr1 \(VLAN aware\)\s+drifted/);
    expect(screen).toContain('4 of 8 items need work: a sets them up');
    await app.press('\t');
    await app.waitFor('Phoenix machines');
  });
});
