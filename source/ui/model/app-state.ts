// The TUI's state machine, free of React: (state, key) -> (state, effects). The input funnel
// runs every key of a chunk through it in order, so "jj" moves two rows, and tests can drive it
// without rendering anything.
import type {
  ActionCheck,
  ActionVerb,
  DraftProblem,
  FailureAction,
  GuestDraft,
  SetupDraft,
  GuestId,
  LifecycleVerb,
  MachineRow,
  RunGuest,
  RunSummary,
} from '../../engine/types.js';
import { columnIds, sortRows, type ColumnId, type SortOrder } from './columns.js';
import { matchesFilter, parseFilter } from './filter.js';
import { fuzzyFilter } from './fuzzy.js';
import { canDestroy, guestLabel } from './run-guest.js';
import { commandFor, type Command, type KeyName, type Scope } from '../keys/bindings.js';
import { typedChar } from '../keys/decode.js';
import { helpLines } from '../keys/help.js';
import {
  settleWizard,
  startWizard,
  wizardKey,
  type WizardEffect,
  type WizardState,
} from './wizard.js';

export type ViewName =
  'machines' | 'templates' | 'details' | 'pipeline' | 'runs' | 'setup' | 'help' | 'wizard';

/** Something the app must do outside the state: talk to the engine or exit. */
export type Effect =
  | { kind: 'act'; verb: LifecycleVerb; ids: GuestId[]; snapshotName?: string }
  | { kind: 'apply'; ids: GuestId[] }
  | { kind: 'apply-setup'; draft: SetupDraft }
  | { kind: 'refresh' }
  | { kind: 'quit' }
  | { kind: 'resolve'; runId: string; guestId: GuestId; action: FailureAction }
  | { kind: 'abort-run'; runId: string }
  /** The wizard's requests to the engine (facts, hashing, plan, save). */
  | Exclude<WizardEffect, { kind: 'wizard-close' } | { kind: 'wizard-apply' }>;

export type Modal =
  /** y/N question. */
  | { kind: 'confirm'; title: string; lines: string[]; effect: Effect }
  /** The user must type `expected` (a guest ID) to go on. */
  | {
      kind: 'typed';
      title: string;
      lines: string[];
      expected: string;
      text: string;
      effect: Effect;
    }
  | { kind: 'snapshot-name'; ids: GuestId[]; text: string }
  /** Why something cannot be done; any key closes it. */
  | { kind: 'notice'; title: string; lines: string[] }
  | { kind: 'palette'; text: string; index: number };

export interface Message {
  text: string;
  tone: 'info' | 'ok' | 'error';
}

export interface UiState {
  view: ViewName;
  history: ViewName[];
  selectedId?: GuestId;
  /** Where the selection was, for when its row disappears. */
  selectedIndex: number;
  marked: readonly GuestId[];
  filter: string;
  filterEditing: boolean;
  sort: SortOrder;
  modal?: Modal;
  message?: Message;
  detailsId?: GuestId;
  detailsScroll: number;
  runId?: string;
  runIndex: number;
  pipelineGuest: number;
  setupScroll: number;
  helpScroll: number;
  /** The define-a-guest wizard while the 'wizard' view is shown. */
  wizard?: WizardState;
}

export const initialState: UiState = {
  view: 'machines',
  history: [],
  selectedIndex: 0,
  marked: [],
  filter: '',
  filterEditing: false,
  sort: { column: 'id', descending: false },
  detailsScroll: 0,
  runIndex: 0,
  pipelineGuest: 0,
  setupScroll: 0,
  helpScroll: 0,
};

