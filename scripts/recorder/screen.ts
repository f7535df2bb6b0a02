// A still of the emulated terminal: every visible cell with its character and resolved colours.
// Two stills with the same `key` paint the same pixels, so the recorder merges them.
import type { IBufferCell, Terminal } from '@xterm/headless';
import { blend, paletteColor, type Rgb, type Theme } from './colors.js';

export interface Cell {
  /** The character(s) drawn in the cell; '' for the second half of a wide character. */
  chars: string;
  /** 1, or 2 for a wide character. */
  width: number;
  fg: Rgb;
  bg: Rgb;
  bold: boolean;
  italic: boolean;
  underline: boolean;
  strike: boolean;
}

export interface Still {
  cols: number;
  rows: number;
  cells: Cell[][];
  /** A line under the terminal saying what is being shown (tape `caption` steps). */
  caption?: string;
  /** Equal keys, equal pixels. */
  key: string;
}

/** The still with a caption under it (part of its key). */
export function withCaption(still: Still, caption: string | undefined): Still {
  return caption ? { ...still, caption, key: `${still.key}\n${caption}` } : still;
}

function color(theme: Theme, mode: 'fg' | 'bg', cell: IBufferCell): Rgb {
  if (mode === 'fg') {
    if (cell.isFgRGB()) return cell.getFgColor();
    if (cell.isFgPalette()) return paletteColor(theme, cell.getFgColor());
    return theme.foreground;
  }
  if (cell.isBgRGB()) return cell.getBgColor();
  if (cell.isBgPalette()) return paletteColor(theme, cell.getBgColor());
  return theme.background;
}

/** The visible screen of `terminal` with colours resolved by `theme` (inverse, dim, invisible). */
export function takeStill(terminal: Terminal, theme: Theme): Still {
  const buffer = terminal.buffer.active;
  const cells: Cell[][] = [];
  const keyParts: string[] = [];
  let scratch: IBufferCell | undefined;
  for (let y = 0; y < terminal.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    const row: Cell[] = [];
    for (let x = 0; x < terminal.cols; x++) {
      scratch = line?.getCell(x, scratch);
      if (!scratch) {
        row.push(blankCell(theme));
        continue;
      }
      let fg = color(theme, 'fg', scratch);
      let bg = color(theme, 'bg', scratch);
      if (scratch.isInverse()) [fg, bg] = [bg, fg];
      if (scratch.isDim()) fg = blend(fg, bg, 0.45);
      if (scratch.isInvisible()) fg = bg;
      row.push({
        chars: scratch.getChars(),
        width: scratch.getWidth(),
        fg,
        bg,
        bold: scratch.isBold() !== 0,
        italic: scratch.isItalic() !== 0,
        underline: scratch.isUnderline() !== 0,
        strike: scratch.isStrikethrough() !== 0,
      });
    }
    cells.push(row);
    keyParts.push(
      row
        .map(
          (c) =>
            `${c.chars}\u0000${c.width}${c.fg.toString(36)}.${c.bg.toString(36)}${+c.bold}${+c.italic}${+c.underline}${+c.strike}`,
        )
        .join('\u0001'),
    );
  }
  return { cols: terminal.cols, rows: terminal.rows, cells, key: keyParts.join('\n') };
}

function blankCell(theme: Theme): Cell {
  return {
    chars: '',
    width: 1,
    fg: theme.foreground,
    bg: theme.background,
    bold: false,
    italic: false,
    underline: false,
    strike: false,
  };
}

/** The still as plain text (for logs and waits). */
export function stillText(still: Still): string {
  return still.cells
    .map((row) => row.map((c) => c.chars || (c.width ? ' ' : '')).join(''))
    .join('\n');
}
