import { loadConfig } from '../config/load.js';
import { formatDiagnostic } from '../config/format.js';
import type { Spec } from '../config/types.js';
import { formatArgv, HostError, type Host } from '../host/index.js';
import { refOf, type Inventory } from '../inventory/inventory.js';
import type { GuestConfig, GuestState } from '../inventory/types.js';
import { deleteRefusal } from '../lifecycle/guards.js';
import { buildPlan } from '../plan/planner.js';
import { desiredSettings, reconcile, type GuestRow } from '../reconcile/reconcile.js';
import { newRunId, runTasks } from '../runner/runner.js';
import { listRuns, readRun, RunRecorder } from '../runs/store.js';
import type { RunEvent as RunnerEvent } from '../runner/types.js';
import { guestOfTask, LiveRun } from './live-run.js';
import { upsertGuest } from '../config/writer.js';
import { hashPassword } from '../host/host-scripts.js';
import { UserError } from '../util/user-error.js';
import { DraftChecker, draftId, readConfigTexts } from './drafts.js';
import { readHostFacts } from './host-facts.js';
import { startSetupRun } from './setup-run.js';
import { planSetupDraft, readSetupFacts, saveSetupDraft } from './setup-wizard.js';
import type {
  ActionCheck,
  ActionOptions,
  ActionOutcome,
  ActionResult,
  ActionVerb,
  DetailField,
  Engine,
  EngineSnapshot,
  DraftProblem,
  GuestDetails,
  GuestDraft,
  GuestId,
  GuestStatus,
  HostFacts,
  LifecycleVerb,
  MachineRow,
  PlannedStep,
  RunHandle,
  RunSummary,
  SetupDraft,
  SetupFacts,
  SetupItem,
} from './types.js';

export interface LiveEngineOptions {
  host: Host;
  configDir: string;
  runsDir: string;
  /** Guests provisioned at once by apply. */
  concurrency?: number;
  /** The host setup items (from the setup engine's preflight); absent: none. */
  setupStatus?: () => Promise<readonly SetupItem[]>;
  /** Where host setup runs (its PHOENIX_ROOT and PATH); absent: this host has no setup (simulated). */
  setupEnv?: NodeJS.ProcessEnv;
  /** Home folder the setup wizard reads SSH keys from (tests). */
  home?: string;
}

/** Finished runs whose handles stay in memory (the rest are read again from the run store). */
const FINISHED_RUNS_KEPT = 8;

const statuses: readonly GuestStatus[] = ['running', 'stopped', 'paused', 'suspended'];

/**
 * Phoenix's core behind the UI's façade: the config, one host process per refresh, reconcile,
 * plans, runs. No method throws for a host failure; failures become messages.
 */
export class LiveEngine implements Engine {
  private current: EngineSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly active = new Map<string, LiveRun>();
  /**
   * Finished runs already opened, by id: `run(id)` hands out the same handle every time (the UI
   * follows a handle by identity; a new replay per call re-rendered it without end).
   */
  private readonly finished = new Map<string, LiveRun>();
  private spec: Spec | undefined;
  private inventory: Inventory | undefined;
  private rows: GuestRow[] = [];
  private refreshing: Promise<void> | undefined;
  private version: string | undefined;
  private versionAsked = false;
  private readonly drafts = new DraftChecker();

  constructor(private readonly options: LiveEngineOptions) {
    this.current = {
      host: { node: '…', pveVersion: '…', configDir: options.configDir },
      machines: [],
      refreshing: false,
      configProblems: [],
      activeRunIds: [],
    };
  }