/** What the state machine may read about the world. */
export interface KeyContext {
  readonly: boolean;
  machines: readonly MachineRow[];
  activeRunIds: readonly string[];
  runs: readonly RunSummary[];
  runGuests(runId: string): readonly RunGuest[];
  check(verb: ActionVerb, ids: readonly GuestId[]): ActionCheck[];
  /** Rows a page holds in the current view. */
  pageSize: number;
  /** How far the setup list can scroll. */
  setupLines?: number;
  /** How far the details can scroll (known once drawn). */
  detailsMaxScroll?: number;
  /** The engine's check of a wizard's draft (the rules of `phoenix validate`). */
  checkDraft?: (draft: GuestDraft) => DraftProblem[];
}

// ---- derived data --------------------------------------------------------------------------

export function visibleRows(
  machines: readonly MachineRow[],
  state: Pick<UiState, 'filter' | 'sort' | 'view'>,
): MachineRow[] {
  const query = parseFilter(state.filter);
  const rows = machines.filter(
    (row) => (state.view !== 'templates' || row.template) && matchesFilter(row, query),
  );
  return sortRows(rows, state.sort);
}

/** Index of the selected row: by id while it is there, else where it was. */
export function selectedIndex(rows: readonly MachineRow[], state: UiState): number {
  if (rows.length === 0) return -1;
  const byId =
    state.selectedId === undefined ? -1 : rows.findIndex((r) => r.id === state.selectedId);
  if (byId >= 0) return byId;
  return Math.min(Math.max(state.selectedIndex, 0), rows.length - 1);
}

export function scopeOf(view: ViewName): Scope {
  switch (view) {
    case 'machines':
    case 'templates':
      return 'table';
    default:
      return view;
  }
}

/** Guests an action applies to: the marked ones in view, else the selected one. */
export function targetIds(state: UiState, ctx: KeyContext): GuestId[] {
  if (state.view === 'details' && state.detailsId !== undefined) return [state.detailsId];
  const rows = visibleRows(ctx.machines, state);
  const marked = rows.filter((r) => state.marked.includes(r.id)).map((r) => r.id);
  if (marked.length > 0) return marked;
  const index = selectedIndex(rows, state);
  return index >= 0 ? [rows[index]!.id] : [];
}

// ---- palette ---------------------------------------------------------------------------------

export interface PaletteItem {
  label: string;
  command?: Command;
  view?: ViewName;
  sort?: ColumnId;
  filter?: string;
  mutating?: boolean;
}

export function paletteItems(readonly: boolean): PaletteItem[] {
  const items: PaletteItem[] = [
    { label: 'machines', view: 'machines' },
    { label: 'templates', view: 'templates' },
    { label: 'runs', view: 'runs' },
    { label: 'setup (host)', view: 'setup' },
    { label: 'help', view: 'help' },
    { label: 'refresh', command: 'refresh' },
    { label: 'quit', command: 'quit' },
    { label: 'start', command: 'start', mutating: true },
    { label: 'shutdown', command: 'shutdown', mutating: true },
    { label: 'stop (force)', command: 'stop', mutating: true },
    { label: 'reboot', command: 'reboot', mutating: true },
    { label: 'delete', command: 'delete', mutating: true },
    { label: 'apply / provision', command: 'apply', mutating: true },
    { label: 'snapshot', command: 'snapshot', mutating: true },
    { label: 'new VM (wizard)', command: 'new-vm', mutating: true },
    { label: 'new container (wizard)', command: 'new-ct', mutating: true },
    { label: 'host setup (wizard)', command: 'setup-wizard', mutating: true },
    { label: 'show drifted', filter: 'state:drifted' },
    { label: 'show missing', filter: 'state:missing' },
    { label: 'show running', filter: 'state:running' },
    { label: 'show all', filter: '' },
    ...columnIds.map((id) => ({ label: `sort by ${id}`, sort: id })),
  ];
  return readonly ? items.filter((i) => !i.mutating) : items;
}

export function paletteMatches(text: string, readonly: boolean): PaletteItem[] {
  return fuzzyFilter(text, paletteItems(readonly), (i) => i.label);
}

// ---- the machine ---------------------------------------------------------------------------

export interface Step {
  state: UiState;
  effects: Effect[];
}

