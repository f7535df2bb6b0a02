// The define-a-guest wizard as a pure state machine: (wizard, key, context) -> (wizard, effects).
// Steps of fields with Back and Esc, answers checked as they are typed (the wizard's own checks
// plus the engine's, which are `phoenix validate`'s), a password that leaves the state the moment
// it is hashed, and a Confirm step with the summary and the plan of commands.
import type { DraftProblem, GuestDraft, PlannedStep } from '../../engine/types.js';
import type { Command, KeyName } from '../keys/bindings.js';
import { typedChar } from '../keys/decode.js';
import { setupForm } from './setup-form.js';
import {
  lxcForm,
  vmForm,
  type FieldDef,
  type FormDef,
  type Option,
  type Value,
  type WizardDraft,
  type WizardFacts,
  type WizardKind,
} from './wizard-forms.js';

export type { WizardKind };
/** Any of the forms, as the state machine drives it (each kind brings its own facts). */
export type AnyForm = FormDef<WizardFacts, WizardDraft>;
export type AnyField = FieldDef<WizardFacts>;
const forms: Record<WizardKind, AnyForm> = {
  qemu: vmForm as unknown as AnyForm,
  lxc: lxcForm as unknown as AnyForm,
  setup: setupForm as unknown as AnyForm,
};

export type WizardPhase =
  /** Reading the host facts. */
  | 'loading'
  | 'editing'
  /** "Leave without saving?" */
  | 'leaving'
  | 'saving'
  /** Saved; "apply now?" */
  | 'saved';

export interface WizardState {
  kind: WizardKind;
  phase: WizardPhase;
  facts?: WizardFacts;
  /** Why the facts could not be read. */
  error?: string;
  step: number;
  /** Index of the focused field among the step's visible fields. */
  field: number;
  values: Readonly<Record<string, Value>>;
  /** The answers the wizard started with (leaving untouched asks nothing). */
  initial: Readonly<Record<string, Value>>;
  /** The focused select's search text and highlighted option (multi: the cursor). */
  search: string;
  cursor: number;
  /** The password being typed; emptied when it goes to the engine to be hashed. */
  password: string;
  hashing: boolean;
  problems: readonly DraftProblem[];
  /** The plan of the draft on the Confirm step (a string: why there is none). */
  plan?: readonly PlannedStep[] | string;
  scroll: number;
  /** Where the answers went (and the new guest's ID). */
  saved?: { file: string; id?: number };
  /** Answers changed since the last check (a chunk of typed keys is checked once, at its end). */
  dirty?: boolean;
  /** One line for the user (saving failed, a step has errors). */
  notice?: string;
}

export type WizardEffect =
  | { kind: 'wizard-facts' }
  | { kind: 'wizard-hash'; password: string }
  | { kind: 'wizard-plan'; draft: WizardDraft }
  | { kind: 'wizard-save'; draft: WizardDraft }
  | { kind: 'wizard-apply'; draft: WizardDraft }
  | { kind: 'wizard-close' };

export interface WizardContext {
  /** The engine's check of a draft (the rules of `phoenix validate`). */
  checkDraft(draft: GuestDraft): DraftProblem[];
  /** Lines the body shows (for scrolling the Confirm step). */
  pageSize: number;
}

export interface WizardStep {
  wizard: WizardState;
  effects: WizardEffect[];
}

export function startWizard(kind: WizardKind): WizardStep {
  return {
    wizard: {
      kind,
      phase: 'loading',
      step: 0,
      field: 0,
      values: {},
      initial: {},
      search: '',
      cursor: 0,
      password: '',
      hashing: false,
      problems: [],
      scroll: 0,
    },
    effects: [{ kind: 'wizard-facts' }],
  };
}

// ---- derived ---------------------------------------------------------------------------------

export function formOf(w: WizardState): AnyForm {
  return forms[w.kind];
}

/** Steps including the final Confirm. */
export function stepTitles(w: WizardState): string[] {
  return [...formOf(w).steps.map((s) => s.title), 'Confirm'];
}

export function isConfirmStep(w: WizardState): boolean {
  return w.step >= formOf(w).steps.length;
}

export function visibleFields(w: WizardState, step = w.step): AnyField[] {
  const def = formOf(w).steps[step];
  return def ? def.fields.filter((f) => !f.when || f.when(w.values)) : [];
}

export function focusedField(w: WizardState): AnyField | undefined {
  return visibleFields(w)[w.field];
}

export function fieldOptions(w: WizardState, field: AnyField): Option[] {
  return w.facts && field.options ? field.options(w.facts, w.values) : [];
}

