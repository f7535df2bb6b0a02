// THE key-binding table. Every key the TUI answers to is a row here: the input funnel looks keys
// up in it, the footer and the `?` help are generated from it, and --readonly drops the rows
// marked `mutating`.

/** A key as the funnel names it: one character ('j', 'G', '/') or a special key. */
export type KeyName =
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'pageup'
  | 'pagedown'
  | 'home'
  | 'end'
  | 'enter'
  | 'escape'
  | 'space'
  | 'tab'
  | 'shift+tab'
  | 'backspace'
  | `ctrl+${string}`
  | (string & {});

/** Where a binding applies; 'global' bindings apply everywhere below the view's own. */
export type Scope =
  'table' | 'details' | 'pipeline' | 'runs' | 'setup' | 'help' | 'wizard' | 'global';

export type Command =
  | 'move-down'
  | 'move-up'
  | 'move-top'
  | 'move-bottom'
  | 'page-down'
  | 'page-up'
  | 'filter'
  | 'clear'
  | 'back'
  | 'sort-next'
  | 'sort-reverse'
  | 'mark'
  | 'unmark-all'
  | 'details'
  | 'open-run'
  | 'start'
  | 'shutdown'
  | 'stop'
  | 'reboot'
  | 'delete'
  | 'apply'
  | 'snapshot'
  | 'retry'
  | 'resume-later'
  | 'keep'
  | 'destroy'
  | 'abort-run'
  | 'next-view'
  | 'palette'
  | 'refresh'
  | 'help'
  | 'quit'
  | 'new-vm'
  | 'new-ct'
  | 'setup-wizard'
  | 'wizard-next'
  | 'wizard-next-field'
  | 'wizard-prev-field'
  | 'wizard-back'
  | 'wizard-forward'
  | 'wizard-option-next'
  | 'wizard-option-prev'
  | 'wizard-toggle'
  | 'wizard-clear'
  | 'wizard-cancel';

export type Group = 'Move' | 'Find' | 'Act' | 'Pipeline' | 'Wizard' | 'Views' | 'App';

export interface Binding {
  command: Command;
  keys: readonly KeyName[];
  scopes: readonly Scope[];
  group: Group;
  /** One line for the help screen. */
  help: string;
  /** Short label for the footer; absent = not in the footer. */
  footer?: string;
  /** Which footer entries stay when the line is too narrow: lower stays longer. */
  rank?: number;
  /** Changes something on the host: hidden and inert with --readonly. */
  mutating?: boolean;
}

