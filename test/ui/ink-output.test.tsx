// ink as patched (patches/ink+6.8.0.patch): Output builds each frame's lines without a styles copy
// and four Sets per cell (its lines must stay exactly what ansi-tokenize's own functions make), and
// the text caches of measureText and wrapText are bounded (they kept every text ever rendered).
import { styledCharsFromTokens, styledCharsToString, tokenize } from '@alcalzone/ansi-tokenize';
import { Box, Text } from 'ink';
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import xtermHeadless from '@xterm/headless';
import BoundedCache from '../../node_modules/ink/build/bounded-cache.js';
import logUpdate from '../../node_modules/ink/build/log-update.js';
import throttleFrames from '../../node_modules/ink/build/throttle-frames.js';
import Output from '../../node_modules/ink/build/output.js';

const { Terminal } = xtermHeadless;

afterEach(() => cleanup());

const esc = (codes: string) => `\u001B[${codes}m`;
const link = (url: string, text: string) => `\u001B]8;;${url}\u0007${text}\u001B]8;;\u0007`;

const lines = [
  'plain text',
  `${esc('1')}bold${esc('22')} then ${esc('31')}red${esc('39')} and ${esc('2')}dim${esc('22')}`,
  `${esc('32')}green ${esc('1')}green bold${esc('39')} bold only${esc('22')} none`,
  `${esc('38;5;208')}orange ${esc('48;2;10;20;30')}on rgb${esc('49')}${esc('39')}`,
  `${esc('7')}inverse to the end`,
  `${esc('1')}${esc('1')}twice${esc('22')}${esc('4')}under${esc('24')}   `,
  `wide 漢字 and ${esc('33')}✔ ⠋ … ─${esc('39')} symbols`,
  `${link('https://example.org', 'a link')} after ${esc('36')}${link('https://x.y', 'cyan link')}${esc('39')}`,
  `${esc('0')}reset ${esc('35')}magenta${esc('0')} reset`,
  '',
  `   ${esc('90')}grey after blanks${esc('39')}      `,
];

/** What ink 6.8 made of a row `width` wide with these writes ([column, text]) in order. */
function reference(writes: [number, string][], width: number): string {
  const blank = () => ({ type: 'char' as const, value: ' ', fullWidth: false, styles: [] });
  const row: ReturnType<typeof styledCharsFromTokens> = Array.from({ length: width }, blank);
  for (const [x, line] of writes) {
    let offset = x;
    for (const char of styledCharsFromTokens(tokenize(line))) {
      row[offset] = char;
      offset += char.fullWidth ? 2 : 1;
      if (char.fullWidth) row[offset - 1] = { ...blank(), value: '', styles: char.styles };
    }
  }
  return styledCharsToString(row.filter((cell) => cell !== undefined)).trimEnd();
}

describe('ink Output (patched)', () => {
  it('makes the same lines as ansi-tokenize for styles, links, wide characters and blanks', () => {
    for (const x of [0, 3]) {
      const output = new Output({ width: 60, height: lines.length });
      lines.forEach((line, y) => output.write(x, y, line, { transformers: [] }));
      expect(output.get().output.split('\n')).toEqual(
        lines.map((line) => reference([[x, line]], 60)),
      );
    }
  });

  it('keeps what overlapping writes leave of each', () => {
    const writes: [number, string][] = [
      [0, `${esc('31')}red red red red${esc('39')}`],
      [4, `${esc('1')}BOLD${esc('22')}`],
      [10, '漢字'],
      [13, `${esc('4')}u${esc('24')}`],
    ];
    const output = new Output({ width: 30, height: 1 });
    for (const [x, text] of writes) output.write(x, 0, text, { transformers: [] });
    const made = output.get().output;
    expect(made).toBe(reference(writes, 30));
    expect(made).toContain('BOLD');
  });
});

describe('ink Output across frames (patched: its caches outlive a frame)', () => {
  it('slices a clipped line for the clip of each frame', () => {
    const line = `${esc('32')}0123456789${esc('39')}abcdef`;
    const frame = (x2: number) => {
      const output = new Output({ width: 20, height: 1 });
      output.clip({ x1: 2, x2, y1: undefined, y2: undefined });
      output.write(0, 0, line, { transformers: [] });
      output.unclip();
      return output.get().output;
    };
    expect(frame(8)).toBe(`  ${esc('32')}234567${esc('39')}`);
    expect(frame(14)).toBe(`  ${esc('32')}23456789${esc('39')}abcd`);
    expect(frame(8)).toBe(`  ${esc('32')}234567${esc('39')}`);
  });
});