const verbWords: Record<LifecycleVerb | 'apply', [string, string]> = {
  start: ['start', 'Starting'],
  shutdown: ['shut down', 'Shutting down'],
  stop: ['force-stop', 'Stopping'],
  reboot: ['reboot', 'Rebooting'],
  delete: ['delete', 'Deleting'],
  snapshot: ['snapshot', 'Taking a snapshot of'],
  apply: ['apply', 'Applying'],
};

function describe(ids: readonly GuestId[], ctx: KeyContext): string {
  const names = ids.map((id) => {
    const row = ctx.machines.find((m) => m.id === id);
    return row ? `${id} ${row.name}` : String(id);
  });
  return names.length <= 3
    ? names.join(', ')
    : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

function go(state: UiState, view: ViewName): UiState {
  if (state.view === view) return state;
  return { ...state, view, history: [...state.history, state.view].slice(-20), modal: undefined };
}

function back(state: UiState): UiState {
  const history = [...state.history];
  const view = history.pop() ?? 'machines';
  return { ...state, view, history };
}

function moveTo(state: UiState, rows: readonly MachineRow[], index: number): UiState {
  if (rows.length === 0) return state;
  const i = Math.max(0, Math.min(rows.length - 1, index));
  return { ...state, selectedId: rows[i]!.id, selectedIndex: i };
}

/** Starts a verb on the target guests: refusals first, then the confirmation the verb needs. */
function startVerb(state: UiState, verb: LifecycleVerb | 'apply', ctx: KeyContext): Step {
  const ids = targetIds(state, ctx);
  if (ids.length === 0)
    return {
      state: { ...state, message: { text: 'No guest selected', tone: 'info' } },
      effects: [],
    };
  const refused = ctx.check(verb, ids).filter((c) => !c.allowed);
  if (refused.length > 0) {
    const [word] = verbWords[verb];
    return {
      state: {
        ...state,
        modal: {
          kind: 'notice',
          title: `Cannot ${word} ${refused.length === ids.length ? describe(ids, ctx) : 'every marked guest'}`,
          lines: refused.map((c) => c.reason ?? `${c.id}: refused`),
        },
      },
      effects: [],
    };
  }
  const who = describe(ids, ctx);
  switch (verb) {
    case 'stop':
      return {
        state: {
          ...state,
          modal: {
            kind: 'confirm',
            title: `Force-stop ${who}?`,
            lines: [
              'Like pulling the power plug: unsaved data in the guest is lost.',
              'Use shutdown (d) for a clean stop.',
            ],
            effect: { kind: 'act', verb, ids },
          },
        },
        effects: [],
      };
    case 'delete': {
      const expected = ids.join(',');
      return {
        state: {
          ...state,
          modal: {
            kind: 'typed',
            title: `Delete ${who}?`,
            lines: [
              'Disks and config are destroyed; this cannot be undone.',
              `Type ${expected} and press Enter to delete.`,
            ],
            expected,
            text: '',
            effect: { kind: 'act', verb, ids },
          },
        },
        effects: [],
      };
    }
    case 'snapshot':
      return { state: { ...state, modal: { kind: 'snapshot-name', ids, text: '' } }, effects: [] };
    case 'apply':
      return { state: { ...state, marked: [] }, effects: [{ kind: 'apply', ids }] };
    default:
      return {
        state: { ...state, message: { text: `${verbWords[verb][1]} ${who}…`, tone: 'info' } },
        effects: [{ kind: 'act', verb, ids }],
      };
  }
}

function failedGuest(state: UiState, ctx: KeyContext): RunGuest | undefined {
  if (!state.runId) return undefined;
  const guests = ctx.runGuests(state.runId);
  const selected = guests[state.pipelineGuest];
  return selected?.failure ? selected : guests.find((g) => g.failure);
}

/** Runs one command (from a key or the palette). */
export function runCommand(state: UiState, command: Command, ctx: KeyContext): Step {
  const none = (s: UiState): Step => ({ state: s, effects: [] });
  const rows =
    state.view === 'machines' || state.view === 'templates' ? visibleRows(ctx.machines, state) : [];
  const index = selectedIndex(rows, state);
  const page = Math.max(1, ctx.pageSize);

  const list = (delta: number | 'top' | 'bottom'): Step => {
    switch (state.view) {
      case 'machines':
      case 'templates':
        if (delta === 'top') return none(moveTo(state, rows, 0));
        if (delta === 'bottom') return none(moveTo(state, rows, rows.length - 1));
        return none(moveTo(state, rows, index + delta));
      case 'runs': {
        const last = Math.max(0, ctx.runs.length - 1);
        const next = delta === 'top' ? 0 : delta === 'bottom' ? last : state.runIndex + delta;
        return none({ ...state, runIndex: Math.max(0, Math.min(last, next)) });
      }
      case 'pipeline': {
        const last = Math.max(0, (state.runId ? ctx.runGuests(state.runId).length : 1) - 1);
        const next = delta === 'top' ? 0 : delta === 'bottom' ? last : state.pipelineGuest + delta;
        return none({ ...state, pipelineGuest: Math.max(0, Math.min(last, next)) });
      }
      case 'details': {
        const next =
          delta === 'top' ? 0 : delta === 'bottom' ? 10_000 : state.detailsScroll + delta;
        const last = ctx.detailsMaxScroll ?? 10_000;
        return none({ ...state, detailsScroll: Math.max(0, Math.min(last, next)) });
      }
      case 'setup': {
        const next = delta === 'top' ? 0 : delta === 'bottom' ? 10_000 : state.setupScroll + delta;
        return none({ ...state, setupScroll: Math.max(0, Math.min(ctx.setupLines ?? 0, next)) });
      }
      case 'help': {
        const last = Math.max(0, helpLines(ctx.readonly, false).length - ctx.pageSize - 1);
        const next = delta === 'top' ? 0 : delta === 'bottom' ? last : state.helpScroll + delta;
        return none({ ...state, helpScroll: Math.max(0, Math.min(last, next)) });
      }
      case 'wizard':
        return none(state);
    }
  };

  switch (command) {
    case 'move-down':
      return list(1);
    case 'move-up':
      return list(-1);
    case 'move-top':
      return list('top');
    case 'move-bottom':
      return list('bottom');
    case 'page-down':
      return list(page);
    case 'page-up':
      return list(-page);
    case 'filter':
      return none({ ...state, filterEditing: true });
    case 'clear':
      return none({ ...state, filter: '', marked: [], message: undefined });
    case 'back':
      return none(back(state));
    case 'sort-next': {
      const at = columnIds.indexOf(state.sort.column);
      return none({
        ...state,
        sort: { column: columnIds[(at + 1) % columnIds.length]!, descending: false },
      });
    }
    case 'sort-reverse':
      return none({ ...state, sort: { ...state.sort, descending: !state.sort.descending } });
    case 'mark': {
      const row = rows[index];
      if (!row) return none(state);
      const marked = state.marked.includes(row.id)
        ? state.marked.filter((id) => id !== row.id)
        : [...state.marked, row.id];
      // Marking moves on, so Space Space Space marks three rows.
      return none(moveTo({ ...state, marked }, rows, index + 1));
    }
    case 'unmark-all':
      return none({ ...state, marked: [] });
    case 'details': {
      const row = rows[index];
      if (!row) return none(state);
      return none({ ...go(state, 'details'), detailsId: row.id, detailsScroll: 0 });
    }
    case 'open-run': {
      const run = ctx.runs[state.runIndex];
      if (!run) return none(state);
      return none({ ...go(state, 'pipeline'), runId: run.id, pipelineGuest: 0 });
    }
    case 'start':
    case 'shutdown':
    case 'stop':
    case 'reboot':
    case 'delete':
    case 'snapshot':
    case 'apply':
      if (ctx.readonly) return none(state);
      if (state.view !== 'machines' && state.view !== 'templates' && state.view !== 'details')
        return none(state);
      return startVerb(state, command, ctx);
    case 'retry':
    case 'resume-later':
    case 'keep':
    case 'destroy': {
      if (ctx.readonly || !state.runId) return none(state);
      const guest = failedGuest(state, ctx);
      if (!guest)
        return none({
          ...state,
          message: { text: 'Nothing has failed in this run', tone: 'info' },
        });
      const effect: Effect = {
        kind: 'resolve',
        runId: state.runId,
        guestId: guest.id,
        action: command,
      };
      if (command === 'destroy' && !canDestroy(guest))
        return none({
          ...state,
          message: {
            text: 'Setup creates no guest to destroy; phoenix setup --undo STEP reverts a step',
            tone: 'info',
          },
        });
      if (command === 'destroy')
        return none({
          ...state,
          modal: {
            kind: 'confirm',
            title: `Destroy what ${state.runId} created for ${guestLabel(guest)}?`,
            lines: ['The guest is removed; its config stays, so a later apply creates it again.'],
            effect,
          },
        });
      return { state, effects: [effect] };
    }
    case 'abort-run':
      if (ctx.readonly || !state.runId || !ctx.activeRunIds.includes(state.runId))
        return none(state);
      return none({
        ...state,
        modal: {
          kind: 'confirm',
          title: `Interrupt ${state.runId}?`,
          lines: ['Running steps are stopped; what was created stays (resume with apply).'],
          effect: { kind: 'abort-run', runId: state.runId },
        },
      });
    case 'next-view': {
      const order: ViewName[] = ['machines', 'templates', 'runs', 'setup'];
      const at = order.indexOf(state.view);
      const view = order[(at + 1) % order.length]!;
      return none({ ...state, view, history: [], modal: undefined });
    }
    case 'palette':
      return none({ ...state, modal: { kind: 'palette', text: '', index: 0 } });
    case 'wizard-next':
    case 'wizard-next-field':
    case 'wizard-prev-field':
    case 'wizard-back':
    case 'wizard-forward':
    case 'wizard-option-next':
    case 'wizard-option-prev':
    case 'wizard-toggle':
    case 'wizard-clear':
    case 'wizard-cancel':
      // Only the wizard view answers to these (wizardViewKey).
      return none(state);
    case 'new-vm':
    case 'new-ct':
    case 'setup-wizard': {
      if (ctx.readonly || state.view === 'wizard') return none(state);
      const started = startWizard(
        command === 'new-vm' ? 'qemu' : command === 'new-ct' ? 'lxc' : 'setup',
      );
      return {
        state: { ...go(state, 'wizard'), wizard: started.wizard, message: undefined },
        effects: [{ kind: 'wizard-facts' }],
      };
    }
    case 'refresh':
      return {
        state: { ...state, message: { text: 'Refreshing…', tone: 'info' } },
        effects: [{ kind: 'refresh' }],
      };
    case 'help':
      return none(state.view === 'help' ? back(state) : { ...go(state, 'help'), helpScroll: 0 });
    case 'quit':
      if (ctx.activeRunIds.length > 0)
        return none({
          ...state,
          modal: {
            kind: 'confirm',
            title: `A run is active (${ctx.activeRunIds.join(', ')}). Quit anyway?`,
            lines: ['Quitting interrupts it; a later apply resumes where it stopped.'],
            effect: { kind: 'quit' },
          },
        });
      return { state, effects: [{ kind: 'quit' }] };
  }
}

function runPaletteItem(state: UiState, item: PaletteItem, ctx: KeyContext): Step {
  const closed: UiState = { ...state, modal: undefined };
  if (item.view === 'help') return runCommand(closed, 'help', ctx);
  if (item.view) return { state: { ...closed, view: item.view, history: [] }, effects: [] };
  if (item.sort)
    return { state: { ...closed, sort: { column: item.sort, descending: false } }, effects: [] };
  if (item.filter !== undefined) {
    const view =
      closed.view === 'machines' || closed.view === 'templates' ? closed.view : 'machines';
    return { state: { ...closed, view, filter: item.filter }, effects: [] };
  }
  if (item.command) return runCommand(closed, item.command, ctx);
  return { state: closed, effects: [] };
}

/** Edits a one-line text field; returns the new text or 'submit'/'cancel'. */
function editLine(text: string, key: KeyName): string | 'submit' | 'cancel' {
  if (key === 'enter') return 'submit';
  if (key === 'escape') return 'cancel';
  if (key === 'backspace') return [...text].slice(0, -1).join('');
  if (key === 'ctrl+u') return '';
  const ch = typedChar(key);
  return ch === undefined ? text : text + ch;
}

function modalKey(state: UiState, modal: Modal, key: KeyName, ctx: KeyContext): Step {
  const close = (extra: Partial<UiState> = {}): UiState => ({
    ...state,
    modal: undefined,
    ...extra,
  });
  // Ctrl+C always leads out: it closes a dialog and quits (asking only when a run is active).
  if (key === 'ctrl+c' && !(modal.kind === 'confirm' && modal.effect.kind === 'quit'))
    return runCommand(close(), 'quit', ctx);
  switch (modal.kind) {
    case 'notice':
      return { state: close(), effects: [] };
    case 'confirm':
      if (key === 'y' || key === 'Y' || (key === 'ctrl+c' && modal.effect.kind === 'quit'))
        return { state: close(), effects: [modal.effect] };
      if (key === 'n' || key === 'N' || key === 'escape' || key === 'enter' || key === 'q')
        return { state: close({ message: { text: 'Cancelled', tone: 'info' } }), effects: [] };
      return { state, effects: [] };
    case 'typed': {
      const edit = editLine(modal.text, key);
      if (edit === 'cancel')
        return { state: close({ message: { text: 'Cancelled', tone: 'info' } }), effects: [] };
      if (edit === 'submit') {
        if (modal.text.replace(/\s+/g, '') === modal.expected) {
          // A deleted guest has no details left to show.
          const closed = close({ marked: [] });
          return {
            state: closed.view === 'details' ? back(closed) : closed,
            effects: [modal.effect],
          };
        }
        return { state: { ...state, modal: { ...modal, text: '' } }, effects: [] };
      }
      return { state: { ...state, modal: { ...modal, text: edit } }, effects: [] };
    }
    case 'snapshot-name': {
      const edit = editLine(modal.text, key);
      if (edit === 'cancel')
        return { state: close({ message: { text: 'Cancelled', tone: 'info' } }), effects: [] };
      if (edit === 'submit') {
        if (!modal.text.trim()) return { state, effects: [] };
        return {
          state: close({
            message: { text: `Taking snapshot ${modal.text.trim()}…`, tone: 'info' },
          }),
          effects: [
            { kind: 'act', verb: 'snapshot', ids: modal.ids, snapshotName: modal.text.trim() },
          ],
        };
      }
      return { state: { ...state, modal: { ...modal, text: edit } }, effects: [] };
    }
    case 'palette': {
      const matches = paletteMatches(modal.text, ctx.readonly);
      if (key === 'down' || key === 'ctrl+n' || key === 'tab')
        return {
          state: {
            ...state,
            modal: { ...modal, index: Math.min(matches.length - 1, modal.index + 1) },
          },
          effects: [],
        };
      if (key === 'up' || key === 'ctrl+p' || key === 'shift+tab')
        return {
          state: { ...state, modal: { ...modal, index: Math.max(0, modal.index - 1) } },
          effects: [],
        };
      const edit = editLine(modal.text, key);
      if (edit === 'cancel') return { state: close(), effects: [] };
      if (edit === 'submit') {
        const item = matches[modal.index];
        return item ? runPaletteItem(state, item, ctx) : { state: close(), effects: [] };
      }
      return { state: { ...state, modal: { ...modal, text: edit, index: 0 } }, effects: [] };
    }
  }
}

/** The wizard's context: the engine's draft check and the page size. */
export function wizardContext(ctx: KeyContext) {
  return { checkDraft: ctx.checkDraft ?? (() => []), pageSize: ctx.pageSize };
}

/** A key in the wizard view: only the wizard's bindings apply (text fields type the rest). */
function wizardViewKey(state: UiState, wizard: WizardState, key: KeyName, ctx: KeyContext): Step {
  if (key === 'ctrl+c') return runCommand(state, 'quit', ctx);
  const bound = commandFor(key, 'wizard', ctx.readonly);
  const command = bound?.startsWith('wizard-') ? bound : undefined;
  const step = wizardKey(wizard, key, command, wizardContext(ctx));
  let next: UiState = { ...state, wizard: step.wizard };
  const effects: Effect[] = [];
  for (const effect of step.effects) {
    if (effect.kind === 'wizard-close') {
      const saved = wizard.phase === 'saved' ? step.wizard.saved : undefined;
      const text =
        saved?.id === undefined
          ? 'Saved the setup answers; a in the setup view (or phoenix setup --yes) applies them'
          : `Saved ${saved.id} to the config; a applies it`;
      next = {
        ...back(next),
        wizard: undefined,
        ...(saved ? { message: { text, tone: 'ok' as const } } : {}),
      };
    } else if (effect.kind === 'wizard-apply') {
      next = { ...back(next), wizard: undefined };
      effects.push(
        effect.draft.kind === 'setup'
          ? { kind: 'apply-setup', draft: effect.draft }
          : { kind: 'apply', ids: [draftGuestId(effect.draft)] },
      );
    } else effects.push(effect);
  }
  return { state: next, effects };
}

/** One key through the whole machine. */
export function handleKey(state: UiState, key: KeyName, ctx: KeyContext): Step {
  if (state.modal) return modalKey(state, state.modal, key, ctx);
  if (state.view === 'wizard' && state.wizard) return wizardViewKey(state, state.wizard, key, ctx);
  if (state.filterEditing) {
    if (key === 'ctrl+c') return runCommand({ ...state, filterEditing: false }, 'quit', ctx);
    const edit = editLine(state.filter, key);
    if (edit === 'cancel')
      return { state: { ...state, filter: '', filterEditing: false }, effects: [] };
    if (edit === 'submit') return { state: { ...state, filterEditing: false }, effects: [] };
    if (key === 'down' || key === 'up')
      return runCommand(state, key === 'down' ? 'move-down' : 'move-up', ctx);
    return { state: { ...state, filter: edit }, effects: [] };
  }
  const command = commandFor(key, scopeOf(state.view), ctx.readonly);
  const cleared = state.message ? { ...state, message: undefined } : state;
  if (!command) return { state: cleared, effects: [] };
  return runCommand(cleared, command, ctx);
}

/** Every key of a chunk, in order. */
export function handleKeys(state: UiState, keys: readonly KeyName[], ctx: KeyContext): Step {
  let current = state;
  const effects: Effect[] = [];
  for (const key of keys) {
    const step = handleKey(current, key, ctx);
    current = step.state;
    effects.push(...step.effects);
  }
  // The wizard checks typed answers once per chunk (a pasted address is one check, not 15).
  if (current.wizard?.dirty)
    current = { ...current, wizard: settleWizard(current.wizard, wizardContext(ctx)) };
  return { state: current, effects };
}

/** Shows a run in the pipeline view (after an apply started it). */
export function openRun(state: UiState, runId: string): UiState {
  return { ...go(state, 'pipeline'), runId, pipelineGuest: 0 };
}

/** The ID of the guest a draft defines. */
function draftGuestId(draft: GuestDraft): GuestId {
  return draft.kind === 'qemu' ? draft.entry.vm_id : draft.ctid;
}
