// The demo.gif recorder (scripts/recorder/) on a tiny tape: a program in a pty writes coloured
// text, the recorder takes stills, paints them and encodes an animated GIF. The real recording
// (npm run demo-gif) takes minutes and is not run here.
import { existsSync } from 'node:fs';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { darkTheme } from '../../scripts/recorder/colors.js';
import { encodeGif, mergeStills, type TimedStill } from '../../scripts/recorder/gif.js';
import { createPainter, demoPaint, fontDir } from '../../scripts/recorder/paint.js';
import { stillText, type Still } from '../../scripts/recorder/screen.js';
import { playTape } from '../../scripts/recorder/session.js';
import { parseTape, type Tape } from '../../scripts/recorder/tape.js';

/** Frames, size and loop count of a GIF, read block by block (throws on a malformed stream). */
function readGif(bytes: Uint8Array): {
  width: number;
  height: number;
  frames: number;
  delays: number[];
} {
  const text = (from: number, length: number) =>
    String.fromCharCode(...bytes.subarray(from, from + length));
  if (text(0, 6) !== 'GIF89a') throw new Error(`not a GIF89a: ${text(0, 6)}`);
  const width = bytes[6]! | (bytes[7]! << 8);
  const height = bytes[8]! | (bytes[9]! << 8);
  const packed = bytes[10]!;
  let at = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);
  const skipSubBlocks = () => {
    while (bytes[at] !== 0) {
      if (at >= bytes.length) throw new Error('truncated sub-blocks');
      at += bytes[at]! + 1;
    }
    at += 1;
  };
  let frames = 0;
  const delays: number[] = [];
  for (;;) {
    const introducer = bytes[at];
    if (introducer === 0x3b) break;
    if (introducer === 0x21) {
      if (bytes[at + 1] === 0xf9) delays.push(bytes[at + 4]! | (bytes[at + 5]! << 8));
      at += 2;
      skipSubBlocks();
    } else if (introducer === 0x2c) {
      const local = bytes[at + 9]!;
      at += 10 + (local & 0x80 ? 3 * 2 ** ((local & 7) + 1) : 0);
      at += 1; // LZW minimum code size
      skipSubBlocks();
      frames += 1;
    } else {
      throw new Error(`unexpected block 0x${(introducer ?? 0).toString(16)} at ${at}`);
    }
  }
  return { width, height, frames, delays };
}

const program = [
  "process.stdout.write('\\x1b[?25l\\x1b[1;31mhello\\x1b[0m \\x1b[38;5;33mblue\\x1b[0m \\x1b[38;2;0;200;0mgreen\\x1b[0m \\x1b[7minverse\\x1b[0m \\x1b[2mdim\\x1b[0m ✔\\r\\n');",
  'process.stdin.setRawMode(true);',
  "process.stdin.on('data', (d) => { if (String(d) === 'q') process.exit(0); process.stdout.write('key ' + String(d) + '\\r\\n'); });",
].join('\n');

const tinyTape: Tape = parseTape({
  command: ['{node}', '-e', program],
  cols: 40,
  rows: 4,
  fps: 20,
  keyDelayMs: 50,
  steps: [
    { waitFor: 'hello' },
    { caption: 'a tiny tape' },
    { record: true },
    { wait: 200 },
    { type: 'x' },
    { waitFor: 'key x' },
    { wait: 200 },
    { record: false },
    { type: 'q' },
  ],
});

describe.skipIf(!existsSync(`${fontDir}/DejaVuSansMono.ttf`))('the demo.gif recorder', () => {
  it('records a tiny tape into a valid animated GIF with the colours on screen', async () => {
    const recording = await playTape(tinyTape, {
      theme: darkTheme,
      vars: { node: process.execPath },
      cwd: process.cwd(),
    });
    expect(recording.exitCode).toBe(0);
    const distinct = mergeStills(recording.stills);
    expect(distinct.length).toBeGreaterThanOrEqual(2);
    expect(stillText(distinct[0]!.still)).toContain('hello blue green inverse dim ✔');
    expect(stillText(distinct.at(-1)!.still)).toContain('key x');
    expect(distinct[0]!.still.caption).toBe('a tiny tape');

    const first = distinct[0]!.still;
    const hello = first.cells[0]![0]!;
    expect(hello).toMatchObject({ chars: 'h', bold: true, fg: darkTheme.ansi[1] });
    expect(first.cells[0]![6]!.fg).toBe(0x0087ff); // 256-colour 33
    expect(first.cells[0]![11]!.fg).toBe(0x00c800); // truecolour
    expect(first.cells[0]![17]!.bg).toBe(darkTheme.foreground); // inverse

    const painter = createPainter(tinyTape.cols, tinyTape.rows, { ...demoPaint, captions: true });
    const { padding, cellWidth, cellHeight } = demoPaint;
    expect(painter.width).toBe(tinyTape.cols * cellWidth + 2 * padding);
    expect(painter.height).toBeGreaterThan(tinyTape.rows * cellHeight + 2 * padding); // caption bar
    const gif = encodeGif(painter, recording.stills, { colors: 64, endHoldMs: 1000 });
    const parsed = readGif(gif.bytes);
    expect(parsed).toMatchObject({ width: painter.width, height: painter.height });
    expect(parsed.frames).toBe(gif.frames);
    expect(parsed.frames).toBe(distinct.length);
    expect(Math.max(...parsed.delays)).toBeGreaterThanOrEqual(100); // the held last frame

    // The first frame decodes, and the bold red "hello" is there in red.
    const image = await loadImage(Buffer.from(gif.bytes));
    expect([image.width, image.height]).toEqual([painter.width, painter.height]);
    const canvas = createCanvas(image.width, image.height);
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    const pixels = context.getImageData(padding, padding, cellWidth * 5, cellHeight).data;
    let reddish = 0;
    for (let p = 0; p < pixels.length; p += 4)
      if (pixels[p]! > 160 && pixels[p + 1]! < 140 && pixels[p + 2]! < 140) reddish += 1;
    expect(reddish).toBeGreaterThan(20);
  });

  it('merges identical consecutive stills into one longer frame', () => {
    const still = (key: string): Still => ({ cols: 1, rows: 1, cells: [], key });
    const stills: TimedStill[] = [
      { still: still('a'), durationMs: 100 },
      { still: still('a'), durationMs: 100 },
      { still: still('b'), durationMs: 50 },
      { still: still('a'), durationMs: 100 },
    ];
    expect(mergeStills(stills).map((s) => [s.still.key, s.durationMs])).toEqual([
      ['a', 200],
      ['b', 50],
      ['a', 100],
    ]);
  });

  it('rejects a tape step it does not know, naming where', () => {
    expect(() =>
      parseTape({ command: ['x'], cols: 80, rows: 24, fps: 10, steps: [{ press: 'q' }] }, 't.json'),
    ).toThrow(/t\.json: \/steps\/0 /);
  });
});