describe('ink text caches (patched)', () => {
  it('keep a bounded number of texts, the most recently used', () => {
    const cache = new BoundedCache<string, number>(3);
    for (const key of ['a', 'b', 'c']) cache.set(key, key.charCodeAt(0));
    cache.set('d', 100);
    expect(cache.get('a')).toBe(97); // used again: kept through the next turn-over
    for (const key of ['e', 'f']) cache.set(key, 0);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('f')]).toEqual([97, 0]);
    for (let i = 0; i < 10_000; i++) cache.set(`line ${i}`, i);
    expect(cache.get('line 9999')).toBe(9999);
    expect(cache.get('line 9990')).toBeUndefined();
    expect(cache.get('a')).toBeUndefined();
  });

  it('wrap a text for its own width, not for another text whose key looked the same', () => {
    const wide = render(
      <Box width={15}>
        <Text>一二三四五六七八九十</Text>
      </Box>,
    );
    expect(wide.lastFrame()).toBe('一二三四五六七\n八九十');
    const narrow = render(
      <Box width={5}>
        <Text>一二三四五六七八九十1</Text>
      </Box>,
    );
    expect(narrow.lastFrame()).toBe('一二\n三四\n五六\n七八\n九十1');
  });
});

describe('ink incremental frames (patched)', () => {
  /** Plays frames through ink's incremental log-update into a terminal; returns screen and bytes. */
  async function play(frames: string[]): Promise<{ screen: string; bytes: number[] }> {
    const terminal = new Terminal({ cols: 40, rows: 12, allowProposedApi: true, convertEol: true });
    const bytes: number[] = [];
    const stream = {
      write: (data: string) => {
        bytes.push(Buffer.byteLength(data));
        terminal.write(data);
        return true;
      },
    };
    const render = logUpdate.create(stream as never, { incremental: true });
    for (const frame of frames) render(frame);
    await new Promise<void>((resolve) => terminal.write('', resolve));
    const lines: string[] = [];
    for (let i = 0; i < terminal.rows; i++)
      lines.push(terminal.buffer.active.getLine(i)?.translateToString(true) ?? '');
    return { screen: lines.join('\n'), bytes };
  }

  const frame = (spinner: string, tail: string) =>
    Array.from({ length: 10 }, (_, i) =>
      i === 4 ? `${spinner} step  ${tail}` : i === 8 ? `log ${tail}` : `row ${i}`,
    ).join('\n');

  it('skips a run of unchanged lines with one cursor move and leaves the same screen', async () => {
    const frames = [frame('⠋', 'a'), frame('⠙', 'a'), frame('⠹', 'bb'), frame('⠸', 'bb')];
    const played = await play(frames);
    const fresh = await play([frames.at(-1)!]);
    expect(played.screen).toBe(fresh.screen);
    expect(played.screen.split('\n')[4]).toBe('⠸ step  bb');
    // A spinner frame: up to the top, one move down, the line, one move back down.
    expect(played.bytes[1]).toBeLessThan(40);
  });
});

describe('ink frame throttle (patched)', () => {
  afterEach(() => vi.useRealTimers());

  it('draws at once after a quiet spell, and a change inside the window at its end', () => {
    vi.useFakeTimers();
    const drawn: number[] = [];
    const throttled = throttleFrames(() => drawn.push(performance.now()), 33);
    const start = performance.now();
    throttled(); // quiet before: drawn at once
    vi.advanceTimersByTime(28);
    throttled(); // 28 ms later: drawn when the window ends (5 ms on), not 33 ms after this call
    throttled();
    vi.advanceTimersByTime(4);
    expect(drawn.map((at) => Math.round(at - start))).toEqual([0]);
    vi.advanceTimersByTime(1);
    expect(drawn.map((at) => Math.round(at - start))).toEqual([0, 33]);
    vi.advanceTimersByTime(100);
    throttled(); // quiet again
    expect(drawn).toHaveLength(3);
  });

  it('flushes a pending frame, or cancels it', () => {
    vi.useFakeTimers();
    let frames = 0;
    const throttled = throttleFrames(() => frames++, 33);
    throttled();
    throttled();
    throttled.flush();
    expect(frames).toBe(2);
    throttled();
    throttled.cancel();
    vi.advanceTimersByTime(100);
    expect(frames).toBe(2);
  });
});
