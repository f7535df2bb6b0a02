// How the TUI draws: Unicode or ASCII glyphs, colours or none. Decided once at start-up.

export interface Glyphs {
  ok: string;
  failed: string;
  pending: string;
  skipped: string;
  marked: string;
  pointer: string;
  /** A guest whose steps are running (the step itself has the spinner). */
  active: string;
  separator: string;
  up: string;
  down: string;
  ellipsis: string;
  /** Spinner frames, one shared ticker drives them all. */
  spinner: readonly string[];
}

const unicode: Glyphs = {
  ok: '✔',
  failed: '✖',
  pending: '·',
  skipped: '-',
  marked: '●',
  pointer: '›',
  active: '»',
  separator: '·',
  up: '↑',
  down: '↓',
  ellipsis: '…',
  spinner: ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'],
};

const ascii: Glyphs = {
  ok: '+',
  failed: 'x',
  pending: '.',
  skipped: '-',
  marked: '*',
  pointer: '>',
  active: '>',
  separator: '|',
  up: 'Up',
  down: 'Dn',
  ellipsis: '~',
  spinner: ['|', '/', '-', '\\'],
};

/** Semantic colour names; components never name a colour directly. */
export type Tone =
  | 'running'
  | 'stopped'
  | 'paused'
  | 'in-sync'
  | 'drifted'
  | 'missing'
  | 'unmanaged'
  | 'template'
  | 'ok'
  | 'error'
  | 'warn'
  | 'muted'
  | 'accent'
  | 'key';

const palette: Record<Tone, string> = {
  running: 'green',
  stopped: 'gray',
  paused: 'yellow',
  'in-sync': 'green',
  drifted: 'yellow',
  missing: 'red',
  unmanaged: 'gray',
  template: 'cyan',
  ok: 'green',
  error: 'red',
  warn: 'yellow',
  muted: 'gray',
  accent: 'cyan',
  key: 'cyan',
};

export interface Theme {
  ascii: boolean;
  color: boolean;
  glyphs: Glyphs;
  /** ink borderStyle for boxes. */
  border: 'round' | 'classic';
  /** The colour for a tone, or undefined when colours are off. */
  tone(tone: Tone): string | undefined;
}

export function makeTheme(options: { ascii: boolean; color: boolean }): Theme {
  return {
    ascii: options.ascii,
    color: options.color,
    glyphs: options.ascii ? ascii : unicode,
    border: options.ascii ? 'classic' : 'round',
    tone: (tone) => (options.color ? palette[tone] : undefined),
  };
}

/** True when the locale promises UTF-8 (LC_ALL, then LC_CTYPE, then LANG, as setlocale reads them). */
export function localeIsUtf8(env: NodeJS.ProcessEnv = process.env): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(locale);
}

/** NO_COLOR (any non-empty value) turns colours off, as https://no-color.org asks. */
export function colorWanted(env: NodeJS.ProcessEnv = process.env, flag = true): boolean {
  return flag && !(env.NO_COLOR !== undefined && env.NO_COLOR !== '');
}