  snapshot(): EngineSnapshot {
    return this.current;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    this.set({ refreshing: true });
    const { host } = this.options;
    // The inventory process starts first and the config is read while it runs: the first frame
    // waits for one host process (the Proxmox version is asked for afterwards, once).
    const answer = host.inventory();
    answer.catch(() => undefined); // awaited below, after the config
    const result = loadConfig(this.options.configDir);
    const configProblems = result.diagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => formatDiagnostic(d));
    if (result.valid) this.spec = result.spec;
    try {
      const inventory = await answer;
      const node = await host.localNode();
      this.inventory = inventory;
      this.rows = reconcile(this.spec ?? emptySpec(this.options.configDir), inventory);
      const unnumbered = this.rows
        .filter((row) => row.id === undefined)
        .map((row) => `VM "${row.name}" has no ID yet: apply gives it one`);
      this.set({
        host: { node, pveVersion: this.version ?? '…', configDir: this.options.configDir },
        machines: this.rows
          .filter((row) => row.id !== undefined)
          .map(machineRow)
          .sort((a, b) => a.id - b.id),
        refreshedAt: Date.now(),
        refreshing: false,
        refreshError: undefined,
        configProblems: [...configProblems, ...unnumbered],
      });
      if (this.version === undefined && !this.versionAsked) {
        this.versionAsked = true;
        host.version().then(
          ({ version }) => {
            this.version = version;
            this.set({ host: { ...this.current.host, pveVersion: version } });
          },
          () => (this.versionAsked = false),
        );
      }
    } catch (error) {
      this.set({ refreshing: false, refreshError: messageOf(error), configProblems });
    }
  }

  async details(id: GuestId): Promise<GuestDetails> {
    const row = this.rows.find((candidate) => candidate.id === id);
    if (!row) throw new Error(`no guest ${id}`);
    const { host } = this.options;
    let config: GuestConfig | undefined;
    let snapshots: GuestDetails['snapshots'] = [];
    if (row.live) {
      const ref = refOf(row.live);
      config = await host.guestConfig(ref).catch(() => undefined);
      snapshots = (await host.listSnapshots(ref).catch(() => [])).map((snap) => ({
        name: snap.name,
        ...(snap.snaptime ? { takenAt: snap.snaptime * 1000 } : {}),
        ...(snap.description ? { description: snap.description } : {}),
        ...(snap.current ? { current: true } : {}),
      }));
    }
    const fields: DetailField[] = row.spec
      ? desiredSettings(row.spec).map((setting) => ({
          key: setting.key,
          desired: setting.desired,
          ...(config && setting.live(config) !== undefined ? { live: setting.live(config)! } : {}),
          drifted: config ? !setting.inSync(config) : true,
        }))
      : Object.entries(config?.values ?? {}).map(([key, value]) => ({
          key,
          live: value,
          drifted: false,
        }));
    let plan: GuestDetails['plan'] = [];
    if (row.spec && this.spec) {
      try {
        const built = await buildPlan({ spec: this.spec, host, ids: [id] });
        const guest = built.plan.guests.find((g) => g.id === id);
        plan = (guest?.steps ?? []).map((step) => ({
          id: step.key,
          title: step.title,
          commands: step.commands.map(formatArgv),
        }));
      } catch (error) {
        plan = [
          { id: 'problem', title: `the plan could not be made: ${messageOf(error)}`, commands: [] },
        ];
      }
    }
    return {
      id,
      name: row.name,
      type: row.type,
      specState: row.state,
      ...(row.spec ? { source: row.spec.origin.file } : {}),
      fields,
      snapshots,
      recentRuns: this.runs()
        .filter((run) => run.guestIds.includes(id))
        .slice(0, 5),
      plan,
    };
  }

  check(verb: ActionVerb, ids: readonly GuestId[]): ActionCheck[] {
    return ids.map((id) => {
      const row = this.rows.find((candidate) => candidate.id === id);
      const refuse = (reason: string): ActionCheck => ({ id, allowed: false, reason });
      if (!row) return refuse('not in the config or on the host');
      if (verb === 'apply')
        return row.spec ? { id, allowed: true } : refuse('not in the config: nothing to apply');
      const live = row.live;
      if (!live) return refuse('not on the host yet: apply creates it');
      if (live.lock) return refuse(`locked (${live.lock}) by another operation`);
      const running = live.status === 'running';
      switch (verb) {
        case 'start':
          if (live.template) return refuse('a template cannot be started: clone it');
          return running ? refuse('already running') : { id, allowed: true };
        case 'shutdown':
        case 'stop':
        case 'reboot':
          return running || live.status === 'paused'
            ? { id, allowed: true }
            : refuse('not running');
        case 'snapshot':
          return live.template ? refuse('a template cannot have snapshots') : { id, allowed: true };
        case 'delete':
          // Protection and linked clones need the host; act() checks them and says why.
          return { id, allowed: true };
        default:
          return { id, allowed: true };
      }
    });
  }

  async act(
    verb: LifecycleVerb,
    ids: readonly GuestId[],
    options: ActionOptions = {},
  ): Promise<ActionOutcome> {
    const { host } = this.options;
    const inventory = await host.inventory();
    const results: ActionResult[] = [];
    for (const id of ids) {
      const live = inventory.get(id);
      if (!live) {
        results.push({ id, ok: false, message: 'not on the host' });
        continue;
      }
      try {
        // "101 started", like the fake engine: the status line shows the messages as they are.
        const done = await this.actOne(verb, live, inventory, options);
        results.push({ id, ok: true, message: `${id} ${done}` });
      } catch (error) {
        results.push({ id, ok: false, message: messageOf(error) });
      }
    }
    void this.refresh();
    return { verb, results };
  }

  private async actOne(
    verb: LifecycleVerb,
    live: GuestState,
    inventory: Inventory,
    options: ActionOptions,
  ): Promise<string> {
    const { host } = this.options;
    const ref = refOf(live);
    switch (verb) {
      case 'start':
        await host.start(ref);
        return 'started';
      case 'shutdown':
        await host.shutdown(ref, { timeoutSeconds: 120 });
        return 'shut down';
      case 'stop':
        await host.stop(ref);
        return 'stopped';
      case 'reboot':
        await host.reboot(ref);
        return 'rebooted';
      case 'snapshot': {
        if (!options.snapshotName) throw new Error('a snapshot needs a name');
        await host.snapshot(ref, options.snapshotName);
        return `snapshot ${options.snapshotName} taken`;
      }
      case 'delete': {
        const refusal = await deleteRefusal(host, inventory, live, await host.guestConfig(ref));
        if (refusal) throw new Error(`${refusal.summary}: ${refusal.hint}`);
        if (live.status === 'running' || live.status === 'paused') await host.stop(ref);
        await host.destroy(ref);
        return 'deleted';
      }
    }
  }

  apply(ids: readonly GuestId[]): RunHandle {
    const runId = newRunId();
    const run = new LiveRun(runId, `apply ${ids.join(' ')}`, ids);
    const recorder = new RunRecorder(this.options.runsDir, runId);
    const controller = new AbortController();
    const forward = (event: RunnerEvent) => {
      recorder.listener(event);
      run.onRunnerEvent(event);
    };
    const execute = async (guestIds: readonly GuestId[]) => {
      if (!this.spec) throw new Error('the config has errors: fix them first (phoenix validate)');
      const built = await buildPlan({ spec: this.spec, host: this.options.host, ids: guestIds });
      run.addTasks(built.tasks);
      // A guest the plan cannot make (no storage, a missing template, …) has no tasks: it is
      // shown as failed with the plan's reason, not left out of a run that says "succeeded".
      for (const guest of built.plan.guests) {
        if (guest.action !== 'blocked' || !guestIds.includes(guest.id)) continue;
        const errors = guest.problems.filter((problem) => problem.severity === 'error');
        forward(
          planFailure(
            runId,
            guest.id,
            new Error(errors.map((problem) => problem.message).join('; ') || 'blocked'),
            errors.find((problem) => problem.hint)?.hint,
          ),
        );
      }
      if (built.tasks.length === 0) return;
      await runTasks(built.tasks, {
        title: run.state().title,
        runId,
        concurrency: this.options.concurrency ?? 4,
        signal: controller.signal,
        listeners: [forward],
      });
    };
    run.attach({
      retry: async (guestId) => {
        await execute([guestId]).catch((error: unknown) =>
          forward(planFailure(runId, guestId, error)),
        );
      },
      destroy: async (guestId) => {
        const live = (await this.options.host.inventory()).get(guestId);
        if (!live) return;
        if (live.status === 'running') await this.options.host.stop(refOf(live));
        await this.options.host.destroy(refOf(live));
      },
      abort: () => controller.abort(new Error('interrupted')),
    });
    const done = execute(ids)
      .catch((error: unknown) => {
        for (const id of ids) forward(planFailure(runId, id, error));
      })
      .finally(async () => {
        run.settle(controller.signal.aborted);
        await recorder.close();
      });
    return this.track(run, done);
  }

  /** A run is active until `done`; then it is kept as finished (unless it waits on a failure). */
  private track(run: LiveRun, done: Promise<void>): LiveRun {
    this.active.set(run.id, run);
    this.set({ activeRunIds: [...this.active.keys()] });
    void done.finally(() => {
      if (run.state().status !== 'waiting') {
        this.active.delete(run.id);
        this.keepFinished(run);
      }
      this.set({ activeRunIds: [...this.active.keys()] });
      void this.refresh();
    });
    return run;
  }

  private setupProcessEnv(): NodeJS.ProcessEnv {
    if (!this.options.setupEnv)
      throw new UserError('a simulated host has no host system to set up', {
        hint: 'run phoenix on a Proxmox VE host for host setup',
      });
    return this.options.setupEnv;
  }

  async setupFacts(): Promise<SetupFacts> {
    return readSetupFacts(this.options.configDir, this.setupProcessEnv(), this.options.home);
  }

  async planSetup(draft: SetupDraft): Promise<readonly PlannedStep[]> {
    return planSetupDraft(this.options.configDir, this.setupProcessEnv(), draft);
  }

  async saveSetup(draft: SetupDraft): Promise<{ file: string }> {
    this.setupProcessEnv();
    const saved = saveSetupDraft(this.options.configDir, draft);
    void this.refresh();
    return saved;
  }

  applySetup(draft: SetupDraft): RunHandle {
    const { run, done } = startSetupRun({
      configDir: this.options.configDir,
      processEnv: this.options.setupEnv ?? {},
      runsDir: this.options.runsDir,
      draft,
    });
    return this.track(run, done);
  }

  async setupStatus(): Promise<readonly SetupItem[]> {
    return this.options.setupStatus ? this.options.setupStatus() : [];
  }

  runs(): readonly RunSummary[] {
    const live = [...this.active.values()].map((run) => summary(run.state()));
    const stored = listRuns(this.options.runsDir)
      .filter((run) => !this.active.has(run.id))
      .map((run): RunSummary => ({
        id: run.id,
        title: run.title,
        guestIds: run.tasks.map(guestOfTask),
        status: run.status,
        startedAt: Date.parse(run.startedAt),
        ...(run.ms === undefined ? {} : { finishedAt: Date.parse(run.startedAt) + run.ms }),
      }));
    return [...live, ...stored].sort((a, b) => b.startedAt - a.startedAt);
  }

  run(id: string): RunHandle | undefined {
    const active = this.active.get(id) ?? this.finished.get(id);
    if (active) return active;
    const events = readRun(this.options.runsDir, id);
    if (!events) return undefined;
    // A finished run, replayed from the run store: read-only.
    const started = events.find((event) => event.type === 'run-started');
    // Its own start and end times, not the moment it was read ("took 0.0s").
    const replay = new LiveRun(
      id,
      started?.type === 'run-started' ? started.title : id,
      [],
      started ? Date.parse(started.at) || Date.now() : Date.now(),
    );
    if (started?.type === 'run-started') {
      replay.addTasks(
        started.tasks.map((task) => ({
          id: task.id,
          title: task.title,
          dependsOn: [],
          steps: task.steps.map((step) => ({ ...step, run: async () => 'unchanged' as const })),
        })),
      );
    }
    for (const event of events) replay.onRunnerEvent(event);
    const finished = events.at(-1);
    replay.settle(
      finished?.type === 'run-finished' && finished.status === 'interrupted',
      finished?.type === 'run-finished' ? Date.parse(finished.at) || undefined : undefined,
    );
    this.keepFinished(replay);
    return replay;
  }

  private keepFinished(run: LiveRun): void {
    this.finished.delete(run.id);
    this.finished.set(run.id, run);
    // Each keeps at most a bounded log tail per guest; a few are plenty for the runs view.
    for (const id of this.finished.keys()) {
      if (this.finished.size <= FINISHED_RUNS_KEPT) break;
      this.finished.delete(id);
    }
  }

  hostFacts(): Promise<HostFacts> {
    return readHostFacts({ host: this.options.host, configDir: this.options.configDir });
  }

  checkDraft(draft: GuestDraft): DraftProblem[] {
    return this.drafts.check(
      readConfigTexts(this.options.configDir),
      draft,
      this.options.configDir,
    );
  }

  hashPassword(password: string): Promise<string> {
    return hashPassword(password);
  }

  async planDraft(draft: GuestDraft): Promise<readonly PlannedStep[]> {
    // The plan of the config as it would be, made in a scratch copy: nothing is written here.
    const scratch = new DraftChecker();
    try {
      const { dir } = scratch.stage(readConfigTexts(this.options.configDir), draft);
      const result = loadConfig(dir);
      if (!result.valid) {
        const first = result.diagnostics.find((d) => d.severity === 'error');
        throw new UserError(`the config would not be valid: ${first ? first.message : '?'}`);
      }
      const built = await buildPlan({
        spec: result.spec,
        host: this.options.host,
        ids: [draftId(draft)],
      });
      const guest = built.plan.guests.find((g) => g.id === draftId(draft));
      return (guest?.steps ?? []).map((step) => ({
        id: step.key,
        title: step.title,
        commands: step.commands.map(formatArgv),
      }));
    } finally {
      scratch.dispose();
    }
  }

  async defineGuest(draft: GuestDraft): Promise<{ file: string; id: GuestId }> {
    const { configDir, host } = this.options;
    const texts = readConfigTexts(configDir);
    const errors = this.drafts.check(texts, draft, configDir).filter((p) => p.severity === 'error');
    if (errors.length > 0) {
      const first = errors[0]!;
      throw new UserError(`${first.field ? `${first.field}: ` : ''}${first.message}`, {
        ...(first.hint ? { hint: first.hint } : {}),
      });
    }
    const id = draftId(draft);
    const live = (await host.inventory()).get(id);
    if (live) {
      throw new UserError(
        `ID ${id} is already used on the host by ${live.type === 'qemu' ? 'VM' : 'container'} "${live.name}"`,
        {
          hint: 'pick a free ID',
        },
      );
    }
    const kind = draft.kind === 'qemu' ? 'vm' : 'lxc';
    const expected = texts[kind];
    const { file } = upsertGuest(configDir, draft, expected);
    await this.refresh();
    return { file, id };
  }

  private set(patch: Partial<EngineSnapshot>): void {
    this.current = { ...this.current, ...patch };
    for (const listener of this.listeners) listener();
  }
}

