// The define-a-guest wizard on screen: the step's fields (or the Confirm step's summary and plan
// of commands), fitted into the body height so 80x24 works. Keys never come here: the app's one
// input funnel drives the wizard's state machine.
import type { Glyphs } from '../theme.js';
import { useApp } from '../contexts/app-context.js';
import { FormLines, fieldLines, type FormLine } from '../components/form-field.js';
import type { Segment } from '../components/line.js';
import {
  applyRefusal,
  fieldOptions,
  focusedField,
  formOf,
  generalProblems,
  isConfirmStep,
  matchingOptions,
  problemsOf,
  stepTitles,
  visibleFields,
  type AnyField,
  type WizardState,
} from '../model/wizard.js';

/** Up to `max` lines of at most `width` characters, broken between words. */
function wrapWords(text: string, width: number, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.slice(0, max);
}

/** The focused field's help, or what the option under the cursor does (setup steps). */
function helpText(w: WizardState, field: AnyField): string {
  if (!field.optionHelp || !w.facts) return field.help;
  const option = matchingOptions(w, field)[w.cursor];
  return (option && field.optionHelp(w.facts, option.value)) ?? field.help;
}

function header(w: WizardState, glyphs: Glyphs): FormLine[] {
  const titles = stepTitles(w);
  const crumbs: FormLine = titles.flatMap((title, i): Segment[] => [
    ...(i > 0 ? [{ text: ` ${glyphs.pointer} `, tone: 'muted' as const }] : []),
    i === w.step ? { text: title, bold: true, tone: 'accent' } : { text: title, tone: 'muted' },
  ]);
  return [
    [
      { text: formOf(w).title, bold: true },
      { text: `  step ${w.step + 1}/${titles.length}: ${titles[w.step] ?? ''}` },
    ],
    crumbs,
  ];
}

function problemLine(message: string, severity: 'error' | 'warning', glyphs: Glyphs): FormLine {
  return [
    {
      text: `${severity === 'error' ? glyphs.failed : '!'} ${message}`,
      tone: severity === 'error' ? 'error' : 'warn',
    },
  ];
}

function confirmLines(w: WizardState, glyphs: Glyphs, configDir: string): FormLine[] {
  const lines: FormLine[] = [];
  if (!w.facts) return lines;
  for (const line of formOf(w).summary(w.values, w.facts)) lines.push([{ text: line }]);
  lines.push([{ text: formOf(w).writes(configDir), tone: 'muted' }]);
  for (const problem of w.facts.problems)
    lines.push([{ text: `! could not read ${problem}`, tone: 'warn' }]);
  for (const p of generalProblems(w)) lines.push(problemLine(p.message, p.severity, glyphs));
  const errors = w.problems.filter((p) => p.severity === 'error').length;
  if (errors > 0)
    lines.push(problemLine(`${errors} error(s): Enter shows the first one`, 'error', glyphs));
  lines.push([{ text: 'Plan of commands (what apply will run):', bold: true }]);
  if (w.plan === undefined) lines.push([{ text: '  planning…', tone: 'muted' }]);
  else if (typeof w.plan === 'string') lines.push([{ text: `  no plan: ${w.plan}`, tone: 'warn' }]);
  else if (w.plan.length === 0) lines.push([{ text: '  nothing to do', tone: 'muted' }]);
  else
    for (const step of w.plan) {
      lines.push([{ text: `  ${glyphs.pending} ${step.title}` }]);
      for (const command of step.commands)
        lines.push([{ text: `      ${command}`, tone: 'muted' }]);
    }
  return lines;
}

