// Paints stills with @napi-rs/canvas: a fixed cell grid, DejaVu Sans Mono (Debian
// fonts-dejavu-core), DejaVu Sans as fallback for symbols the mono face lacks.
import { existsSync } from 'node:fs';
import { createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';
import { cssColor, darkTheme, type Rgb, type Theme } from './colors.js';
import type { Cell, Still } from './screen.js';

export const fontDir = '/usr/share/fonts/truetype/dejavu';
const family = 'PhoenixDemoMono';
const fallback = 'PhoenixDemoSans';

const faces: readonly [file: string, alias: string][] = [
  ['DejaVuSansMono.ttf', family],
  ['DejaVuSansMono-Bold.ttf', family],
  ['DejaVuSansMono-Oblique.ttf', family],
  ['DejaVuSansMono-BoldOblique.ttf', family],
  ['DejaVuSans.ttf', fallback],
  ['DejaVuSans-Bold.ttf', fallback],
];

let registered = false;

/** Registers the DejaVu faces once; throws with the fix when the font package is missing. */
export function registerFonts(dir = fontDir): void {
  if (registered) return;
  const mono = `${dir}/DejaVuSansMono.ttf`;
  if (!existsSync(mono)) {
    throw new Error(`${mono} not found: install the Debian package fonts-dejavu-core`);
  }
  for (const [file, alias] of faces) {
    const path = `${dir}/${file}`;
    if (existsSync(path)) GlobalFonts.registerFromPath(path, alias);
  }
  registered = true;
}

export interface PaintOptions {
  theme: Theme;
  /** Font size in px. */
  fontSize: number;
  /** Cell size in px (integers keep cell backgrounds crisp). */
  cellWidth: number;
  cellHeight: number;
  /** Margin around the grid in px. */
  padding: number;
  /** A caption bar under the grid. */
  captions?: boolean;
  /** Caption bar colours. */
  captionBackground?: Rgb;
  captionForeground?: Rgb;
}

/** 100 columns × 9 px + margins ≈ 910 px: GitHub shows it at full width without much scaling. */
export const demoPaint: PaintOptions = {
  theme: darkTheme,
  fontSize: 14,
  cellWidth: 9,
  cellHeight: 17,
  padding: 6,
  captionBackground: 0x2a2f3a,
  captionForeground: 0xffd68a,
};

export interface Painter {
  width: number;
  height: number;
  /** RGBA pixels of the still (a fresh copy). */
  paint(still: Still): Uint8ClampedArray;
  /** The still as a PNG file. */
  png(still: Still): Buffer;
}

export function createPainter(cols: number, rows: number, options: PaintOptions): Painter {
  registerFonts();
  const { theme, fontSize, cellWidth, cellHeight, padding } = options;
  const width = cols * cellWidth + 2 * padding;
  const gridHeight = rows * cellHeight + 2 * padding;
  const captionHeight = options.captions ? cellHeight + 2 * padding + 2 : 0;
  const height = gridHeight + captionHeight;
  const canvas = createCanvas(width, height);
  const context = canvas.getContext('2d');
  context.textBaseline = 'alphabetic';
  const baseline = Math.round(cellHeight * 0.5 + fontSize * 0.36);
  const fonts = new Map<string, string>();
  const font = (bold: boolean, italic: boolean) => {
    const key = `${+bold}${+italic}`;
    let value = fonts.get(key);
    if (!value) {
      value = `${italic ? 'italic ' : ''}${bold ? 'bold ' : ''}${fontSize}px ${family}, ${fallback}`;
      fonts.set(key, value);
    }
    return value;
  };

  const widths = new Map<string, number>();
  const measure = (ctx: SKRSContext2D, text: string) => {
    const key = `${ctx.font}\u0000${text}`;
    let value = widths.get(key);
    if (value === undefined) {
      value = ctx.measureText(text).width;
      widths.set(key, value);
    }
    return value;
  };

  const drawCell = (ctx: SKRSContext2D, cell: Cell, left: number, top: number) => {
    ctx.font = font(cell.bold, cell.italic);
    ctx.fillStyle = cssColor(cell.fg);
    const span = cellWidth * Math.max(1, cell.width);
    const measured = measure(ctx, cell.chars);
    // Symbols from the fallback face can be wider than a cell: squeeze them into it.
    if (measured > span + 0.5) {
      ctx.save();
      ctx.translate(left, top + baseline);
      ctx.scale(span / measured, 1);
      ctx.fillText(cell.chars, 0, 0);
      ctx.restore();
    } else {
      ctx.fillText(cell.chars, left + (span - measured) / 2, top + baseline);
    }
  };

  const paint = (still: Still): Uint8ClampedArray => {
    context.fillStyle = cssColor(theme.background);
    context.fillRect(0, 0, width, height);
    for (let y = 0; y < still.rows; y++) {
      const row = still.cells[y]!;
      const top = padding + y * cellHeight;
      for (let x = 0; x < still.cols; x++) {
        const cell = row[x]!;
        if (cell.bg !== theme.background && cell.width > 0) {
          context.fillStyle = cssColor(cell.bg);
          context.fillRect(padding + x * cellWidth, top, cellWidth * cell.width, cellHeight);
        }
      }
      for (let x = 0; x < still.cols; x++) {
        const cell = row[x]!;
        const left = padding + x * cellWidth;
        if (cell.chars && cell.chars !== ' ') drawCell(context, cell, left, top);
        if (cell.underline || cell.strike) {
          context.fillStyle = cssColor(cell.fg);
          const lineY = cell.underline ? top + baseline + 2 : top + Math.round(cellHeight / 2);
          context.fillRect(left, lineY, cellWidth * Math.max(1, cell.width), 1);
        }
      }
    }
    if (captionHeight) {
      context.fillStyle = cssColor(options.captionBackground ?? theme.ansi[0]!);
      context.fillRect(0, gridHeight, width, captionHeight);
      if (still.caption) {
        context.font = font(true, false);
        context.fillStyle = cssColor(options.captionForeground ?? theme.foreground);
        context.fillText(still.caption, padding + cellWidth, gridHeight + padding + 1 + baseline);
      }
    }
    return context.getImageData(0, 0, width, height).data;
  };

  const png = (still: Still): Buffer => {
    paint(still);
    return canvas.toBuffer('image/png');
  };

  return { width, height, paint, png };
}