/** The options of a select that match its search text. */
export function matchingOptions(w: WizardState, field: AnyField): Option[] {
  const all = fieldOptions(w, field);
  const terms = w.search.toLowerCase().split(/\s+/).filter(Boolean);
  return terms.length === 0
    ? all
    : all.filter((o) => terms.every((t) => o.label.toLowerCase().includes(t)));
}

/** Problems of one field: its own key and the keys below it (mount_points.0.host_path). */
export function problemsOf(w: WizardState, field: AnyField): DraftProblem[] {
  return w.problems.filter((p) => p.field === field.id || p.field.startsWith(`${field.id}.`));
}

/** Problems no visible field shows (the guest as a whole, hidden fields). */
export function generalProblems(w: WizardState): DraftProblem[] {
  const shown = formOf(w)
    .steps.flatMap((_, i) => visibleFields(w, i))
    .map((f) => f.id);
  return w.problems.filter(
    (p) => !shown.some((id) => p.field === id || p.field.startsWith(`${id}.`)),
  );
}

/** The first step holding an error, or undefined. */
function firstErrorStep(w: WizardState): number | undefined {
  const steps = formOf(w).steps;
  for (let i = 0; i < steps.length; i++)
    if (visibleFields(w, i).some((f) => problemsOf(w, f).some((p) => p.severity === 'error')))
      return i;
  return generalProblems(w).some((p) => p.severity === 'error') ? steps.length : undefined;
}

export function draftOf(w: WizardState): WizardDraft | undefined {
  return w.facts ? formOf(w).build(w.values, w.facts) : undefined;
}

// ---- transitions -----------------------------------------------------------------------------

/** Re-checks the answers: the wizard's own checks, then the engine's on a draft. */
function validate(w: WizardState, ctx: WizardContext): WizardState {
  if (!w.facts) return w;
  const form = formOf(w);
  const local = form.local(w.values, w.facts);
  const idField = form.idField;
  // Only guests have `phoenix validate` rules of their own; the setup's are the form's.
  if (idField === undefined || !('nextId' in w.facts)) return { ...w, problems: local };
  const idBad = local.some((p) => p.field === idField);
  // With an unusable ID the rest is still checked, under a placeholder ID.
  const values = idBad ? { ...w.values, [idField]: String(w.facts.nextId) } : w.values;
  let engine: DraftProblem[] = [];
  try {
    engine = ctx.checkDraft(form.build(values, w.facts) as GuestDraft);
  } catch (error) {
    engine = [
      {
        field: '',
        severity: 'error',
        message: error instanceof Error ? error.message : String(error),
      },
    ];
  }
  const seen = new Set(local.map((p) => `${p.field} ${p.message}`));
  const merged = [
    ...local,
    ...engine.filter(
      (p) => !(idBad && p.field === idField) && !seen.has(`${p.field} ${p.message}`),
    ),
  ];
  return { ...w, problems: merged };
}

/** The wizard once the host facts arrived. */
export function wizardFacts(
  w: WizardState,
  result: { facts: WizardFacts } | { error: string },
  ctx: WizardContext,
): WizardState {
  if (w.phase !== 'loading') return w;
  if ('error' in result) return { ...w, error: result.error };
  const values = formOf(w).initial(result.facts);
  return validate({ ...w, phase: 'editing', facts: result.facts, values, initial: values }, ctx);
}

export function wizardHashed(
  w: WizardState,
  result: { hash: string } | { error: string },
  ctx: WizardContext,
): WizardState {
  if ('error' in result) return { ...w, hashing: false, notice: result.error };
  // The hash goes where the password field keeps its answer.
  const field = formOf(w)
    .steps.flatMap((step) => step.fields)
    .find((f) => f.kind === 'password');
  if (!field) return { ...w, hashing: false };
  return validate({ ...w, hashing: false, values: { ...w.values, [field.id]: result.hash } }, ctx);
}

export function wizardPlanned(
  w: WizardState,
  result: { plan: readonly PlannedStep[] } | { error: string },
): WizardState {
  if (!isConfirmStep(w)) return w;
  return { ...w, plan: 'error' in result ? result.error : result.plan };
}

export function wizardSaved(
  w: WizardState,
  result: { file: string; id?: number } | { error: string },
): WizardState {
  if ('error' in result) return { ...w, phase: 'editing', notice: `Not saved: ${result.error}` };
  return { ...w, phase: 'saved', saved: result, notice: undefined };
}

/** Leaves the password field: its text goes out to be hashed and is not kept. */
function leaveField(w: WizardState): WizardStep {
  const field = focusedField(w);
  const base = { ...w, search: '', cursor: 0 };
  if (field?.kind === 'password' && w.password !== '')
    return {
      wizard: { ...base, password: '', hashing: true },
      effects: [{ kind: 'wizard-hash', password: w.password }],
    };
  return { wizard: base, effects: [] };
}

