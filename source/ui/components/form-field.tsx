// Form widgets of the wizards, drawn as lines of styled segments so a view can count them and
// fit a form into 80x24: a text field (with a cursor), a password field (never its text), a
// select (current choice, and the matching options while it has the focus), a multi-select
// (ticks) and a yes/no toggle. Every field can carry its first problem under it.
import { Box, Text } from 'ink';
import type { DraftProblem } from '../../engine/types.js';
import type { FieldKind, Option } from '../model/wizard-forms.js';
import type { Glyphs } from '../theme.js';
import { Line, type Segment } from './line.js';

export type FormLine = readonly (Segment | false | undefined)[];

export interface FieldView {
  label: string;
  kind: FieldKind;
  focused: boolean;
  /** Text of a text/number field, the chosen value of a select, ticked values of a multi. */
  value: string | readonly string[] | boolean | undefined;
  /** Options of a select or multi that match the search. */
  options?: readonly Option[];
  /** All options (to name the chosen one). */
  allOptions?: readonly Option[];
  search?: string;
  cursor?: number;
  /** What an empty select or multi says ("none detected"). */
  empty?: string;
  /** Password fields: characters typed so far, whether a hash is set, hashing now. */
  typed?: number;
  hashSet?: boolean;
  hashing?: boolean;
  problems: readonly DraftProblem[];
  /** Lines the option list may take. */
  listLines: number;
}

const LABEL = 19;

function padLabel(text: string): string {
  return text.length >= LABEL ? `${text.slice(0, LABEL - 1)} ` : text.padEnd(LABEL);
}

function shown(field: FieldView): Segment {
  const muted = (text: string): Segment => ({ text, tone: 'muted' });
  switch (field.kind) {
    case 'text':
    case 'number': {
      const text = typeof field.value === 'string' ? field.value : '';
      return field.focused ? { text: `${text}_` } : text ? { text } : muted('-');
    }
    case 'password':
      if (field.hashing) return muted('hashing…');
      if ((field.typed ?? 0) > 0)
        return { text: `${'*'.repeat(field.typed!)}${field.focused ? '_' : ''}` };
      if (field.hashSet) return { text: 'set (hashed)', tone: 'ok' };
      return field.focused ? { text: '_' } : muted('unchanged');
    case 'toggle':
      return { text: field.value === true ? 'yes' : 'no', bold: field.focused };
    case 'select': {
      const option = field.allOptions?.find((o) => o.value === field.value);
      if (!option && !field.value) return muted(field.empty ?? '-');
      return { text: option?.label ?? String(field.value) };
    }
    case 'multi': {
      const ticked = Array.isArray(field.value) ? field.value : [];
      if ((field.allOptions?.length ?? 0) === 0) return muted(field.empty ?? 'none');
      return ticked.length > 0 ? { text: ticked.join(', ') } : muted('none');
    }
  }
}

/** The lines of one field: the field itself, its option list when focused, its first problem. */
export function fieldLines(field: FieldView, glyphs: Glyphs): FormLine[] {
  const lines: FormLine[] = [];
  const pointer = field.focused ? `${glyphs.pointer} ` : '  ';
  lines.push([
    { text: pointer, tone: 'accent' },
    { text: padLabel(field.label), bold: field.focused },
    shown(field),
  ]);
  if (field.focused && (field.kind === 'select' || field.kind === 'multi')) {
    const options = field.options ?? [];
    const rows = Math.max(1, field.listLines);
    const cursor = field.cursor ?? 0;
    const start = Math.max(0, Math.min(cursor - rows + 1, options.length - rows));
    if (options.length === 0)
      lines.push([
        { text: ' '.repeat(LABEL + 2) },
        { text: field.search ? 'no match' : (field.empty ?? 'nothing to choose'), tone: 'muted' },
      ]);
    for (const [i, option] of options.slice(start, start + rows).entries()) {
      const at = start + i === cursor;
      const ticked = Array.isArray(field.value) && field.value.includes(option.value);
      const mark =
        field.kind === 'multi'
          ? ticked
            ? '[x] '
            : '[ ] '
          : option.value === field.value
            ? '(*) '
            : '( ) ';
      lines.push([
        { text: ' '.repeat(LABEL + 2) },
        { text: at ? glyphs.pointer : ' ', tone: 'accent' },
        { text: ` ${mark}${option.label}`, bold: at },
      ]);
    }
    if (options.length > rows || field.search)
      lines.push([
        { text: ' '.repeat(LABEL + 2) },
        { text: `${Math.min(cursor + 1, options.length)}/${options.length}`, tone: 'muted' },
        field.search ? { text: `  search: ${field.search}`, tone: 'accent' } : false,
      ]);
  }
  const problem =
    field.problems.find((p) => p.severity === 'error') ?? field.problems.find(() => true);
  if (problem)
    lines.push([
      { text: ' '.repeat(LABEL + 2) },
      {
        text: `${problem.severity === 'error' ? glyphs.failed : '!'} ${problem.message}`,
        tone: problem.severity === 'error' ? 'error' : 'warn',
      },
    ]);
  return lines;
}

/** Draws lines, each cut to the width. */
export function FormLines({ lines, width }: { lines: readonly FormLine[]; width: number }) {
  return (
    <Box flexDirection="column" width={width}>
      {lines.map((segments, i) =>
        segments.length === 0 ? (
          <Text key={i}> </Text>
        ) : (
          <Line key={i} width={width} segments={segments} />
        ),
      )}
    </Box>
  );
}
