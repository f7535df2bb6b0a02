// A deterministic in-memory Engine for UI tests and UI development (PHOENIX_FAKE_ENGINE=1).
// Everything it does follows from its options and the calls made on it: no randomness, and time
// comes from a Scheduler the tests can drive by hand.
import type {
  ActionCheck,
  ActionOptions,
  ActionOutcome,
  ActionResult,
  ActionVerb,
  DraftProblem,
  Engine,
  EngineSnapshot,
  FailureAction,
  GuestDetails,
  GuestDraft,
  GuestId,
  HostFacts,
  HostSummary,
  LifecycleVerb,
  MachineRow,
  PlannedStep,
  RunEvent,
  RunGuest,
  RunHandle,
  RunState,
  RunStatus,
  RunSummary,
  SetupItem,
  SnapshotInfo,
  StepFailure,
  SetupDraft,
  SetupFacts,
  SetupStepId,
} from './types.js';
import { HOST_RUN_GUEST } from './types.js';
import { createHash } from 'node:crypto';
import { DraftChecker, draftId, stageDraftText, type ConfigTexts } from './drafts.js';

/** Time and timers, injectable so tests decide when things happen. */
export interface Scheduler {
  now(): number;
  /** Runs fn after ms; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

/** A clock that only moves when told to. */
export class ManualScheduler implements Scheduler {
  private time: number;
  private queue: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;

  constructor(start = Date.UTC(2026, 10, 21, 20, 0, 0)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): () => void {
    const entry = { at: this.time + ms, seq: this.seq++, fn };
    this.queue.push(entry);
    return () => {
      this.queue = this.queue.filter((e) => e !== entry);
    };
  }

