import { describe, expect, it } from 'vitest';
import { startPty, type PtyOptions, type PtySession } from './pty.js';

const LEAVE_ALT_SCREEN = '\x1b[?1049l';

async function withTui(
  options: PtyOptions,
  body: (tui: PtySession) => Promise<void>,
): Promise<void> {
  const tui = startPty({ ...options, env: { PHOENIX_FAKE_ENGINE: '1', ...options.env } });
  try {
    await body(tui);
  } finally {
    tui.kill();
  }
}

/** Sends keys one at a time, as a person types. */
async function type(tui: PtySession, keys: string): Promise<void> {
  for (const key of keys) {
    tui.write(key);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}

describe.each([
  [100, 30],
  [80, 24],
])('the TUI at %ix%i (bundled CLI, fake engine, CI unset)', (cols, rows) => {
  it('lists the guests, filters, shows help, and q exits 0 restoring the screen', async () => {
    await withTui({ cols, rows, env: { CI: 'true' } }, async (tui) => {
      const first = await tui.waitFor('web-01');
      expect(tui.raw()).toContain('\x1b[?1049h');
      expect(first).toMatch(/Phoenix machines/);
      expect(first).toMatch(/ubuntu-2404-tmpl/);
      expect(first).toMatch(/ollama/);
      const lines = first.split('\n');
      // The frame leaves the last terminal line free.
      expect(lines[rows - 1]?.trim()).toBe('');
      expect(lines[rows - 2]).toMatch(/j\/k move/);

      await type(tui, '/');
      await type(tui, 'tag:infra');
      await tui.waitFor('/tag:infra_');
      tui.write('\r');
      const filtered = await tui.waitFor('filter: tag:infra');
      expect(filtered).toContain('nginx-proxy');
      expect(filtered).not.toContain('web-01');
      tui.write('\x1b');
      await tui.waitFor('web-01');

      tui.write('?');
      const help = await tui.waitFor('Move');
      expect(help).toMatch(/j ↓\s+next row/);
      tui.write('?');
      await tui.waitFor('web-01');

      tui.write('q');
      expect(await tui.exited()).toBe(0);
      expect(tui.raw().lastIndexOf(LEAVE_ALT_SCREEN)).toBeGreaterThan(
        tui.raw().lastIndexOf('\x1b[?1049h'),
      );
    });
  });
});

describe('the TUI in a pseudo-terminal', () => {
  it('runs an apply and shows its steps complete', async () => {
    await withTui({}, async (tui) => {
      await tui.waitFor('gpu-worker');
      await type(tui, '/110');
      tui.write('\r');
      await tui.waitFor('filter: 110');
      tui.write('a');
      await tui.waitFor('run-0001  apply 110  running');
      await tui.waitFor(/✔ Clone template \d/);
      tui.write('\x03'); // Ctrl+C asks because a run is active
      await tui.waitFor('Quit anyway?');
      tui.write('y');
      expect(await tui.exited()).toBe(0);
      expect(tui.raw()).toContain(LEAVE_ALT_SCREEN);
    });
  });

  it('starts a VM and deletes a guest after its ID is typed', async () => {
    await withTui({}, async (tui) => {
      await tui.waitFor('db-01');
      await type(tui, '/103');
      tui.write('\r');
      await tui.waitFor(/103 +vm +db-01 +pve1 +stopped/);
      tui.write('s');
      await tui.waitFor('103 started');
      await tui.waitFor(/103 +vm +db-01 +pve1 +running/);
      tui.write('\x1b');
      await tui.waitFor('ubuntu-2404-tmpl');
      await type(tui, '/203');
      tui.write('\r');
      await tui.waitFor(/203 +ct +monitoring/);
      tui.write('D');
      await tui.waitFor('Type 203 and press Enter');
      await type(tui, '203');
      tui.write('\r');
      await tui.waitFor('203 deleted');
      expect(tui.screen()).not.toMatch(/203 +ct +monitoring/);
      tui.write('q');
      expect(await tui.exited()).toBe(0);
    });
  });

  it('lays the frame out again when the terminal is resized', async () => {
    await withTui({ cols: 100, rows: 30 }, async (tui) => {
      await tui.waitFor('backup-test');
      tui.resize(80, 12);
      // The table ends right above the status line only in the small layout.
      const small = await tui.waitFor(/debian-12-ct.*\n1\/12/);
      const lines = small.split('\n');
      expect(lines).toHaveLength(12);
      expect(lines[11]?.trim()).toBe('');
      expect(lines[10]).toMatch(/j\/k move/);
      expect(small).not.toContain('backup-test'); // windowed to the rows that fit
      tui.resize(100, 30);
      await tui.waitFor('backup-test');
      tui.write('q');
      expect(await tui.exited()).toBe(0);
    });
  });

  it('restores the screen on SIGTERM', async () => {
    await withTui({}, async (tui) => {
      await tui.waitFor('web-01');
      process.kill(tui.pid, 'SIGTERM');
      await tui.exited();
      expect(tui.raw()).toContain(LEAVE_ALT_SCREEN);
    });
  });

  it('--readonly --ascii: no mutating keys, ASCII only', async () => {
    await withTui({ args: ['--readonly', '--ascii'] }, async (tui) => {
      const screen = await tui.waitFor('web-01');
      expect(screen).toContain('READ-ONLY');
      expect(screen).not.toContain('start');
      // eslint-disable-next-line no-control-regex
      expect(screen).toMatch(/^[\x00-\x7f]*$/);
      tui.write('q');
      expect(await tui.exited()).toBe(0);
    });
  });

  it('NO_COLOR: no colour escapes; a non-UTF-8 locale: ASCII only', async () => {
    await withTui(
      { env: { NO_COLOR: '1', LANG: 'C', LC_ALL: undefined, LC_CTYPE: undefined } },
      async (tui) => {
        const screen = await tui.waitFor('web-01');
        // eslint-disable-next-line no-control-regex
        expect(tui.raw()).not.toMatch(/\x1b\[(3[0-7]|9[0-7]|38;)/);
        // eslint-disable-next-line no-control-regex
        expect(screen).toMatch(/^[\x00-\x7f]*$/);
        tui.write('q');
        expect(await tui.exited()).toBe(0);
      },
    );
  });

  it('without a terminal, phoenix prints its help', async () => {
    const { execFileSync } = await import('node:child_process');
    const { cli, root } = await import('./pty.js');
    const out = execFileSync(process.execPath, [cli], { cwd: root, input: '', encoding: 'utf8' });
    expect(out).toContain('Usage: phoenix');
  });
});
