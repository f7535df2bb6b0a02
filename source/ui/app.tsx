// The TUI's root: owns the UI state, the ONE input funnel, and runs the effects the state machine
// asks for against the engine façade. Components below it only draw.
import { Box, useApp as useInkApp, useInput } from 'ink';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Engine, EngineSnapshot, RunSummary } from '../engine/types.js';
import { AppProvider, useApp } from './contexts/app-context.js';
import { TickerProvider, createTicker, type Ticker } from './contexts/ticker-context.js';
import { useEngineSnapshot } from './hooks/use-engine-snapshot.js';
import { useRun } from './hooks/use-run.js';
import { useTerminalSize, type TerminalSize } from './hooks/use-terminal-size.js';
import { decodeKeys } from './keys/decode.js';
import { footerEntries } from './keys/bindings.js';
import {
  handleKeys,
  initialState,
  openRun,
  scopeOf,
  selectedIndex,
  visibleRows,
  type Effect,
  type KeyContext,
  type UiState,
  wizardContext,
} from './model/app-state.js';
import { wizardFacts, wizardHashed, wizardPlanned, wizardSaved } from './model/wizard.js';
import { WizardView } from './views/wizard-view.js';
import { makeTheme, type Theme } from './theme.js';
import { Header } from './components/header.js';
import { Footer } from './components/footer.js';
import { Dialog } from './components/dialog.js';
import { MachineTable } from './components/machine-table.js';
import { DetailsView } from './views/details-view.js';
import { PipelineView } from './views/pipeline-view.js';
import { RunsView } from './views/runs-view.js';
import { HelpView } from './views/help-view.js';
import { SetupView } from './views/setup-view.js';
import { useSetup } from './hooks/use-setup.js';
import { helpLines } from './keys/help.js';
import { canDestroy, guestLabel } from './model/run-guest.js';

export interface AppProps {
  engine: Engine;
  readonly?: boolean;
  theme?: Theme;
  /** Fixed size (tests); otherwise the terminal's, re-read on resize. */
  size?: TerminalSize;
  /** Auto-refresh period while the table is shown; 0 turns it off. */
  refreshIntervalMs?: number;
  now?: () => number;
  ticker?: Ticker;
  initial?: Partial<UiState>;
}

/** One shared spinner tick: 4 frames a second keeps a turning spinner under 1 KiB/s over SSH. */
const SPINNER_INTERVAL_MS = 250;

/** Lines above and below the view body: header (2) + status and keys (2). */
const CHROME_LINES = 4;

export function App({
  engine,
  readonly = false,
  theme,
  size,
  refreshIntervalMs = 5000,
  now = Date.now,
  ticker,
  initial,
}: AppProps) {
  const env = useMemo(
    () => ({ engine, readonly, theme: theme ?? makeTheme({ ascii: false, color: true }), now }),
    [engine, readonly, theme, now],
  );
  const sharedTicker = useMemo(() => ticker ?? createTicker(SPINNER_INTERVAL_MS), [ticker]);
  return (
    <AppProvider value={env}>
      <TickerProvider ticker={sharedTicker}>
        <Screen size={size} refreshIntervalMs={refreshIntervalMs} initial={initial} />
      </TickerProvider>
    </AppProvider>
  );
}

function viewTitle(state: UiState, snapshot: EngineSnapshot): string {
  switch (state.view) {
    case 'details': {
      const row = snapshot.machines.find((m) => m.id === state.detailsId);
      return `details ${state.detailsId ?? ''}${row ? ` ${row.name}` : ''}`;
    }
    case 'pipeline':
      return `run ${state.runId ?? ''}`;
    case 'wizard':
      return state.wizard?.kind === 'setup'
        ? 'host setup'
        : state.wizard?.kind === 'lxc'
          ? 'new container'
          : 'new VM';
    default:
      return state.view;
  }
}