/** Cursor of a select: on its current value. */
function withCursor(w: WizardState): WizardState {
  const field = focusedField(w);
  if (!field || field.kind !== 'select') return w;
  const index = fieldOptions(w, field).findIndex((o) => o.value === w.values[field.id]);
  return { ...w, cursor: Math.max(0, index) };
}

function focus(w: WizardState, field: number): WizardStep {
  const left = leaveField(w);
  return { wizard: withCursor({ ...left.wizard, field }), effects: left.effects };
}

/** Why the saved answers cannot be applied from here (shown instead of the question). */
export function applyRefusal(w: WizardState): string | undefined {
  return w.facts && 'cannotApply' in w.facts ? w.facts.cannotApply : undefined;
}

/** The step `step` lands on, passing over steps that have nothing to ask (going `direction`). */
function landingStep(w: WizardState, step: number, direction: 1 | -1): number {
  const last = formOf(w).steps.length;
  let at = step;
  while (at > 0 && at < last && visibleFields(w, at).length === 0) at += direction;
  return at;
}

function goStep(w: WizardState, target: number, field = 0): WizardStep {
  const step = landingStep(w, target, target < w.step ? -1 : 1);
  const left = leaveField(w);
  const next = withCursor({ ...left.wizard, step, field, scroll: 0, notice: undefined });
  if (isConfirmStep(next) && next.facts) {
    const draft = formOf(next).build(next.values, next.facts);
    return {
      wizard: { ...next, plan: undefined },
      effects: [...left.effects, { kind: 'wizard-plan', draft }],
    };
  }
  return { wizard: next, effects: left.effects };
}

function setValue(w: WizardState, id: string, value: Value): WizardState {
  return { ...w, values: { ...w.values, [id]: value }, notice: undefined, dirty: true };
}

/** Checks the answers if they changed since the last check. */
export function settleWizard(w: WizardState, ctx: WizardContext): WizardState {
  return w.dirty ? { ...validate(w, ctx), dirty: false } : w;
}

function nextField(w: WizardState): WizardStep {
  const fields = visibleFields(w);
  if (w.field < fields.length - 1) return focus(w, w.field + 1);
  return nextStep(w);
}

function nextStep(w: WizardState): WizardStep {
  const last = formOf(w).steps.length;
  if (w.step >= last) return { wizard: w, effects: [] };
  return goStep(w, w.step + 1);
}

function previousStep(w: WizardState): WizardStep {
  if (w.step === 0) return { wizard: w, effects: [] };
  return goStep(w, w.step - 1);
}

function save(w: WizardState): WizardStep {
  if (w.hashing)
    return {
      wizard: { ...w, notice: 'The password is being hashed; press Enter again' },
      effects: [],
    };
  const bad = firstErrorStep(w);
  if (bad !== undefined) {
    const moved = bad < formOf(w).steps.length ? goStep(w, bad) : { wizard: w, effects: [] };
    return {
      wizard: { ...moved.wizard, notice: 'Fix the errors first (shown in red)' },
      effects: moved.effects,
    };
  }
  const draft = draftOf(w);
  if (!draft) return { wizard: w, effects: [] };
  return {
    wizard: { ...w, phase: 'saving', notice: undefined },
    effects: [{ kind: 'wizard-save', draft }],
  };
}

function changed(w: WizardState): boolean {
  return JSON.stringify(w.values) !== JSON.stringify(w.initial) || w.password !== '';
}