  /** Moves the clock forward, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.queue[0];
      if (!next || next.at > end) break;
      this.queue.shift();
      this.time = next.at;
      next.fn();
    }
    this.time = end;
  }

  /** Runs timers until none is left (bounded, in case something reschedules forever). */
  runAll(limit = 100_000): void {
    for (let i = 0; i < limit && this.queue.length > 0; i++) {
      this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.queue.shift()!;
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
  }

  get pending(): number {
    return this.queue.length;
  }
}

/** A step failure the fake injects: the first `times` attempts of that step fail. */
export interface InjectedFailure {
  guestId: GuestId;
  stepId: string;
  times?: number;
}

export interface FakeEngineOptions {
  host?: Partial<HostSummary>;
  machines?: readonly MachineRow[];
  scheduler?: Scheduler;
  /** How long one step takes. */
  stepMs?: number;
  /** Log lines a step writes while it runs. */
  logLinesPerStep?: number;
  failures?: readonly InjectedFailure[];
  /** Guests that apply may run at the same time. */
  parallelism?: number;
  /** The config files the wizards validate against and write to (in memory). */
  configTexts?: ConfigTexts;
  /** What the wizards are offered (over demoHostFacts). */
  facts?: Partial<HostFacts>;
}

const GiB = 1024 ** 3;

function row(
  id: number,
  type: MachineRow['type'],
  name: string,
  status: MachineRow['status'],
  specState: MachineRow['specState'],
  tags: string[],
  extra: Partial<MachineRow> = {},
): MachineRow {
  const maxmem = (type === 'qemu' ? 4 : 1) * GiB;
  return {
    id,
    type,
    name,
    node: 'pve1',
    status,
    specState,
    cpu: 0,
    mem: status === 'running' ? Math.round(maxmem * 0.4) : 0,
    maxmem,
    tags,
    template: specState === 'template',
    ...extra,
  };
}

/** The demo host: VMs, containers and templates in every spec state. */
export function demoMachines(): MachineRow[] {
  return [
    row(100, 'qemu', 'ubuntu-2404-tmpl', 'stopped', 'template', ['template']),
    row(101, 'qemu', 'web-01', 'running', 'in-sync', ['web', 'prod'], { protected: true }),
    row(102, 'qemu', 'web-02', 'running', 'drifted', ['web']),
    row(103, 'qemu', 'db-01', 'stopped', 'in-sync', ['db']),
    row(110, 'qemu', 'gpu-worker', 'absent', 'missing', ['ai', 'gpu']),
    row(200, 'lxc', 'debian-12-ct', 'stopped', 'template', ['template']),
    row(201, 'lxc', 'dns', 'running', 'in-sync', ['infra']),
    row(202, 'lxc', 'nginx-proxy', 'running', 'drifted', ['infra', 'web']),
    row(203, 'lxc', 'monitoring', 'stopped', 'unmanaged', []),
    row(204, 'lxc', 'ollama', 'absent', 'missing', ['ai']),
    row(300, 'qemu', 'scratch-vm', 'paused', 'unmanaged', ['lab']),
    row(9000, 'qemu', 'backup-test', 'stopped', 'unmanaged', [], { lock: 'backup' }),
  ];
}

/** `count` plain guests, for windowing tests and benchmarks. */
export function manyMachines(count: number): MachineRow[] {
  const rows: MachineRow[] = [];
  for (let i = 0; i < count; i++) {
    const id = 1000 + i;
    const type = i % 3 === 0 ? 'lxc' : 'qemu';
    const running = i % 4 !== 0;
    rows.push(
      row(
        id,
        type,
        `guest-${String(i).padStart(4, '0')}`,
        running ? 'running' : 'stopped',
        'in-sync',
        [`rack${i % 5}`],
      ),
    );
  }
  return rows;
}

/** What the demo config says about the demo guests that need a run, failing once by default. */
export const demoFailures: InjectedFailure[] = [{ guestId: 204, stepId: 'features', times: 1 }];

const clonesOf: Record<number, number[]> = { 100: [101, 102, 103] };

function stepsFor(machine: MachineRow): { id: string; title: string; commands: string[] }[] {
  const id = machine.id;
  if (machine.specState === 'drifted') {
    return [
      {
        id: 'config',
        title: 'Update config',
        commands: [`${machine.type === 'qemu' ? 'qm' : 'pct'} set ${id} --memory 8192 --cores 4`],
      },
      {
        id: 'reboot',
        title: 'Reboot to apply',
        commands: [`${machine.type === 'qemu' ? 'qm' : 'pct'} reboot ${id}`],
      },
    ];
  }
  if (machine.type === 'qemu') {
    return [
      {
        id: 'clone',
        title: 'Clone template',
        commands: [`qm clone 100 ${id} --name ${machine.name} --full 0`],
      },
      { id: 'config', title: 'Set hardware', commands: [`qm set ${id} --memory 8192 --cores 4`] },
      {
        id: 'cloudinit',
        title: 'Cloud-init',
        commands: [`qm set ${id} --ciuser phoenix --ipconfig0 ip=dhcp`],
      },
      { id: 'start', title: 'Start', commands: [`qm start ${id}`] },
      { id: 'agent', title: 'Wait for guest agent', commands: [`qm agent ${id} ping`] },
      {
        id: 'features',
        title: 'Install features',
        commands: [`qm guest exec ${id} -- /tmp/phoenix/features.sh`],
      },
    ];
  }
  return [
    {
      id: 'template',
      title: 'Download template',
      commands: ['pveam download local debian-12-standard_12.7-1_amd64.tar.zst'],
    },
    {
      id: 'create',
      title: 'Create container',
      commands: [
        `pct create ${id} local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst --hostname ${machine.name}`,
      ],
    },
    { id: 'start', title: 'Start', commands: [`pct start ${id}`] },
    {
      id: 'network',
      title: 'Wait for network',
      commands: [`pct exec ${id} -- ip -4 addr show eth0`],
    },
    {
      id: 'features',
      title: 'Install features',
      commands: [`pct exec ${id} -- /tmp/phoenix/features.sh`],
    },
  ];
}

const verbPast: Record<LifecycleVerb, string> = {
  start: 'started',
  shutdown: 'shut down',
  stop: 'stopped',
  reboot: 'rebooted',
  delete: 'deleted',
  snapshot: 'snapshot taken',
};

export class FakeEngine implements Engine {
  private readonly scheduler: Scheduler;
  private readonly stepMs: number;
  private readonly logLinesPerStep: number;
  private readonly parallelism: number;
  private readonly failures = new Map<string, number>();
  private machines: MachineRow[];
  private readonly host: HostSummary;
  private current: EngineSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly snapshots = new Map<GuestId, SnapshotInfo[]>();
  private readonly runList: FakeRun[] = [];
  private refreshCount = 0;
  private runSeq = 0;
  /** The in-memory config the wizards write to. */
  configTexts: ConfigTexts;
  private readonly facts: Partial<HostFacts>;
  private readonly drafts = new DraftChecker();

  constructor(options: FakeEngineOptions = {}) {
    this.scheduler = options.scheduler ?? realScheduler;
    this.stepMs = options.stepMs ?? 800;
    this.logLinesPerStep = options.logLinesPerStep ?? 3;
    this.parallelism = options.parallelism ?? 4;
    for (const f of options.failures ?? [])
      this.failures.set(`${f.guestId}/${f.stepId}`, f.times ?? 1);
    this.machines = [...(options.machines ?? demoMachines())].sort((a, b) => a.id - b.id);
    this.host = {
      node: 'pve1',
      cluster: 'homelab',
      pveVersion: '9.0.3',
      configDir: '/usr/local/phoenix_hypervisor/etc',
      ...options.host,
    };
    this.configTexts = { ...options.configTexts };
    this.facts = options.facts ?? {};
    this.snapshots.set(103, [
      { name: 'before-upgrade', takenAt: Date.UTC(2026, 10, 1), description: 'pg 16' },
    ]);
    this.current = this.build(false);
  }