function Screen({
  size: fixedSize,
  refreshIntervalMs,
  initial,
}: {
  size?: TerminalSize;
  refreshIntervalMs: number;
  initial?: Partial<UiState>;
}) {
  const { engine, readonly, theme } = useApp();
  const { exit } = useInkApp();
  const size = useTerminalSize(fixedSize);
  const snapshot = useEngineSnapshot();
  const [state, setState] = useState<UiState>(() => ({ ...initialState, ...initial }));
  const stateRef = useRef(state);
  const snapshotRef = useRef(snapshot);
  snapshotRef.current = snapshot;
  /** How far the setup list can scroll (known once it has loaded). */
  const setupRef = useRef(0);
  const detailsRef = useRef(0);

  // The whole frame stays one line short of the terminal: a full-height frame makes ink clear
  // the screen on every render.
  const height = Math.max(6, size.rows - 1);
  const width = Math.max(20, size.columns);
  const bodyHeight = height - CHROME_LINES;

  const update = useCallback((change: (s: UiState) => UiState) => {
    stateRef.current = change(stateRef.current);
    setState(stateRef.current);
  }, []);

  const context = useCallback((): KeyContext => {
    // The run store is read only by the keys that need the runs (not by every key press).
    let runs: readonly RunSummary[] | undefined;
    return {
      readonly,
      machines: snapshotRef.current.machines,
      activeRunIds: snapshotRef.current.activeRunIds,
      get runs() {
        return (runs ??= engine.runs());
      },
      runGuests: (runId) => engine.run(runId)?.state().guests ?? [],
      check: (verb, ids) => engine.check(verb, ids),
      pageSize: Math.max(1, bodyHeight - 1),
      setupLines: setupRef.current,
      detailsMaxScroll: detailsRef.current,
      checkDraft: (draft) => engine.checkDraft(draft),
    };
  }, [engine, readonly, bodyHeight]);

  const runEffect = useCallback(
    async (effect: Effect) => {
      switch (effect.kind) {
        case 'act': {
          const outcome = await engine.act(effect.verb, effect.ids, {
            snapshotName: effect.snapshotName,
          });
          const failed = outcome.results.filter((r) => !r.ok);
          update((s) => ({
            ...s,
            message:
              failed.length > 0
                ? { text: failed.map((r) => r.message).join('; '), tone: 'error' }
                : { text: outcome.results.map((r) => r.message).join(', '), tone: 'ok' },
          }));
          return;
        }
        case 'apply': {
          const handle = engine.apply(effect.ids);
          update((s) => openRun(s, handle.id));
          return;
        }
        case 'apply-setup': {
          const handle = engine.applySetup(effect.draft);
          update((s) => openRun(s, handle.id));
          return;
        }
        case 'refresh':
          await engine.refresh();
          update((s) =>
            s.message?.text.startsWith('Refreshing') ? { ...s, message: undefined } : s,
          );
          return;
        case 'resolve':
          await engine.run(effect.runId)?.resolve(effect.guestId, effect.action);
          return;
        case 'abort-run':
          engine.run(effect.runId)?.abort();
          return;
        case 'wizard-facts':
        case 'wizard-hash':
        case 'wizard-plan':
        case 'wizard-save': {
          // The answer lands in the wizard that asked, if it is still open.
          const land = (change: (w: NonNullable<UiState['wizard']>) => UiState['wizard']) =>
            update((s) => (s.wizard ? { ...s, wizard: change(s.wizard) } : s));
          const wctx = wizardContext(context());
          const why = (error: unknown) => (error instanceof Error ? error.message : String(error));
          const setup = stateRef.current.wizard?.kind === 'setup';
          if (effect.kind === 'wizard-facts')
            await (setup ? engine.setupFacts() : engine.hostFacts()).then(
              (facts) => land((w) => wizardFacts(w, { facts }, wctx)),
              (error: unknown) => land((w) => wizardFacts(w, { error: why(error) }, wctx)),
            );
          else if (effect.kind === 'wizard-hash')
            await engine.hashPassword(effect.password).then(
              (hash) => land((w) => wizardHashed(w, { hash }, wctx)),
              (error: unknown) => land((w) => wizardHashed(w, { error: why(error) }, wctx)),
            );
          else if (effect.kind === 'wizard-plan')
            await (
              effect.draft.kind === 'setup'
                ? engine.planSetup(effect.draft)
                : engine.planDraft(effect.draft)
            ).then(
              (plan) => land((w) => wizardPlanned(w, { plan })),
              (error: unknown) => land((w) => wizardPlanned(w, { error: why(error) })),
            );
          else
            await (
              effect.draft.kind === 'setup'
                ? engine.saveSetup(effect.draft)
                : engine.defineGuest(effect.draft)
            ).then(
              (saved) => land((w) => wizardSaved(w, saved)),
              (error: unknown) => land((w) => wizardSaved(w, { error: why(error) })),
            );
          return;
        }
        case 'quit':
          for (const id of snapshotRef.current.activeRunIds) engine.run(id)?.abort();
          exit();
          return;
      }
    },
    [engine, exit, update, context],
  );

  // THE input funnel: every key of every chunk goes through the state machine, in order.
  useInput((input, key) => {
    const keys = decodeKeys(input, key);
    if (keys.length === 0) return;
    const step = handleKeys(stateRef.current, keys, context());
    if (step.state !== stateRef.current) update(() => step.state);
    for (const effect of step.effects)
      runEffect(effect).catch((error: unknown) =>
        update((s) => ({
          ...s,
          message: { text: error instanceof Error ? error.message : String(error), tone: 'error' },
        })),
      );
  });

  // Refresh at start, then every few seconds while the table is on screen.
  const tableShown = (state.view === 'machines' || state.view === 'templates') && !state.modal;
  useEffect(() => {
    void engine.refresh();
  }, [engine]);
  useEffect(() => {
    if (!tableShown || refreshIntervalMs <= 0) return;
    const timer = setInterval(() => void engine.refresh(), refreshIntervalMs);
    return () => clearInterval(timer);
  }, [engine, tableShown, refreshIntervalMs]);

  const setup = useSetup(state.view === 'setup');
  setupRef.current = Math.max(0, (setup.items?.length ?? 0) - (bodyHeight - 1));

  // Looked up once per run id (and again when the set of active runs changes): useRun follows the
  // handle by identity, and a finished run's handle may be read from the run store.
  const pipelineRunId = state.view === 'pipeline' ? state.runId : undefined;
  const runHandle = useMemo(
    () => (pipelineRunId ? engine.run(pipelineRunId) : undefined),
    [engine, pipelineRunId, snapshot.activeRunIds],
  );
  const run = useRun(runHandle);

  // Filtered and sorted again only when the machines or the table's own settings change (not on
  // every key: 1000 guests are a few milliseconds each time).
  const { filter, sort } = state;
  const rowsView = state.view === 'templates' ? 'templates' : 'machines';
  const rows = useMemo(
    () => visibleRows(snapshot.machines, { filter, sort, view: rowsView }),
    [snapshot.machines, filter, sort, rowsView],
  );
  const index = selectedIndex(rows, state);
  const scope = scopeOf(state.view);

  let status = '';
  let keysOverride: { key: string; label: string }[] | undefined;
  if (state.filterEditing) {
    status = `/${state.filter}_`;
    keysOverride = [
      { key: 'Enter', label: 'keep filter' },
      { key: 'Esc', label: 'clear' },
      { key: 'type:', label: 'vm|ct|template' },
      { key: 'state:', label: '…' },
      { key: 'tag:', label: '…' },
      { key: 'node:', label: '…' },
    ];
  } else if (state.modal?.kind === 'palette') {
    keysOverride = [
      { key: 'type', label: 'to search' },
      { key: `${theme.glyphs.up}/${theme.glyphs.down}`, label: 'choose' },
      { key: 'Enter', label: 'run' },
      { key: 'Esc', label: 'close' },
    ];
  } else if (state.view === 'machines' || state.view === 'templates') {
    const marked = state.marked.length > 0 ? `  ${state.marked.length} marked` : '';
    const filter = state.filter ? `  filter: ${state.filter}` : '';
    status = `${rows.length === 0 ? 0 : index + 1}/${rows.length}${marked}${filter}`;
  } else if (state.view === 'help') {
    const total = helpLines(readonly, theme.ascii).length;
    const first = Math.min(state.helpScroll, Math.max(0, total - bodyHeight));
    status = `help: lines ${first + 1}-${Math.min(total, first + bodyHeight)} of ${total}`;
  } else if (state.view === 'setup') {
    const open = setup.items?.filter((i) => i.state !== 'done').length ?? 0;
    status = setup.items
      ? open === 0
        ? 'The host has everything the config asks for.'
        : `${open} of ${setup.items.length} items need work: a sets them up (a wizard; nothing changes before you confirm)`
      : '';
  } else if (state.view === 'pipeline' && run) {
    const failed = run.state.guests.filter((g) => g.failure);
    status =
      failed.length > 0
        ? `${failed.map(guestLabel).join(', ')} failed: 1 retry, 2 resume later, 3 keep${failed.every(canDestroy) ? ', 4 destroy' : ''}`
        : run.state.finishedAt === undefined
          ? 'Esc goes back; the run goes on and stays in the runs view'
          : `Finished: ${run.state.status}`;
  } else if (state.view === 'runs') {
    status = `${engine.runs().length} runs`;
  } else if (state.view === 'wizard' && state.wizard) {
    const errors = state.wizard.problems.filter((p) => p.severity === 'error').length;
    status =
      state.wizard.phase === 'editing'
        ? errors > 0
          ? `${errors} error(s) to fix before saving; Esc leaves without writing`
          : 'Every answer is valid; Esc leaves without writing'
        : '';
    // Only the wizard's own keys work here (text fields take the others).
    keysOverride =
      state.wizard.phase === 'leaving'
        ? [
            { key: 'y', label: 'leave, write nothing' },
            { key: 'n', label: 'stay' },
          ]
        : state.wizard.phase === 'saved'
          ? [
              { key: 'y', label: 'apply now' },
              { key: 'n', label: 'later' },
            ]
          : footerEntries('wizard', readonly).filter((e) => e.command?.startsWith('wizard-'));
  }

  // The failure actions are only offered while something has failed.
  if (state.view === 'pipeline' && !run?.state.guests.some((g) => g.failure))
    keysOverride = footerEntries('pipeline', readonly).filter(
      (e) => !['retry', 'resume-later', 'keep', 'destroy'].includes(e.command ?? ''),
    );

  let body;
  if (state.modal) body = <Dialog modal={state.modal} width={width} height={bodyHeight} />;
  else if (state.view === 'details' && state.detailsId !== undefined)
    body = (
      <DetailsView
        id={state.detailsId}
        scroll={state.detailsScroll}
        maxScroll={detailsRef}
        width={width}
        height={bodyHeight}
      />
    );
  else if (state.view === 'pipeline')
    body = (
      <PipelineView run={run} selected={state.pipelineGuest} width={width} height={bodyHeight} />
    );
  else if (state.view === 'runs')
    body = (
      <RunsView runs={engine.runs()} selected={state.runIndex} width={width} height={bodyHeight} />
    );
  else if (state.view === 'setup')
    body = (
      <SetupView
        items={setup.items}
        error={setup.error}
        scroll={state.setupScroll}
        width={width}
        height={bodyHeight}
      />
    );
  else if (state.view === 'wizard' && state.wizard)
    body = <WizardView wizard={state.wizard} width={width} height={bodyHeight} />;
  else if (state.view === 'help')
    body = <HelpView scroll={state.helpScroll} width={width} height={bodyHeight} />;
  else
    body = (
      <MachineTable
        rows={rows}
        selectedIndex={index}
        marked={state.marked}
        sort={state.sort}
        width={width}
        height={bodyHeight}
        theme={theme}
        emptyText={
          state.filter
            ? `Nothing matches "${state.filter}" (Esc clears the filter)`
            : readonly
              ? 'No guests in the config or on the host.'
              : 'No guests in the config or on the host: c defines a VM, C a container.'
        }
      />
    );

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Header
        snapshot={snapshot}
        width={width}
        title={viewTitle(state, snapshot)}
        ageTicks={!(tableShown && refreshIntervalMs > 0)}
      />
      <Box flexDirection="column" height={bodyHeight} overflow="hidden">
        {body}
      </Box>
      <Footer
        scope={scope}
        width={width}
        status={status}
        message={state.message}
        keysOverride={keysOverride}
      />
    </Box>
  );
}
