// The recorder's terminal theme: how xterm's colour attributes become RGB. Dark background,
// the 16 ANSI colours of a common editor theme, the xterm 256-colour cube and grey ramp, and
// truecolour as given.

/** 0xRRGGBB */
export type Rgb = number;

export interface Theme {
  background: Rgb;
  foreground: Rgb;
  /** ANSI colours 0-15. */
  ansi: readonly Rgb[];
}

export const darkTheme: Theme = {
  background: 0x16181d,
  foreground: 0xd4d7dd,
  ansi: [
    0x2c313a, 0xe06c75, 0x98c379, 0xe5c07b, 0x61afef, 0xc678dd, 0x56b6c2, 0xabb2bf, 0x5c6370,
    0xff7b86, 0xb5e890, 0xffd68a, 0x82c4ff, 0xde9bf0, 0x7fd4df, 0xffffff,
  ],
};

const cubeLevels = [0, 95, 135, 175, 215, 255] as const;

/** A colour of the 256-colour palette as RGB. */
export function paletteColor(theme: Theme, index: number): Rgb {
  if (index < 16) return theme.ansi[index] ?? theme.foreground;
  if (index < 232) {
    const n = index - 16;
    const r = cubeLevels[Math.floor(n / 36)]!;
    const g = cubeLevels[Math.floor(n / 6) % 6]!;
    const b = cubeLevels[n % 6]!;
    return (r << 16) | (g << 8) | b;
  }
  const grey = 8 + (index - 232) * 10;
  return (grey << 16) | (grey << 8) | grey;
}

/** `from` moved towards `to` by `amount` (0..1), per channel. */
export function blend(from: Rgb, to: Rgb, amount: number): Rgb {
  const channel = (shift: number) => {
    const a = (from >> shift) & 0xff;
    const b = (to >> shift) & 0xff;
    return Math.round(a + (b - a) * amount) << shift;
  };
  return channel(16) | channel(8) | channel(0);
}

export function cssColor(rgb: Rgb): string {
  return `#${rgb.toString(16).padStart(6, '0')}`;
}