function machineRow(row: GuestRow): MachineRow {
  const live = row.live;
  return {
    id: row.id!,
    type: row.type,
    name: row.name,
    node: row.node ?? '-',
    status: !live
      ? 'absent'
      : statuses.includes(live.status as GuestStatus)
        ? (live.status as GuestStatus)
        : 'unknown',
    specState: row.state,
    cpu: live && live.maxcpu > 0 ? live.cpu / live.maxcpu : (live?.cpu ?? 0),
    mem: live?.mem ?? 0,
    maxmem: live?.maxmem ?? 0,
    tags: live?.tags ?? row.spec?.tags ?? [],
    template: live?.template ?? row.spec?.is_template ?? false,
    ...(live?.lock ? { lock: live.lock } : {}),
  };
}

function summary(state: RunSummary): RunSummary {
  const { id, title, guestIds, status, startedAt, finishedAt } = state;
  return {
    id,
    title,
    guestIds,
    status,
    startedAt,
    ...(finishedAt === undefined ? {} : { finishedAt }),
  };
}

function emptySpec(configDir: string): Spec {
  return { vms: [], containers: [], lxcGlobals: {}, configDir };
}

function messageOf(error: unknown): string {
  if (error instanceof HostError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/** A plan that could not be made, as a failed step of the guest, so the UI shows it. */
function planFailure(
  runId: string,
  guestId: GuestId,
  error: unknown,
  hint = 'run phoenix plan for the details',
): RunnerEvent {
  return {
    type: 'step-finished',
    runId,
    at: new Date().toISOString(),
    taskId: `guest/${guestId}`,
    stepKey: 'plan',
    status: 'failed',
    ms: 0,
    failure: { message: messageOf(error), logTail: [], hint },
  };
}