export const bindings: readonly Binding[] = [
  {
    command: 'move-down',
    rank: 1,
    keys: ['j', 'down'],
    scopes: ['table', 'runs', 'pipeline', 'details', 'help', 'setup'],
    group: 'Move',
    help: 'next row',
    footer: 'move',
  },
  {
    command: 'move-up',
    keys: ['k', 'up'],
    scopes: ['table', 'runs', 'pipeline', 'details', 'help', 'setup'],
    group: 'Move',
    help: 'previous row',
  },
  {
    command: 'move-top',
    keys: ['g', 'home'],
    scopes: ['table', 'runs', 'details', 'help', 'setup'],
    group: 'Move',
    help: 'first row',
  },
  {
    command: 'move-bottom',
    keys: ['G', 'end'],
    scopes: ['table', 'runs', 'details', 'help', 'setup'],
    group: 'Move',
    help: 'last row',
  },
  {
    command: 'page-down',
    keys: ['pagedown', 'ctrl+d'],
    scopes: ['table', 'runs', 'details', 'help', 'setup'],
    group: 'Move',
    help: 'one page down',
  },
  {
    command: 'page-up',
    keys: ['pageup', 'ctrl+u'],
    scopes: ['table', 'runs', 'details', 'help', 'setup'],
    group: 'Move',
    help: 'one page up',
  },
  {
    command: 'filter',
    rank: 2,
    keys: ['/'],
    scopes: ['table'],
    group: 'Find',
    help: 'filter: words, type: state: tag: node:',
    footer: 'filter',
  },
  {
    command: 'clear',
    keys: ['escape'],
    scopes: ['table'],
    group: 'Find',
    help: 'clear the filter and the marks',
  },
  {
    command: 'sort-next',
    rank: 10,
    keys: ['o'],
    scopes: ['table'],
    group: 'Find',
    help: 'sort by the next column',
    footer: 'sort',
  },
  {
    command: 'sort-reverse',
    keys: ['O'],
    scopes: ['table'],
    group: 'Find',
    help: 'reverse the sort order',
  },
  {
    command: 'mark',
    rank: 9,
    keys: ['space'],
    scopes: ['table'],
    group: 'Find',
    help: 'mark / unmark the row for bulk actions',
    footer: 'mark',
  },
  {
    command: 'unmark-all',
    keys: ['u'],
    scopes: ['table'],
    group: 'Find',
    help: 'unmark every row',
  },
  {
    command: 'details',
    rank: 3,
    keys: ['enter'],
    scopes: ['table'],
    group: 'Views',
    help: 'details: config vs live, snapshots, runs, plan',
    footer: 'details',
  },
  {
    command: 'open-run',
    rank: 2,
    keys: ['enter'],
    scopes: ['runs'],
    group: 'Views',
    help: 'open the run',
    footer: 'open',
  },
  {
    command: 'start',
    rank: 5,
    keys: ['s'],
    scopes: ['table', 'details'],
    group: 'Act',
    help: 'start',
    footer: 'start',
    mutating: true,
  },
  {
    command: 'shutdown',
    rank: 6,
    keys: ['d'],
    scopes: ['table', 'details'],
    group: 'Act',
    help: 'shut down (graceful)',
    footer: 'shutdown',
    mutating: true,
  },
  {
    command: 'stop',
    rank: 7,
    keys: ['x'],
    scopes: ['table', 'details'],
    group: 'Act',
    help: 'stop (force, asks first)',
    footer: 'stop',
    mutating: true,
  },
  {
    command: 'reboot',
    keys: ['b'],
    scopes: ['table', 'details'],
    group: 'Act',
    help: 'reboot',
    mutating: true,
  },
  {
    command: 'delete',
    rank: 8,
    keys: ['D'],
    scopes: ['table', 'details'],
    group: 'Act',
    help: 'delete (type the ID to confirm)',
    footer: 'delete',
    mutating: true,
  },
  {
    command: 'apply',
    rank: 4,
    keys: ['a'],
    scopes: ['table', 'details'],
    group: 'Act',
    help: 'apply / provision from the config',
    footer: 'apply',
    mutating: true,
  },
  {
    command: 'snapshot',
    keys: ['n'],
    scopes: ['table', 'details'],
    group: 'Act',
    help: 'take a snapshot (asks a name)',
    mutating: true,
  },
  {
    command: 'retry',
    rank: 2,
    keys: ['1'],
    scopes: ['pipeline'],
    group: 'Pipeline',
    help: 'failed step: retry it',
    footer: 'retry',
    mutating: true,
  },
  {
    command: 'resume-later',
    rank: 2,
    keys: ['2'],
    scopes: ['pipeline'],
    group: 'Pipeline',
    help: 'failed step: stop, resume at the next apply',
    footer: 'later',
    mutating: true,
  },
  {
    command: 'keep',
    rank: 2,
    keys: ['3'],
    scopes: ['pipeline'],
    group: 'Pipeline',
    help: 'failed step: stop, keep the guest to debug',
    footer: 'keep',
    mutating: true,
  },
  {
    command: 'destroy',
    rank: 2,
    keys: ['4'],
    scopes: ['pipeline'],
    group: 'Pipeline',
    help: 'failed step: destroy what this run created',
    footer: 'destroy',
    mutating: true,
  },
  {
    command: 'abort-run',
    keys: ['X'],
    scopes: ['pipeline'],
    group: 'Pipeline',
    help: 'interrupt the run (asks first)',
    mutating: true,
  },
  {
    command: 'new-vm',
    keys: ['c'],
    scopes: ['table'],
    group: 'Act',
    help: 'define a new VM (wizard; writes the config)',
    footer: 'new VM',
    rank: 13,
    mutating: true,
  },
  {
    command: 'new-ct',
    keys: ['C'],
    scopes: ['table'],
    group: 'Act',
    help: 'define a new container (wizard; writes the config)',
    mutating: true,
  },
  {
    command: 'setup-wizard',
    rank: 2,
    keys: ['a'],
    scopes: ['setup'],
    group: 'Act',
    help: 'set up the host: choose steps, answer, confirm the plan, apply',
    footer: 'set up',
    mutating: true,
  },
  {
    command: 'wizard-next',
    rank: 1,
    keys: ['enter'],
    scopes: ['wizard'],
    group: 'Wizard',
    help: 'next field, then next step; on Confirm: save',
    footer: 'next',
  },
  {
    command: 'wizard-next-field',
    rank: 3,
    keys: ['tab', 'down'],
    scopes: ['wizard'],
    group: 'Wizard',
    help: 'next field (Confirm: scroll down)',
    footer: 'field',
  },
  {
    command: 'wizard-prev-field',
    keys: ['shift+tab', 'up'],
    scopes: ['wizard'],
    group: 'Wizard',
    help: 'previous field (Confirm: scroll up)',
  },
  {
    command: 'wizard-back',
    rank: 2,
    keys: ['pageup', 'ctrl+b'],
    scopes: ['wizard'],
    group: 'Wizard',
    help: 'back to the previous step (answers are kept)',
    footer: 'back',
  },
  {
    command: 'wizard-forward',
    rank: 4,
    keys: ['pagedown', 'ctrl+f'],
    scopes: ['wizard'],
    group: 'Wizard',
    help: 'on to the next step',
    footer: 'step',
  },
  {
    command: 'wizard-option-next',
    rank: 5,
    keys: ['right'],
    scopes: ['wizard'],
    group: 'Wizard',
    help: 'choice: next option (type to search a long list)',
    footer: 'choose',
  },
  {
    command: 'wizard-option-prev',
    keys: ['left'],
    scopes: ['wizard'],
    group: 'Wizard',
    help: 'choice: previous option',
  },
  {
    command: 'wizard-toggle',
    rank: 6,
    keys: ['space'],
    scopes: ['wizard'],
    group: 'Wizard',
    help: 'tick / untick (multi-select), yes / no, next option',
    footer: 'tick',
  },
  {
    command: 'wizard-clear',
    keys: ['ctrl+u'],
    scopes: ['wizard'],
    group: 'Wizard',
    help: 'clear the field (or the search)',
  },
  {
    command: 'wizard-cancel',
    rank: 0,
    keys: ['escape'],
    scopes: ['wizard'],
    group: 'Wizard',
    help: 'leave the wizard, writing nothing (asks first)',
    footer: 'cancel',
  },
  {
    command: 'back',
    rank: 1,
    keys: ['escape'],
    scopes: ['details', 'pipeline', 'runs', 'help', 'setup'],
    group: 'Views',
    help: 'back',
    footer: 'back',
  },
  {
    command: 'next-view',
    rank: 12,
    keys: ['tab'],
    scopes: ['global'],
    group: 'Views',
    help: 'next view: machines, templates, runs, setup',
    footer: 'view',
  },
  {
    command: 'palette',
    rank: 11,
    keys: [':'],
    scopes: ['global'],
    group: 'Views',
    help: 'command palette: views and verbs',
    footer: 'palette',
  },
  {
    command: 'refresh',
    keys: ['r'],
    scopes: ['table', 'details', 'runs', 'setup'],
    group: 'App',
    help: 'refresh now',
  },
  {
    command: 'help',
    rank: 0,
    keys: ['?'],
    scopes: ['global'],
    group: 'App',
    help: 'this help',
    footer: 'help',
  },
  {
    command: 'quit',
    rank: 0,
    keys: ['q', 'ctrl+c'],
    scopes: ['global'],
    group: 'App',
    help: 'quit (asks when a run is active)',
    footer: 'quit',
  },
];

