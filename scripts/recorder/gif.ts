// Stills to an animated GIF with gifenc: one global palette (quantised from every distinct still),
// identical consecutive stills merged into one longer frame, and after the first frame only the
// pixels that changed (the rest transparent over the previous frame), which keeps a terminal
// recording small even without gifsicle.
import * as gifencImport from 'gifenc';
import type { Painter } from './paint.js';
import type { Still } from './screen.js';

type Gifenc = Pick<typeof gifencImport, 'GIFEncoder' | 'applyPalette' | 'quantize'>;
// CommonJS under Node (all on the default export), ESM with named exports under Vite.
const gifenc: Gifenc =
  typeof gifencImport.quantize === 'function' ? gifencImport : (gifencImport.default as Gifenc);
const { GIFEncoder, applyPalette, quantize } = gifenc;

export interface TimedStill {
  still: Still;
  /** How long the still stays on screen, in ms. */
  durationMs: number;
}

export interface EncodeOptions {
  /** Palette size including the transparent entry (≤ 256). */
  colors: number;
  /** Shortest frame in ms (GIF viewers clamp very short delays). */
  minFrameMs?: number;
  /** Extra time on the last frame before the loop starts again, in ms. */
  endHoldMs?: number;
}

export interface EncodedGif {
  bytes: Uint8Array;
  frames: number;
  width: number;
  height: number;
  durationMs: number;
}

/** Merges consecutive stills that paint the same, adding up their durations. */
export function mergeStills(stills: readonly TimedStill[], minFrameMs = 20): TimedStill[] {
  const merged: TimedStill[] = [];
  for (const item of stills) {
    const last = merged.at(-1);
    if (last && (last.still.key === item.still.key || last.durationMs < minFrameMs)) {
      // A frame too short to be shown gives way to the next one.
      if (last.still.key !== item.still.key) last.still = item.still;
      last.durationMs += item.durationMs;
    } else {
      merged.push({ ...item });
    }
  }
  return merged;
}

/**
 * Weighted colour sample of every still: each distinct colour appears about sqrt(count) times,
 * so rare colours (a red ✖, a green ✔) keep a palette entry next to the large background areas.
 */
function colourSample(painter: Painter, stills: readonly TimedStill[]): Uint8Array {
  const counts = new Map<number, number>();
  for (const { still } of stills) {
    const pixels = new Uint32Array(painter.paint(still).buffer.slice(0));
    for (const pixel of pixels) counts.set(pixel, (counts.get(pixel) ?? 0) + 1);
  }
  let total = 0;
  for (const count of counts.values()) total += Math.ceil(Math.sqrt(count));
  const sample = new Uint32Array(total);
  let at = 0;
  for (const [pixel, count] of counts) {
    sample.fill(pixel, at, at + Math.ceil(Math.sqrt(count)));
    at += Math.ceil(Math.sqrt(count));
  }
  return new Uint8Array(sample.buffer);
}

export function encodeGif(
  painter: Painter,
  input: readonly TimedStill[],
  options: EncodeOptions,
): EncodedGif {
  const stills = mergeStills(input, options.minFrameMs);
  if (!stills.length) throw new Error('nothing to encode: no stills were taken');
  const last = stills.at(-1)!;
  last.durationMs += options.endHoldMs ?? 0;
  const palette = quantize(colourSample(painter, stills), Math.min(255, options.colors - 1));
  // The last entry is the "unchanged" (transparent) one; its colour is never drawn.
  const transparentIndex = palette.length;
  const fullPalette = [...palette, [255, 0, 255]];
  while (fullPalette.length & (fullPalette.length - 1)) fullPalette.push([0, 0, 0]);

  const encoder = GIFEncoder();
  let previous: Uint8Array | undefined;
  let durationMs = 0;
  for (const { still, durationMs: frameMs } of stills) {
    const index = applyPalette(painter.paint(still), palette);
    const delay = Math.max(20, Math.round(frameMs / 10) * 10);
    durationMs += delay;
    if (!previous) {
      encoder.writeFrame(index, painter.width, painter.height, {
        palette: fullPalette,
        delay,
        repeat: 0,
      });
    } else {
      const delta = new Uint8Array(index.length);
      for (let p = 0; p < index.length; p++)
        delta[p] = index[p] === previous[p] ? transparentIndex : index[p]!;
      encoder.writeFrame(delta, painter.width, painter.height, {
        delay,
        transparent: true,
        transparentIndex,
        dispose: 1,
      });
    }
    previous = index;
  }
  encoder.finish();
  return {
    bytes: encoder.bytes(),
    frames: stills.length,
    width: painter.width,
    height: painter.height,
    durationMs,
  };
}