/** What the table binds a key to in the wizard (text fields take printable keys first). */
export function wizardKey(
  current: WizardState,
  key: KeyName,
  command: Command | undefined,
  ctx: WizardContext,
): WizardStep {
  // Typing goes on unchecked; anything else (moving, saving) sees checked answers.
  const typing = typedChar(key) !== undefined || key === 'backspace';
  const w = typing ? current : settleWizard(current, ctx);
  const none: WizardStep = { wizard: w, effects: [] };
  switch (w.phase) {
    case 'loading':
      return key === 'escape' || command === 'wizard-cancel'
        ? { wizard: w, effects: [{ kind: 'wizard-close' }] }
        : none;
    case 'saving':
      return none;
    case 'leaving':
      if (key === 'y' || key === 'Y')
        return { wizard: { ...w, password: '' }, effects: [{ kind: 'wizard-close' }] };
      if (key === 'n' || key === 'N' || key === 'escape' || key === 'enter')
        return { wizard: { ...w, phase: 'editing' }, effects: [] };
      return none;
    case 'saved':
      if (key === 'y' || key === 'Y') {
        const draft = draftOf(w);
        if (!draft || applyRefusal(w)) return none;
        return { wizard: w, effects: [{ kind: 'wizard-apply', draft }] };
      }
      if (key === 'n' || key === 'N' || key === 'escape' || key === 'enter')
        return { wizard: w, effects: [{ kind: 'wizard-close' }] };
      return none;
    case 'editing':
      break;
  }

  if (command === 'wizard-cancel')
    return changed(w)
      ? { wizard: { ...w, phase: 'leaving' }, effects: [] }
      : { wizard: { ...w, password: '' }, effects: [{ kind: 'wizard-close' }] };
  if (command === 'wizard-back') return previousStep(w);
  if (command === 'wizard-forward') return nextStep(w);

  if (isConfirmStep(w)) {
    switch (command) {
      case 'wizard-next':
        return save(w);
      case 'wizard-next-field':
        return { wizard: { ...w, scroll: w.scroll + 1 }, effects: [] };
      case 'wizard-prev-field':
        return { wizard: { ...w, scroll: Math.max(0, w.scroll - 1) }, effects: [] };
      default:
        return none;
    }
  }

  const field = focusedField(w);
  if (!field) return command === 'wizard-next' ? nextStep(w) : none;
  const value = w.values[field.id];
  const ch = typedChar(key);

  // Text entry first: printable keys type, whatever the table binds them to.
  if (field.kind === 'text' || field.kind === 'number' || field.kind === 'password') {
    const current = field.kind === 'password' ? w.password : typeof value === 'string' ? value : '';
    let edited: string | undefined;
    if (ch !== undefined && !(field.kind === 'number' && ch === ' ')) edited = current + ch;
    else if (key === 'backspace') edited = [...current].slice(0, -1).join('');
    else if (command === 'wizard-clear') edited = '';
    if (edited !== undefined) {
      if (field.kind === 'password') return { wizard: { ...w, password: edited }, effects: [] };
      return { wizard: setValue(w, field.id, edited), effects: [] };
    }
  }

  if (field.kind === 'select' || field.kind === 'multi') {
    const options = matchingOptions(w, field);
    const pick = (index: number): WizardStep => {
      const option = options[index];
      if (!option || field.kind === 'multi')
        return { wizard: { ...w, cursor: Math.max(0, index) }, effects: [] };
      return {
        wizard: { ...setValue(w, field.id, option.value), cursor: index },
        effects: [],
      };
    };
    const searchTo = (search: string): WizardStep => {
      const next = { ...w, search };
      const matches = matchingOptions(next, field);
      if (field.kind === 'multi' || matches.length === 0)
        return { wizard: { ...next, cursor: 0 }, effects: [] };
      return {
        wizard: { ...setValue(next, field.id, matches[0]!.value), cursor: 0 },
        effects: [],
      };
    };
    if (field.kind === 'multi' && command === 'wizard-toggle') {
      const option = options[w.cursor];
      if (!option) return none;
      const ticked = Array.isArray(value) ? value : [];
      const next = ticked.includes(option.value)
        ? ticked.filter((v) => v !== option.value)
        : [...ticked, option.value];
      return { wizard: setValue(w, field.id, next), effects: [] };
    }
    if (command === 'wizard-option-next') return pick(Math.min(options.length - 1, w.cursor + 1));
    if (command === 'wizard-option-prev') return pick(Math.max(0, w.cursor - 1));
    if (field.kind === 'select' && command === 'wizard-toggle')
      return pick(options.length === 0 ? 0 : (w.cursor + 1) % options.length);
    if (key === 'backspace') return searchTo([...w.search].slice(0, -1).join(''));
    if (command === 'wizard-clear') return searchTo('');
    if (ch !== undefined && ch !== ' ') return searchTo(w.search + ch);
  }

  if (field.kind === 'toggle') {
    if (
      command === 'wizard-toggle' ||
      command === 'wizard-option-next' ||
      command === 'wizard-option-prev'
    )
      return { wizard: setValue(w, field.id, value !== true), effects: [] };
    if (key === 'y' || key === 'n')
      return { wizard: setValue(w, field.id, key === 'y'), effects: [] };
  }

  switch (command) {
    case 'wizard-next':
      return nextField(w);
    case 'wizard-next-field':
      return w.field < visibleFields(w).length - 1 ? focus(w, w.field + 1) : none;
    case 'wizard-prev-field':
      return w.field > 0 ? focus(w, w.field - 1) : none;
    default:
      return none;
  }
}

/** Moves the Confirm step's scroll within its content. */
export function clampScroll(w: WizardState, lines: number, page: number): WizardState {
  const max = Math.max(0, lines - page);
  return w.scroll > max ? { ...w, scroll: max } : w;
}