/** Bindings that exist in this mode. */
export function activeBindings(readonly: boolean): readonly Binding[] {
  return readonly ? bindings.filter((b) => !b.mutating) : bindings;
}

/** The command a key means in a scope: the scope's own binding first, then a global one. */
export function commandFor(key: KeyName, scope: Scope, readonly: boolean): Command | undefined {
  const list = activeBindings(readonly);
  const own = list.find((b) => b.scopes.includes(scope) && b.keys.includes(key));
  if (own) return own.command;
  return list.find((b) => b.scopes.includes('global') && b.keys.includes(key))?.command;
}

export function bindingFor(command: Command): Binding | undefined {
  return bindings.find((b) => b.command === command);
}

/** How a key is written on screen. */
export function keyLabel(key: KeyName, ascii: boolean): string {
  switch (key) {
    case 'up':
      return ascii ? 'Up' : '↑';
    case 'down':
      return ascii ? 'Down' : '↓';
    case 'pageup':
      return 'PgUp';
    case 'pagedown':
      return 'PgDn';
    case 'home':
      return 'Home';
    case 'end':
      return 'End';
    case 'enter':
      return 'Enter';
    case 'escape':
      return 'Esc';
    case 'space':
      return 'Space';
    case 'tab':
      return 'Tab';
    case 'shift+tab':
      return 'Shift+Tab';
    case 'left':
      return ascii ? 'Left' : '←';
    case 'right':
      return ascii ? 'Right' : '→';
    default:
      return key.startsWith('ctrl+') ? `Ctrl+${key.slice(5).toUpperCase()}` : key;
  }
}

export interface FooterEntry {
  command?: Command;
  key: string;
  label: string;
  /** Lower stays longer when the line is narrow. */
  rank?: number;
}

/** Footer entries for a scope: "j move", "/ filter", … in table order. */
export function footerEntries(scope: Scope, readonly: boolean): FooterEntry[] {
  const seen = new Set<string>();
  const entries: FooterEntry[] = [];
  for (const b of activeBindings(readonly)) {
    if (!b.footer || !(b.scopes.includes(scope) || b.scopes.includes('global'))) continue;
    // A scope's own binding hides a global one on the same key.
    if (b.scopes.includes('global') && commandFor(b.keys[0]!, scope, readonly) !== b.command)
      continue;
    if (seen.has(b.command)) continue;
    seen.add(b.command);
    entries.push({
      command: b.command,
      key: b.command === 'move-down' ? 'j/k' : keyLabel(b.keys[0]!, true),
      label: b.footer,
      rank: b.rank ?? 50,
    });
  }
  return entries;
}
