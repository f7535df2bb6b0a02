import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { FakeEngine, ManualScheduler, manyMachines } from '../../source/engine/fake-engine.js';
import { DOWN, ESC, NOW, renderApp } from './helpers.js';

afterEach(() => cleanup());

describe('machine table', () => {
  it('lists VMs, containers and templates with their columns', async () => {
    const app = renderApp();
    const screen = await app.waitFor('web-01');
    expect(screen).toMatch(/ID.*TYPE\s+NAME\s+NODE\s+STATUS\s+SPEC\s+CPU\s+MEM\s+TAGS/);
    expect(app.rowOf(101)).toMatch(
      /101\s+vm\s+web-01\s+pve1\s+running\s+in-sync\s+\d+%\s+1\.6G\/4\.0G\s+web,prod/,
    );
    expect(app.rowOf(100)).toMatch(/vm-t\s+ubuntu-2404-tmpl.*template/);
    expect(app.rowOf(204)).toMatch(/ct\s+ollama\s+pve1\s+-\s+missing/);
    expect(screen).toContain('12 guests');
  });

  it('renders only the visible window of a long list and follows the selection', async () => {
    const engine = new FakeEngine({
      machines: manyMachines(1000),
      scheduler: new ManualScheduler(NOW),
    });
    const app = renderApp({ engine, rows: 24, columns: 80 });
    await app.waitFor('guest-0000');
    const rows = () =>
      app
        .frame()
        .split('\n')
        .filter((l) => /guest-\d{4}/.test(l));
    // 24 rows - 1 spare line - header (2) - status and keys (2) - table header (1)
    expect(rows()).toHaveLength(18);
    await app.press('G');
    expect(app.frame()).toContain('guest-0999');
    expect(app.frame()).not.toContain('guest-0000');
    expect(app.frame()).toContain('1000/1000');
    await app.press('g');
    expect(app.frame()).toContain('guest-0000');
    await app.press('\x1b[6~'); // PgDn
    expect(app.frame()).toContain('19/1000');
  });

  it('fits 80 columns: every line is at most 80 wide, long names are cut with an ellipsis', async () => {
    const engine = new FakeEngine({ scheduler: new ManualScheduler(NOW) });
    engine.mutate((rows) => [
      ...rows,
      { ...rows[1]!, id: 777, name: 'a-very-long-guest-name-that-does-not-fit', protected: false },
    ]);
    await engine.refresh();
    const app = renderApp({ engine, columns: 80, rows: 24 });
    await app.waitFor('777');
    for (const line of app.frame().split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
    expect(app.rowOf(777)).toMatch(/a-very-long-g[a-z-]*…/);
  });

  it('"jj" arriving in one chunk moves two rows', async () => {
    const app = renderApp();
    await app.waitFor('web-01');
    expect(app.frame()).toContain('1/12');
    await app.press('jj');
    expect(app.frame()).toContain('3/12');
    await app.press(DOWN);
    expect(app.frame()).toContain('4/12');
    await app.press('kkk');
    expect(app.frame()).toContain('1/12');
  });

  it('keeps the selection on the same guest across a refresh that adds rows above it', async () => {
    const app = renderApp();
    await app.waitFor('web-01');
    await app.press('jjj'); // 103 db-01
    expect(app.frame()).toContain('4/12');
    app.engine.mutate((rows) => [
      ...rows,
      { ...rows[0]!, id: 50, name: 'new-guest', template: false, specState: 'unmanaged' },
    ]);
    await app.engine.refresh();
    await app.waitFor('new-guest');
    expect(app.frame()).toContain('5/13'); // still db-01, now fifth
    await app.press(' ');
    expect(app.rowOf(103)).toMatch(/^● 103/);
  });

  it('sorts by the next column with o and reverses with O', async () => {
    const app = renderApp();
    await app.waitFor('web-01');
    await app.press('o'); // type
    expect(app.frame()).toContain('TYPE▲');
    await app.press('o'); // name
    const names = () =>
      app
        .frame()
        .split('\n')
        .map((l) => /^.{2}\d+ +(?:vm|ct)\S* +(\S+)/.exec(l)?.[1])
        .filter(Boolean);
    expect(names()[0]).toBe('backup-test');
    await app.press('O');
    expect(app.frame()).toContain('NAME▼');
    expect(names()[0]).toBe('web-02');
  });

  it('marks rows with Space and clears marks with Esc', async () => {
    const app = renderApp();
    await app.waitFor('web-01');
    await app.press('  ');
    expect(app.rowOf(100)).toMatch(/^● /);
    expect(app.rowOf(101)).toMatch(/^● /);
    expect(app.frame()).toContain('2 marked');
    await app.press(ESC);
    await app.waitFor(/^ {2}100/m);
    expect(app.frame()).not.toContain('marked');
  });
});

describe('filter', () => {
  const ids = (frame: string) =>
    frame
      .split('\n')
      .filter((l) => /^.{2}\d+ +(vm|ct)/.test(l))
      .map((l) => Number(l.slice(2).split(/\s+/)[0]));

  it('filters by text as it is typed, Esc clears', async () => {
    const app = renderApp();
    await app.waitFor('web-01');
    await app.press('/');
    await app.press('web');
    expect(ids(app.frame())).toEqual([101, 102, 202]);
    expect(app.frame()).toContain('/web_');
    await app.press('\r');
    expect(app.frame()).toContain('filter: web');
    await app.press(ESC);
    await app.waitFor('12 guests');
    expect(ids(app.frame())).toHaveLength(12);
  });

  it.each([
    ['type:ct', [201, 202, 203, 204]],
    ['type:template', [100, 200]],
    ['state:drifted', [102, 202]],
    ['state:running', [101, 102, 201, 202]],
    ['tag:ai', [110, 204]],
    ['node:pve1 tag:infra', [201, 202]],
    ['type:vm state:missing', [110]],
  ])('%s', async (filter, expected) => {
    const app = renderApp();
    await app.waitFor('web-01');
    await app.press('/');
    await app.press(`${filter}\r`);
    expect(ids(app.frame())).toEqual(expected);
  });

  it('says so when nothing matches', async () => {
    const app = renderApp();
    await app.waitFor('web-01');
    await app.press('/zzz');
    expect(app.frame()).toContain('Nothing matches "zzz"');
  });
});