/** Every line the body shows, at most `height`. */
export function wizardLines(
  w: WizardState,
  width: number,
  height: number,
  glyphs: Glyphs,
  configDir: string,
): FormLine[] {
  if (w.phase === 'loading')
    return w.error
      ? [
          [{ text: `Cannot read the host: ${w.error}`, tone: 'error' }],
          [{ text: 'Esc goes back.' }],
        ]
      : [
          [
            {
              text:
                w.kind === 'setup'
                  ? 'Reading the host: repositories, disks, GPUs, the saved answers…'
                  : 'Reading the host: storages, bridges, templates, SSH keys…',
              tone: 'muted',
            },
          ],
        ];
  const top = header(w, glyphs);
  const bottom: FormLine[] = [];
  if (w.phase === 'leaving')
    bottom.push([
      { text: 'Leave without saving? Nothing is written. ', bold: true, tone: 'warn' },
      { text: 'y/N' },
    ]);
  else if (w.phase === 'saving') bottom.push([{ text: 'Saving…', tone: 'muted' }]);
  else if (w.phase === 'saved' && w.saved) {
    const what = w.saved.id === undefined ? 'the answers' : `${formOf(w).noun} ${w.saved.id}`;
    const refusal = applyRefusal(w);
    bottom.push(
      [{ text: `Saved ${what} to ${w.saved.file}`, tone: 'ok' }],
      refusal
        ? [{ text: `Not applied: ${refusal}. Enter closes.`, tone: 'warn' }]
        : [{ text: 'Apply it now (opens the pipeline)? ', bold: true }, { text: 'y/N' }],
    );
  } else if (w.notice) bottom.push([{ text: w.notice, tone: 'error' }]);

  if (isConfirmStep(w)) {
    const body = confirmLines(w, glyphs, configDir);
    const room = Math.max(1, height - top.length - 2 - bottom.length);
    const start = Math.min(w.scroll, Math.max(0, body.length - room));
    const shown = body.slice(start, start + room);
    const more =
      body.length > room
        ? [
            {
              text: `lines ${start + 1}-${start + shown.length} of ${body.length} (↑/↓ scroll)`,
              tone: 'muted' as const,
            },
          ]
        : [];
    return [...top, [], ...shown, ...(bottom.length > 0 ? bottom : [more])].slice(0, height);
  }

  const fields = visibleFields(w);
  const focused = focusedField(w);
  const help: FormLine[] = focused
    ? wrapWords(helpText(w, focused), width, 3).map((text) => [{ text, tone: 'muted' as const }])
    : [];
  // What the host could not tell (the choices may be incomplete), on the first step.
  const unread =
    w.step === 0 && w.facts && w.facts.problems.length > 0
      ? [
          [
            {
              text: `! could not read: ${w.facts.problems.map((p) => p.split(':')[0]).join(', ')}`,
              tone: 'warn' as const,
            },
          ],
        ]
      : [];
  const general = generalProblems(w)
    .filter((p) => p.severity === 'error')
    .slice(0, 1)
    .map((p) => problemLine(p.message, p.severity, glyphs));
  const render = (listLines: number) =>
    fields.flatMap((field, i) => {
      const value = w.values[field.id];
      return fieldLines(
        {
          label: field.label,
          kind: field.kind,
          focused: i === w.field,
          value: field.kind === 'password' ? undefined : value,
          ...(field.options
            ? {
                options: i === w.field ? matchingOptions(w, field) : [],
                allOptions: fieldOptions(w, field),
              }
            : {}),
          ...(i === w.field ? { search: w.search, cursor: w.cursor } : {}),
          ...(field.empty ? { empty: field.empty } : {}),
          ...(field.kind === 'password'
            ? {
                typed: i === w.field ? [...w.password].length : 0,
                hashSet: typeof value === 'string' && value !== '',
                hashing: w.hashing,
              }
            : {}),
          problems: problemsOf(w, field),
          listLines,
        },
        glyphs,
      );
    });
  const fixed = top.length + 1 + help.length + general.length + unread.length + bottom.length + 1;
  // The focused list gets what the other lines leave.
  const withoutList = render(0).length;
  const listLines = Math.max(1, Math.min(8, height - fixed - withoutList));
  const body = render(listLines - 1);
  return [...top, [], ...body, [], ...unread, ...general, ...bottom, ...help].slice(0, height);
}

export function WizardView({
  wizard,
  width,
  height,
}: {
  wizard: WizardState;
  width: number;
  height: number;
}) {
  const { theme, engine } = useApp();
  const lines = wizardLines(wizard, width, height, theme.glyphs, engine.snapshot().host.configDir);
  return <FormLines lines={lines} width={width} />;
}
