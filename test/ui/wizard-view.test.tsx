import { describe, expect, it } from 'vitest';
import { renderApp } from './helpers.js';

const PAGE_DOWN = '\x1b[6~';

describe('the wizard view (ink, fake engine)', () => {
  it('fits 80x24: steps, fields, an open choice list, and the Confirm step with the plan', async () => {
    const app = renderApp({ columns: 80, rows: 24, ascii: true });
    await app.waitFor('web-01');
    await app.press('c');
    let frame = await app.waitFor('step 1/7: General');
    expect(frame).toContain('> VM ID              104_');
    await app.press('\tweb-09');
    frame = await app.waitFor('web-09_');
    for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    await app.press(PAGE_DOWN);
    await app.press(PAGE_DOWN);
    await app.press(PAGE_DOWN);
    await app.press(PAGE_DOWN);
    await app.press('ops');
    frame = await app.press('\t');
    // The SSH key choice offers the keys found on the host.
    expect(frame).toContain('~/.ssh/id_ed25519.pub admin@workstation');
    frame = await app.press('\x1b[C');
    expect(frame).toMatch(/SSH key\s+~\/\.ssh\/id_ed25519\.pub admin@workstation/);
    await app.press(PAGE_DOWN);
    frame = await app.press(PAGE_DOWN);
    expect(frame).toContain('step 7/7: Confirm');
    frame = await app.waitFor('Plan of commands');
    expect(frame).toContain('VM        104 web-09');
    expect(frame.split('\n').length).toBeLessThanOrEqual(23);
    for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    frame = await app.press('\r');
    frame = await app.waitFor('Apply it now');
    expect(frame).toContain('y apply now');
    frame = await app.press('n');
    frame = await app.waitFor('Saved 104 to the config');
    expect(app.rowOf(104)).toMatch(/web-09\s.*missing/);
    app.unmount();
  });

  it('says which host facts could not be read, and offers "none detected" for GPUs', async () => {
    const app = renderApp({
      columns: 80,
      rows: 24,
      ascii: true,
      engineOptions: { facts: { problems: ['pveam catalogue: no network'] } },
    });
    await app.waitFor('web-01');
    await app.press('C');
    const frame = await app.waitFor('step 1/7: General');
    expect(frame).toContain('! could not read: pveam catalogue');
    for (let i = 0; i < 4; i++) await app.press(PAGE_DOWN);
    await app.press('\t');
    expect(await app.waitFor('GPUs')).toMatch(/> GPUs\s+none detected/);
    app.unmount();
  });

  it('shows the wizard keys in ? help and offers the wizards in the palette', async () => {
    const app = renderApp({ columns: 100, rows: 60, ascii: true });
    await app.waitFor('web-01');
    let frame = await app.press('?');
    expect(frame).toContain('Wizard');
    expect(frame).toMatch(/PgUp Ctrl\+B\s+back to the previous step/);
    await app.press('?');
    frame = await app.press(':new cont');
    expect(frame).toContain('new container (wizard)');
    frame = await app.press('\r');
    await app.waitFor('step 1/7: General');
    frame = await app.waitFor('New container');
    expect(frame).toContain('CT ID');
    app.unmount();
  });
});
