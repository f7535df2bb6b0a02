// The tape: a scripted terminal session as JSON (scripts/demo-tape.json). It says what to run, at
// which size, and the steps: wait for text, type keys, run a shell command beside the session,
// write a file, start/stop recording, change the playback speed, set the caption under the screen.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';

export type Step =
  | { comment?: string; waitFor: string; timeoutMs?: number }
  | { comment?: string; waitForRegex: string; timeoutMs?: number }
  | { comment?: string; type: string; delayMs?: number }
  | { comment?: string; key: KeyName; times?: number; delayMs?: number }
  | { comment?: string; wait: number }
  | { comment?: string; run: string[]; env?: Record<string, string> }
  | { comment?: string; writeJson: string; value: unknown }
  | { comment?: string; record: boolean }
  | { comment?: string; speed: number }
  | { comment?: string; caption: string };

export interface Tape {
  /** The program and its arguments; `{cli}` is the bundled CLI, run with this Node. */
  command: string[];
  cols: number;
  rows: number;
  /** Stills taken per second while recording. */
  fps: number;
  /** Added to the program's environment (CI is always removed). */
  env?: Record<string, string>;
  /** Environment of `run` steps on top of the recorder's own. */
  runEnv?: Record<string, string>;
  /** Pause after each typed key, in ms. */
  keyDelayMs?: number;
  /** How long the last frame stays before the GIF loops, in ms. */
  endHoldMs?: number;
  /** Reserve a caption line under the terminal (set by `caption` steps). */
  captions?: boolean;
  steps: Step[];
}

export const keys = {
  enter: '\r',
  escape: '\x1b',
  tab: '\t',
  space: ' ',
  backspace: '\x7f',
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  'ctrl+c': '\x03',
} as const;
export type KeyName = keyof typeof keys;

const env = { type: 'object', additionalProperties: { type: 'string' } };
const comment = { type: 'string' };
const timeoutMs = { type: 'integer', minimum: 1 };
const step = (properties: Record<string, unknown>, required: string[]) => ({
  type: 'object',
  properties: { comment, ...properties },
  required,
  additionalProperties: false,
});

export const tapeSchema = {
  type: 'object',
  properties: {
    $schema: { type: 'string' },
    $comment: { type: 'string' },
    command: { type: 'array', items: { type: 'string' }, minItems: 1 },
    cols: { type: 'integer', minimum: 10, maximum: 300 },
    rows: { type: 'integer', minimum: 2, maximum: 120 },
    fps: { type: 'number', exclusiveMinimum: 0, maximum: 50 },
    env,
    runEnv: env,
    keyDelayMs: { type: 'integer', minimum: 0 },
    endHoldMs: { type: 'integer', minimum: 0 },
    captions: { type: 'boolean' },
    steps: {
      type: 'array',
      items: {
        oneOf: [
          step({ waitFor: { type: 'string', minLength: 1 }, timeoutMs }, ['waitFor']),
          step({ waitForRegex: { type: 'string', minLength: 1 }, timeoutMs }, ['waitForRegex']),
          step({ type: { type: 'string' }, delayMs: { type: 'integer', minimum: 0 } }, ['type']),
          step(
            {
              key: { enum: Object.keys(keys) },
              times: { type: 'integer', minimum: 1 },
              delayMs: { type: 'integer', minimum: 0 },
            },
            ['key'],
          ),
          step({ wait: { type: 'integer', minimum: 0 } }, ['wait']),
          step({ run: { type: 'array', items: { type: 'string' }, minItems: 1 }, env }, ['run']),
          step({ writeJson: { type: 'string', minLength: 1 }, value: {} }, ['writeJson', 'value']),
          step({ record: { type: 'boolean' } }, ['record']),
          step({ speed: { type: 'number', exclusiveMinimum: 0 } }, ['speed']),
          step({ caption: { type: 'string' } }, ['caption']),
        ],
      },
    },
  },
  required: ['command', 'cols', 'rows', 'fps', 'steps'],
  additionalProperties: false,
} as const;

const validate = new Ajv2020({ allErrors: false, strict: false }).compile(tapeSchema);

/** Checks a parsed tape; the error names the JSON path and what is wrong. */
export function parseTape(value: unknown, source = 'tape'): Tape {
  if (!validate(value)) {
    const error = validate.errors?.[0];
    throw new Error(
      `${source}: ${error?.instancePath || '/'} ${error?.message ?? 'is not a valid tape'}`,
    );
  }
  return value as Tape;
}

export function loadTape(path: string): Tape {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
  return parseTape(value, path);
}

/** Replaces `{name}` with `vars[name]` in every string; unknown names are an error. */
export function expand(text: string, vars: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`unknown variable ${whole} in the tape`);
    return value;
  });
}

export function expandDeep(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === 'string') return expand(value, vars);
  if (Array.isArray(value)) return value.map((item) => expandDeep(item, vars));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandDeep(v, vars)]));
  return value;
}