  // ---- Engine ----

  snapshot(): EngineSnapshot {
    return this.current;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async refresh(): Promise<void> {
    this.refreshCount++;
    this.machines = this.machines.map((m) => this.withUsage(m));
    this.current = { ...this.build(false), refreshedAt: this.scheduler.now() };
    this.emit();
  }

  /** Test hook: changes the host behind the engine's back (seen at the next refresh). */
  mutate(change: (machines: MachineRow[]) => MachineRow[]): void {
    this.machines = change([...this.machines]).sort((a, b) => a.id - b.id);
  }

  async details(id: GuestId): Promise<GuestDetails> {
    const m = this.find(id);
    if (!m) throw new Error(`guest ${id} is neither in the config nor on the host`);
    const drifted = m.specState === 'drifted';
    const absent = m.status === 'absent';
    const managed = m.specState !== 'unmanaged';
    const field = (key: string, desired: string | undefined, live: string | undefined) => ({
      key,
      desired: managed ? desired : undefined,
      live: absent ? undefined : live,
      drifted: managed && !absent && desired !== live,
    });
    const memory = String(m.maxmem / 1024 ** 2);
    const fields = [
      field('name', m.name, m.name),
      field('cores', '4', drifted ? '2' : '4'),
      field('memory', drifted ? '8192' : memory, memory),
      field(
        'net0',
        'virtio,bridge=vmbr0,firewall=1',
        drifted ? 'virtio,bridge=vmbr0' : 'virtio,bridge=vmbr0,firewall=1',
      ),
      field('onboot', '1', '1'),
      field('tags', m.tags.join(';'), m.tags.join(';')),
    ];
    const plan: PlannedStep[] =
      m.specState === 'missing' || m.specState === 'drifted'
        ? stepsFor(m).map(({ id: stepId, title, commands }) => ({ id: stepId, title, commands }))
        : [];
    return {
      id,
      name: m.name,
      type: m.type,
      specState: m.specState,
      source: managed
        ? `${this.host.configDir}/${m.type === 'qemu' ? 'vms' : 'lxc'}.json`
        : undefined,
      fields,
      snapshots: this.snapshots.get(id) ?? [],
      recentRuns: this.runs()
        .filter((r) => r.guestIds.includes(id))
        .slice(0, 5),
      plan,
    };
  }

  check(verb: ActionVerb, ids: readonly GuestId[]): ActionCheck[] {
    return ids.map((id) => {
      const reason = this.refusal(verb, id);
      return reason ? { id, allowed: false, reason } : { id, allowed: true };
    });
  }

  async act(
    verb: LifecycleVerb,
    ids: readonly GuestId[],
    options: ActionOptions = {},
  ): Promise<ActionOutcome> {
    const results: ActionResult[] = [];
    for (const id of ids) {
      const reason = this.refusal(verb, id);
      if (reason) {
        results.push({ id, ok: false, message: reason });
        continue;
      }
      if (verb === 'snapshot') {
        const name = options.snapshotName ?? '';
        if (!/^[A-Za-z][A-Za-z0-9_-]{1,39}$/.test(name)) {
          results.push({
            id,
            ok: false,
            message: `invalid snapshot name '${name}': 2-40 letters, digits, _ or -, starting with a letter`,
          });
          continue;
        }
        const list = this.snapshots.get(id) ?? [];
        list.push({ name, takenAt: this.scheduler.now() });
        this.snapshots.set(id, list);
      } else {
        this.apply1(verb, id);
      }
      results.push({ id, ok: true, message: `${id} ${verbPast[verb]}` });
    }
    this.current = { ...this.build(false), refreshedAt: this.current.refreshedAt };
    this.emit();
    return { verb, results };
  }

  apply(ids: readonly GuestId[]): RunHandle {
    const guests = ids
      .map((id) => this.find(id))
      .filter((m): m is MachineRow => m !== undefined && !this.refusal('apply', m.id));
    const run = new FakeRun(this, `run-${String(++this.runSeq).padStart(4, '0')}`, guests);
    this.runList.unshift(run);
    run.start();
    this.current = { ...this.current, activeRunIds: this.activeRuns() };
    this.emit();
    return run;
  }

  async setupFacts(): Promise<SetupFacts> {
    return fakeSetupFacts();
  }

  async planSetup(draft: SetupDraft): Promise<readonly PlannedStep[]> {
    return fakeSetupPlan(draft);
  }

  /** The answers saved by the setup wizard (the fake keeps them in memory). */
  setupDraft: SetupDraft | undefined;

  async saveSetup(draft: SetupDraft): Promise<{ file: string }> {
    this.setupDraft = draft;
    return { file: `${this.host.configDir}/phoenix_hypervisor_config.json` };
  }

  applySetup(draft: SetupDraft): RunHandle {
    this.setupDraft = draft;
    const host: MachineRow = {
      id: HOST_RUN_GUEST,
      type: 'qemu',
      name: 'host setup',
      node: this.host.node,
      status: 'running',
      specState: 'in-sync',
      cpu: 0,
      mem: 0,
      maxmem: 0,
      tags: [],
      template: false,
    };
    const run = new FakeRun(this, `run-${String(++this.runSeq).padStart(4, '0')}`, [host]);
    this.runList.unshift(run);
    run.start();
    this.current = { ...this.current, activeRunIds: this.activeRuns() };
    this.emit();
    return run;
  }

  async setupStatus(): Promise<readonly SetupItem[]> {
    return [
      { id: 'storage:local-lvm', area: 'storage', title: 'LVM-thin pool local-lvm', state: 'done' },
      {
        id: 'storage:fastdata',
        area: 'storage',
        title: 'ZFS pool fastdata (mirror)',
        state: 'missing',
        detail: 'disks /dev/nvme0n1 /dev/nvme1n1 are unused',
      },
      { id: 'network:vmbr0', area: 'network', title: 'Bridge vmbr0 on eno1', state: 'done' },
      {
        id: 'network:vmbr1',
        area: 'network',
        title: 'Bridge vmbr1 (VLAN aware)',
        state: 'drifted',
        detail: 'bridge-vlan-aware is off on the host',
      },
      {
        id: 'users:phoenix',
        area: 'users',
        title: 'User phoenix@pam with an SSH key',
        state: 'done',
      },
      {
        id: 'drivers:nvidia',
        area: 'drivers',
        title: 'NVIDIA driver 550 for passthrough',
        state: 'unknown',
        detail: 'nvidia-smi not found',
      },
      {
        id: 'images:ubuntu-2404',
        area: 'images',
        title: 'Cloud image ubuntu-24.04',
        state: 'done',
      },
      {
        id: 'images:debian-12',
        area: 'images',
        title: 'LXC template debian-12-standard',
        state: 'missing',
      },
    ];
  }

  runs(): readonly RunSummary[] {
    return this.runList.map((r) => {
      const { guests: _guests, ...summary } = r.state();
      return summary;
    });
  }

  run(id: string): RunHandle | undefined {
    return this.runList.find((r) => r.id === id);
  }

  async hostFacts(): Promise<HostFacts> {
    const usedIds = this.machines.map((m) => m.id);
    let nextId = 100;
    while (usedIds.includes(nextId)) nextId++;
    return {
      ...demoHostFacts(),
      node: this.host.node,
      nextId,
      usedIds,
      usedNames: this.machines.map((m) => m.name.toLowerCase()),
      ...this.facts,
    };
  }

  checkDraft(draft: GuestDraft): DraftProblem[] {
    const problems = this.drafts.check(this.configTexts, draft);
    const taken = this.find(draftId(draft));
    if (taken && !problems.some((p) => p.field === (draft.kind === 'qemu' ? 'vm_id' : 'ctid')))
      problems.unshift({
        field: draft.kind === 'qemu' ? 'vm_id' : 'ctid',
        severity: 'error',
        message: `ID ${taken.id} is already used on the host by "${taken.name}"`,
      });
    return problems;
  }

  /** Not a real crypt(3) hash: the fake never reaches a host. Same shape as one ($6$salt$hash). */
  async hashPassword(password: string): Promise<string> {
    const digest = createHash('sha512').update(password).digest('base64').replace(/[+=]/g, '.');
    return `$6$fakesalt$${digest}`;
  }

  async planDraft(draft: GuestDraft): Promise<readonly PlannedStep[]> {
    const name = draft.kind === 'qemu' ? draft.entry.vm_name : draft.entry.name;
    return stepsFor(row(draftId(draft), draft.kind, name, 'absent', 'missing', []));
  }

  async defineGuest(draft: GuestDraft): Promise<{ file: string; id: GuestId }> {
    const errors = this.checkDraft(draft).filter((p) => p.severity === 'error');
    if (errors.length > 0) throw new Error(errors[0]!.message);
    this.configTexts = stageDraftText(this.configTexts, draft);
    const id = draftId(draft);
    const name = draft.kind === 'qemu' ? draft.entry.vm_name : draft.entry.name;
    const tags = Array.isArray(draft.entry.tags) ? (draft.entry.tags as string[]) : [];
    this.machines = [
      ...this.machines,
      row(id, draft.kind, name, 'absent', 'missing', tags, { mem: 0 }),
    ].sort((a, b) => a.id - b.id);
    this.current = { ...this.build(false), refreshedAt: this.current.refreshedAt };
    this.emit();
    return {
      file: `${this.host.configDir}/${draft.kind === 'qemu' ? 'phoenix_vm_configs.json' : 'phoenix_lxc_configs.json'}`,
      id,
    };
  }

  // ---- used by FakeRun ----

  /** @internal */
  get timing(): { scheduler: Scheduler; stepMs: number; logLines: number; parallelism: number } {
    return {
      scheduler: this.scheduler,
      stepMs: this.stepMs,
      logLines: this.logLinesPerStep,
      parallelism: this.parallelism,
    };
  }

  /** @internal Whether this attempt of a step fails (consumes one injected failure). */
  shouldFail(guestId: GuestId, stepId: string): boolean {
    const key = `${guestId}/${stepId}`;
    const left = this.failures.get(key) ?? 0;
    if (left <= 0) return false;
    this.failures.set(key, left - 1);
    return true;
  }

  /** @internal */
  planSteps(guestId: GuestId): { id: string; title: string; commands: string[] }[] {
    if (guestId === HOST_RUN_GUEST && this.setupDraft) return fakeSetupPlan(this.setupDraft);
    const m = this.find(guestId);
    return m ? stepsFor(m) : [];
  }

  /** @internal A guest's run ended: converge it, or undo what the run created. */
  guestDone(guestId: GuestId, outcome: 'ok' | 'destroyed' | 'left'): void {
    this.machines = this.machines.map((m) => {
      if (m.id !== guestId) return m;
      if (outcome === 'ok')
        return this.withUsage({
          ...m,
          specState: 'in-sync',
          status: 'running',
          mem: m.maxmem * 0.3,
        });
      if (outcome === 'destroyed')
        return { ...m, status: 'absent', specState: 'missing', cpu: 0, mem: 0 };
      return m.specState === 'missing' ? { ...m, status: 'stopped', specState: 'drifted' } : m;
    });
    this.current = { ...this.build(false), refreshedAt: this.current.refreshedAt };
    this.emit();
  }

  /** @internal */
  runChanged(): void {
    const active = this.activeRuns();
    if (active.join() !== this.current.activeRunIds.join()) {
      this.current = { ...this.current, activeRunIds: active };
      this.emit();
    }
  }

  // ---- internals ----

  private activeRuns(): string[] {
    return this.runList
      .filter((r) => r.state().status === 'running' || r.state().status === 'waiting')
      .map((r) => r.id);
  }

  private find(id: GuestId): MachineRow | undefined {
    return this.machines.find((m) => m.id === id);
  }

  private build(refreshing: boolean): EngineSnapshot {
    return {
      host: this.host,
      machines: this.machines,
      refreshedAt: this.current?.refreshedAt,
      refreshing,
      configProblems: [],
      activeRunIds: this.current?.activeRunIds ?? [],
    };
  }

  private withUsage(m: MachineRow): MachineRow {
    if (m.status !== 'running') return { ...m, cpu: 0 };
    const cpu = ((m.id * 37 + this.refreshCount * 13) % 100) / 200;
    return { ...m, cpu };
  }

  private emit(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private refusal(verb: ActionVerb, id: GuestId): string | undefined {
    const m = this.find(id);
    if (!m) return `${id} is neither in the config nor on the host`;
    const tool = m.type === 'qemu' ? 'qm' : 'pct';
    if (verb === 'apply') {
      if (m.specState === 'unmanaged') return `${id} is not in the config: nothing to apply`;
      if (m.specState === 'in-sync') return `${id} is already in sync with the config`;
      if (m.specState === 'template')
        return `${id} is a template: it is built by 'phoenix template'`;
      if (this.activeRuns().some((r) => this.run(r)?.state().guestIds.includes(id)))
        return `${id} is already part of a running apply`;
      return undefined;
    }
    if (m.status === 'absent') return `${id} does not exist on the host yet: apply it first`;
    if (m.lock) return `${id} is locked (${m.lock}): wait for it, or '${tool} unlock ${id}'`;
    switch (verb) {
      case 'start':
        if (m.template) return `${id} is a template: templates cannot be started`;
        if (m.status === 'running') return `${id} is already running`;
        return undefined;
      case 'shutdown':
      case 'reboot':
        if (m.status !== 'running') return `${id} is not running`;
        return undefined;
      case 'stop':
        if (m.status !== 'running' && m.status !== 'paused') return `${id} is not running`;
        return undefined;
      case 'snapshot':
        if (m.template) return `${id} is a template: clone it instead of taking snapshots`;
        return undefined;
      case 'delete': {
        if (m.protected)
          return `${id} is protected: unset it first with '${tool} set ${id} --protection 0'`;
        const clones = (clonesOf[id] ?? []).filter(
          (c) => this.find(c) && this.find(c)?.status !== 'absent',
        );
        if (m.template && clones.length > 0)
          return `${id} is a template with linked clones (${clones.join(', ')}): delete them first`;
        if (m.status === 'running' || m.status === 'paused')
          return `${id} is running: stop it first`;
        return undefined;
      }
    }
  }

  private apply1(verb: LifecycleVerb, id: GuestId): void {
    this.machines = this.machines.flatMap((m): MachineRow[] => {
      if (m.id !== id) return [m];
      switch (verb) {
        case 'start':
        case 'reboot':
          return [this.withUsage({ ...m, status: 'running', mem: Math.round(m.maxmem * 0.35) })];
        case 'shutdown':
        case 'stop':
          return [{ ...m, status: 'stopped', cpu: 0, mem: 0 }];
        case 'delete':
          // A managed guest stays in the table as 'missing': the config still wants it.
          return m.specState === 'unmanaged' || m.specState === 'template'
            ? []
            : [{ ...m, status: 'absent', specState: 'missing', cpu: 0, mem: 0 }];
        case 'snapshot':
          return [m];
      }
    });
  }
}

/** One apply: each guest runs its steps in order; guests run in parallel up to `parallelism`. */
class FakeRun implements RunHandle {
  readonly id: string;
  private status: RunStatus = 'running';
  private readonly startedAt: number;
  private finishedAt: number | undefined;
  private guests: RunGuest[];
  private readonly logs = new Map<GuestId, string[]>();
  private readonly listeners = new Set<(event: RunEvent) => void>();
  private readonly commands = new Map<
    GuestId,
    { id: string; title: string; commands: string[] }[]
  >();
  private readonly done = new Set<GuestId>();
  private readonly queue: GuestId[];
  private cancels: (() => void)[] = [];
  private running = 0;

  constructor(
    private readonly engine: FakeEngine,
    id: string,
    machines: MachineRow[],
  ) {
    this.id = id;
    this.startedAt = engine.timing.scheduler.now();
    this.guests = machines.map((m) => {
      const steps = engine.planSteps(m.id);
      this.commands.set(m.id, steps);
      this.logs.set(m.id, []);
      return {
        id: m.id,
        name: m.name,
        steps: steps.map((s) => ({ id: s.id, title: s.title, status: 'pending' as const })),
      };
    });
    this.queue = this.guests.map((g) => g.id);
  }

  state(): RunState {
    return {
      id: this.id,
      title: `apply ${this.guests.map((g) => g.id).join(', ')}`,
      guestIds: this.guests.map((g) => g.id),
      status: this.status,
      startedAt: this.startedAt,
      finishedAt: this.finishedAt,
      guests: this.guests,
    };
  }

  logTail(guestId: GuestId, lines: number): readonly string[] {
    return (this.logs.get(guestId) ?? []).slice(-lines);
  }

  subscribe(listener: (event: RunEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async resolve(guestId: GuestId, action: FailureAction): Promise<void> {
    const guest = this.guests.find((g) => g.id === guestId);
    if (!guest?.failure) return;
    this.updateGuest(guestId, (g) => ({ ...g, failure: undefined }));
    this.status = 'running';
    this.emit({ type: 'failure-resolved', runId: this.id, at: this.now(), guestId, action });
    if (action === 'retry') {
      const index = guest.steps.findIndex((s) => s.status === 'failed');
      this.running++;
      this.runStep(guestId, index);
      return;
    }
    if (action === 'destroy') {
      this.log(
        guestId,
        guest.steps[0]?.id ?? 'destroy',
        `destroying what ${this.id} created for ${guestId}`,
      );
      this.engine.guestDone(guestId, 'destroyed');
    } else {
      this.engine.guestDone(guestId, 'left');
    }
    this.guestFinished(guestId, false);
  }

  abort(): void {
    if (this.finishedAt !== undefined) return;
    for (const cancel of this.cancels) cancel();
    this.cancels = [];
    this.guests = this.guests.map((g) => ({
      ...g,
      steps: g.steps.map((s) => (s.status === 'running' ? { ...s, status: 'failed' as const } : s)),
    }));
    this.finish('interrupted');
  }

  /** @internal */
  start(): void {
    this.emit({ type: 'run-started', runId: this.id, at: this.now(), guests: this.guests });
    this.pump();
    if (this.guests.length === 0) this.finish('succeeded');
  }

  private now(): number {
    return this.engine.timing.scheduler.now();
  }

  private pump(): void {
    while (this.running < this.engine.timing.parallelism && this.queue.length > 0) {
      const guestId = this.queue.shift()!;
      this.running++;
      this.runStep(guestId, 0);
    }
  }

  private later(ms: number, fn: () => void): void {
    const cancel = this.engine.timing.scheduler.after(ms, () => {
      this.cancels = this.cancels.filter((c) => c !== cancel);
      fn();
    });
    this.cancels.push(cancel);
  }

  private runStep(guestId: GuestId, index: number): void {
    const plan = this.commands.get(guestId) ?? [];
    const step = plan[index];
    if (!step) {
      this.engine.guestDone(guestId, 'ok');
      this.guestFinished(guestId, true);
      return;
    }
    const { stepMs, logLines } = this.engine.timing;
    const startedAt = this.now();
    this.setStep(guestId, step.id, { status: 'running', startedAt, durationMs: undefined });
    this.emit({ type: 'step-started', runId: this.id, at: startedAt, guestId, stepId: step.id });
    const command = step.commands[0] ?? step.title;
    this.emit({
      type: 'command',
      runId: this.id,
      at: startedAt,
      guestId,
      stepId: step.id,
      command,
    });
    this.log(guestId, step.id, `$ ${command}`);
    for (let i = 1; i <= logLines; i++) {
      this.later((stepMs * i) / (logLines + 1), () =>
        this.log(guestId, step.id, `[${step.id}] ${i}/${logLines} working on ${guestId}`),
      );
    }
    this.later(stepMs, () => {
      const durationMs = this.now() - startedAt;
      if (this.engine.shouldFail(guestId, step.id)) {
        const message = `${command.split(' ')[0]}: command 'apt-get install -y ollama' failed: exit code 100`;
        this.log(guestId, step.id, 'E: Unable to locate package ollama');
        this.setStep(guestId, step.id, { status: 'failed', durationMs });
        this.emit({
          type: 'step-finished',
          runId: this.id,
          at: this.now(),
          guestId,
          stepId: step.id,
          status: 'failed',
          durationMs,
        });
        const failure: StepFailure = {
          command,
          exitCode: 100,
          message,
          logTail: this.logTail(guestId, 20),
          hint: "The package source is missing: check the feature script's apt repository, then retry.",
        };
        this.updateGuest(guestId, (g) => ({ ...g, failure }));
        this.status = 'waiting';
        this.running--;
        this.emit({
          type: 'failure',
          runId: this.id,
          at: this.now(),
          guestId,
          stepId: step.id,
          failure,
        });
        this.engine.runChanged();
        this.pump();
        return;
      }
      this.setStep(guestId, step.id, { status: 'ok', durationMs });
      this.emit({
        type: 'step-finished',
        runId: this.id,
        at: this.now(),
        guestId,
        stepId: step.id,
        status: 'ok',
        durationMs,
      });
      this.runStep(guestId, index + 1);
    });
  }

  private guestFinished(guestId: GuestId, ok: boolean): void {
    this.done.add(guestId);
    if (ok) this.running--;
    this.pump();
    const waiting = this.guests.some((g) => g.failure);
    if (waiting) {
      this.status = 'waiting';
      return;
    }
    if (this.done.size === this.guests.length) {
      const failed = this.guests.some((g) => g.steps.some((s) => s.status === 'failed'));
      this.finish(failed ? 'failed' : 'succeeded');
    }
  }

  private finish(status: 'succeeded' | 'failed' | 'interrupted'): void {
    this.status = status;
    this.finishedAt = this.now();
    this.emit({ type: 'run-finished', runId: this.id, at: this.finishedAt, status });
    this.engine.runChanged();
  }

  private log(guestId: GuestId, stepId: string, line: string): void {
    const lines = this.logs.get(guestId);
    if (!lines) return;
    lines.push(line);
    if (lines.length > 10_000) lines.splice(0, lines.length - 10_000);
    this.emit({ type: 'log', runId: this.id, at: this.now(), guestId, stepId, line });
  }

  private setStep(
    guestId: GuestId,
    stepId: string,
    change: Partial<RunGuest['steps'][number]>,
  ): void {
    this.updateGuest(guestId, (g) => ({
      ...g,
      steps: g.steps.map((s) => (s.id === stepId ? { ...s, ...change } : s)),
    }));
  }

  private updateGuest(guestId: GuestId, change: (g: RunGuest) => RunGuest): void {
    this.guests = this.guests.map((g) => (g.id === guestId ? change(g) : g));
  }

  private emit(event: RunEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}

/** What the demo host offers the wizards. */
export function demoHostFacts(): HostFacts {
  const GB = 1000 ** 3;
  return {
    node: 'pve1',
    nextId: 100,
    usedIds: [],
    usedNames: [],
    imageStorages: [
      {
        id: 'local-lvm',
        type: 'lvmthin',
        availableBytes: 180 * GB,
        totalBytes: 400 * GB,
        active: true,
      },
      {
        id: 'fastdata',
        type: 'zfspool',
        availableBytes: 1200 * GB,
        totalBytes: 2000 * GB,
        active: true,
      },
    ],
    rootdirStorages: [
      {
        id: 'local-lvm',
        type: 'lvmthin',
        availableBytes: 180 * GB,
        totalBytes: 400 * GB,
        active: true,
      },
    ],
    bridges: [
      { name: 'vmbr0', cidr: '10.0.0.2/24', vlanAware: false },
      { name: 'vmbr1', vlanAware: true },
    ],
    templates: [
      { id: 9000, name: 'ubuntu-2404-tmpl', type: 'qemu', where: 'host+config' },
      { id: 900, name: 'debian-12-base', type: 'lxc', where: 'config' },
    ],
    osTemplates: [
      {
        volid: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
        file: 'debian-12-standard_12.7-1_amd64.tar.zst',
        downloaded: true,
      },
      {
        volid: 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst',
        file: 'ubuntu-24.04-standard_24.04-2_amd64.tar.zst',
        downloaded: false,
      },
    ],
    gpus: [],
    sshKeys: [
      {
        label: '~/.ssh/id_ed25519.pub admin@workstation',
        key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHJFoReWUwqimvy6rJjJeHVGmKk2N5uYmzLWDqtkAMZN admin@workstation',
      },
    ],
    features: {
      vm: [
        { name: 'base_setup', description: 'base packages' },
        { name: 'docker', description: 'Docker Engine' },
      ],
      lxc: [{ name: 'docker', description: 'Docker Engine' }],
    },
    defaults: {
      vm: {
        cpu_sockets: 1,
        cpu_cores: 2,
        memory_mb: 4096,
        boot_disk_size_gb: 50,
        boot_disk_storage: 'local-lvm',
        network_bridge: 'vmbr0',
        network_model: 'virtio',
        os_type: 'l26',
      },
      lxc: {
        memory_mb: 512,
        swap_mb: 512,
        cores: 1,
        storage_pool: 'local-lvm',
        storage_size_gb: 8,
        unprivileged: true,
        network_config: { name: 'eth0', bridge: 'vmbr0', ip: 'dhcp' },
      },
    },
    problems: [],
  };
}

/** The engine behind PHOENIX_FAKE_ENGINE=1: the demo host, real time, one injected failure. */
export function createDemoFakeEngine(options: Pick<FakeEngineOptions, 'stepMs'> = {}): FakeEngine {
  return new FakeEngine({ failures: demoFailures, ...options });
}

/** A fresh host as the fake's setup wizard sees it. */
function fakeSetupFacts(): SetupFacts {
  const step = (id: SetupStepId, title: string, explanation: string, suggested: boolean) => ({
    id,
    title,
    explanation,
    suggested,
  });
  return {
    steps: [
      step('repositories', 'Package repositories', 'Adds pve-no-subscription.', true),
      step('base_packages', 'Base packages', 'Installs the admin tools that are missing.', true),
      step('timezone', 'Time zone and NTP', 'Sets the time zone and turns NTP on.', false),
      step('admin_user', 'Admin user', 'A Linux and @pam admin with your SSH key.', true),
      step('zfs', 'ZFS pool and storages', 'A pool from unused disks, as storages.', false),
      step('network', 'Network bridges', 'Checks vmbr0; adds an internal NAT bridge.', false),
      step('firewall', 'Firewall', 'The cluster firewall with SSH and the web UI open.', false),
    ],
    preselected: ['repositories', 'base_packages', 'admin_user'],
    timezones: ['America/New_York', 'Europe/Berlin', 'Europe/London', 'UTC'],
    timezone: 'UTC',
    sshKeys: [
      { label: '~/.ssh/id_ed25519.pub admin@ws', key: 'ssh-ed25519 AAAAC3NzaFake admin@ws' },
    ],
    freeDisks: [
      { byId: '/dev/disk/by-id/nvme-FAKE_1', device: 'nvme0n1', sizeBytes: 1e12, holds: '' },
      {
        byId: '/dev/disk/by-id/nvme-FAKE_2',
        device: 'nvme1n1',
        sizeBytes: 1e12,
        holds: 'ext4 "old-data"',
      },
    ],
    kept: { nfsExports: 0, sambaShares: 0, firewall: false },
    lan: '192.168.1.0/24',
    nvidiaVersion: '580.76.05',
    nvidiaGpu: false,
    problems: [],
  };
}

function fakeSetupPlan(draft: SetupDraft): { id: string; title: string; commands: string[] }[] {
  const titles = new Map(fakeSetupFacts().steps.map((s) => [s.id, s.title]));
  return draft.choices.steps.map((id) => ({
    id,
    title: titles.get(id) ?? id,
    commands: [`command  features/hypervisor/${id}.sh apply`],
  }));
}
