/** What the user's terminal can show, decided once from the environment. */

/** A UTF-8 locale: LC_ALL, then LC_CTYPE, then LANG decide (POSIX precedence). */
export function localeIsUtf8(env: NodeJS.ProcessEnv = process.env): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(locale);
}

/** Colours unless NO_COLOR is set (any value, https://no-color.org) or the user said --no-color. */
export function colorEnabled(env: NodeJS.ProcessEnv = process.env, flag?: boolean): boolean {
  if (flag === false) return false;
  return !('NO_COLOR' in env && env.NO_COLOR !== undefined);
}

export interface Glyphs {
  ok: string;
  fail: string;
  skip: string;
  warn: string;
  arrow: string;
}

export const unicodeGlyphs: Glyphs = { ok: '✔', fail: '✖', skip: '·', warn: '!', arrow: '→' };
export const asciiGlyphs: Glyphs = { ok: 'ok', fail: 'FAIL', skip: '-', warn: '!', arrow: '->' };

export function glyphs(ascii: boolean): Glyphs {
  return ascii ? asciiGlyphs : unicodeGlyphs;
}

/** ASCII when asked for, or when the locale cannot show UTF-8. */
export function wantsAscii(env: NodeJS.ProcessEnv = process.env, flag?: boolean): boolean {
  return flag === true || !localeIsUtf8(env);
}

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}
