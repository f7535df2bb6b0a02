// The engine façade: everything the TUI (and later the plain CLI) needs from Phoenix's core,
// without React and without knowing how the host is reached. The real engine (host adapter,
// inventory, reconcile, plan, runner, run store) implements `Engine`; source/engine/fake-engine.ts
// is a deterministic implementation for tests and UI development.

import type { SetupChoices } from '../setup/choices.js';
import type { SetupStepId } from '../setup/types.js';

export type { SetupChoices, SetupStepId };

/** Proxmox VMID. */
export type GuestId = number;

export type GuestType = 'qemu' | 'lxc';

/** How a guest relates to the config. */
export type SpecState =
  /** In the config, not on the host. */
  | 'missing'
  /** On the host and matching the config. */
  | 'in-sync'
  /** On the host, but at least one field differs from the config. */
  | 'drifted'
  /** On the host, not in the config. */
  | 'unmanaged'
  /** A template (in the config or not). */
  | 'template';

/** Live status as Proxmox reports it; 'absent' when the guest exists only in the config. */
export type GuestStatus = 'running' | 'stopped' | 'paused' | 'suspended' | 'unknown' | 'absent';

/** One row of the machine table: config and live state merged. */
export interface MachineRow {
  id: GuestId;
  type: GuestType;
  name: string;
  node: string;
  status: GuestStatus;
  specState: SpecState;
  /** CPU use, 0..1 of the guest's cores; 0 when not running. */
  cpu: number;
  /** Memory in use and configured maximum, bytes. */
  mem: number;
  maxmem: number;
  tags: readonly string[];
  template: boolean;
  /** A Proxmox lock (`backup`, `clone`, `migrate`, …) when one is held. */
  lock?: string;
  /** `protection: 1` on the host. */
  protected?: boolean;
}

export interface HostSummary {
  node: string;
  /** Cluster name when the node is part of one. */
  cluster?: string;
  /** e.g. "9.0.3" */
  pveVersion: string;
  /** Where the config was read from. */
  configDir: string;
}

export interface EngineSnapshot {
  host: HostSummary;
  /** Every guest known from the config or the host, ordered by id. */
  machines: readonly MachineRow[];
  /** Epoch ms of the last completed refresh; undefined before the first one. */
  refreshedAt?: number;
  refreshing: boolean;
  /** Why the last refresh failed (the previous data is kept). */
  refreshError?: string;
  /** Config problems that keep some guests from being planned (file:line: message). */
  configProblems: readonly string[];
  /** Runs that have not finished. */
  activeRunIds: readonly string[];
}

/** Lifecycle verbs that act at once on existing guests. */
export type LifecycleVerb = 'start' | 'shutdown' | 'stop' | 'reboot' | 'delete' | 'snapshot';

/** Everything a user can ask for on a set of guests. */
export type ActionVerb = LifecycleVerb | 'apply';

export interface ActionOptions {
  /** Required for 'snapshot': the snapshot name (Proxmox: letters, digits, _ and -, 2..40). */
  snapshotName?: string;
}

/** Whether a verb may run on one guest, and why not. */
export interface ActionCheck {
  id: GuestId;
  allowed: boolean;
  /** Why it is refused, in the user's words ("protected: unset protection first"). */
  reason?: string;
}

export interface ActionResult {
  id: GuestId;
  ok: boolean;
  /** What happened, e.g. "started" or Proxmox's error message. */
  message: string;
}

export interface ActionOutcome {
  verb: LifecycleVerb;
  results: readonly ActionResult[];
}

/** One field of the merged view: what the config wants and what the host has. */
export interface DetailField {
  /** Dotted key, e.g. "memory", "net0", "cloudinit.user". */
  key: string;
  desired?: string;
  live?: string;
  drifted: boolean;
}

export interface SnapshotInfo {
  name: string;
  /** Epoch ms, when known. */
  takenAt?: number;
  description?: string;
  /** The snapshot the guest currently runs from. */
  current?: boolean;
}

/** A step the plan would run for this guest, with the exact commands. */
export interface PlannedStep {
  id: string;
  title: string;
  commands: readonly string[];
}

export interface GuestDetails {
  id: GuestId;
  name: string;
  type: GuestType;
  specState: SpecState;
  /** Config file the guest comes from, when it is managed. */
  source?: string;
  fields: readonly DetailField[];
  snapshots: readonly SnapshotInfo[];
  recentRuns: readonly RunSummary[];
  /** Empty when the guest is in sync. */
  plan: readonly PlannedStep[];
}

// ---- runs -------------------------------------------------------------------------------------

export type StepStatus = 'pending' | 'running' | 'ok' | 'failed' | 'skipped';

export type RunStatus =
  | 'running'
  /** A step failed; the run waits for the user's decision (FailureAction). */
  | 'waiting'
  | 'succeeded'
  | 'failed'
  | 'interrupted';

export interface StepFailure {
  /** The command that failed, as it was run. */
  command: string;
  exitCode?: number;
  /** Proxmox's own message (stderr), verbatim. */
  message: string;
  /** The last log lines before the failure (at most 20). */
  logTail: readonly string[];
  /** What the user can do about it. */
  hint?: string;
}

/** What the user decides after a failure. */
export type FailureAction =
  /** Run the failed step again. */
  | 'retry'
  /** Stop now; a later apply continues from the failed step. */
  | 'resume-later'
  /** Stop now and leave what was created as it is (for debugging). */
  | 'keep'
  /** Stop now and remove what this run created. */
  | 'destroy';

export interface RunStep {
  id: string;
  title: string;
  status: StepStatus;
  /** Epoch ms. */
  startedAt?: number;
  durationMs?: number;
}

export interface RunGuest {
  id: GuestId;
  name: string;
  steps: readonly RunStep[];
  failure?: StepFailure;
}

export interface RunSummary {
  id: string;
  /** e.g. "apply 101, 102" */
  title: string;
  guestIds: readonly GuestId[];
  status: RunStatus;
  startedAt: number;
  finishedAt?: number;
}

/** A run at one moment: what the pipeline view draws. */
export interface RunState extends RunSummary {
  guests: readonly RunGuest[];
}

export type RunEvent =
  | { type: 'run-started'; runId: string; at: number; guests: readonly RunGuest[] }
  | { type: 'step-started'; runId: string; at: number; guestId: GuestId; stepId: string }
  | {
      type: 'step-finished';
      runId: string;
      at: number;
      guestId: GuestId;
      stepId: string;
      status: 'ok' | 'failed' | 'skipped';
      durationMs: number;
    }
  | {
      type: 'command';
      runId: string;
      at: number;
      guestId: GuestId;
      stepId: string;
      command: string;
    }
  | { type: 'log'; runId: string; at: number; guestId: GuestId; stepId: string; line: string }
  | {
      type: 'failure';
      runId: string;
      at: number;
      guestId: GuestId;
      stepId: string;
      failure: StepFailure;
    }
  | { type: 'failure-resolved'; runId: string; at: number; guestId: GuestId; action: FailureAction }
  | {
      type: 'run-finished';
      runId: string;
      at: number;
      status: 'succeeded' | 'failed' | 'interrupted';
    };

/** A live or finished run. */
export interface RunHandle {
  readonly id: string;
  /** Steps and failures now (log lines are not part of it; see `logTail`). */
  state(): RunState;
  /** The last `lines` log lines of one guest (the whole log is in the run store). */
  logTail(guestId: GuestId, lines: number): readonly string[];
  /** Every event from now on; returns the unsubscribe function. */
  subscribe(listener: (event: RunEvent) => void): () => void;
  /** Answers a failure of one guest. */
  resolve(guestId: GuestId, action: FailureAction): Promise<void>;
  /** Stops the run (running steps are interrupted; the run ends 'interrupted'). */
  abort(): void;
}

// ---- host setup ------------------------------------------------------------------------------

export type SetupItemState = 'done' | 'missing' | 'drifted' | 'unknown';

/** One thing the host config (hypervisor setup) asks for, and whether the host has it. */
export interface SetupItem {
  id: string;
  /** e.g. 'storage', 'network', 'users', 'drivers', 'images' */
  area: string;
  title: string;
  state: SetupItemState;
  /** What differs or why it is unknown. */
  detail?: string;
}

/** The "guest" of a run that is not about a guest: host setup runs show the host as id 0. */
export const HOST_RUN_GUEST: GuestId = 0;

/** A setup step the wizard offers. */
export interface SetupStepFact {
  id: SetupStepId;
  title: string;
  /** What it does and why (one paragraph). */
  explanation: string;
  /** The preflight says the host needs it. */
  suggested: boolean;
}

/** A disk under /dev/disk/by-id that is in no pool (a candidate for a new ZFS pool). */
export interface FreeDiskFact {
  byId: string;
  device: string;
  sizeBytes?: number;
  model?: string;
  /** Partitions or signatures found: wiping it needs its by-id name typed. Empty when blank. */
  holds: string;
}

/** What the guided host setup offers: the preflight, the saved answers, the host's choices. */
export interface SetupFacts {
  steps: readonly SetupStepFact[];
  /** Ticked at the start: the saved steps, the steps of an interrupted setup, or the suggested. */
  preselected: readonly SetupStepId[];
  /** An earlier setup stopped for a reboot. */
  resume?: { step: SetupStepId; steps: readonly SetupStepId[]; rebooted: boolean };
  /** Area/City names the host knows (its zoneinfo). */
  timezones: readonly string[];
  /** The saved time zone, else the host's. */
  timezone: string;
  /** The saved admin user (its password hash stays in the config; never handed out). */
  user?: { username: string; hasPassword: boolean; sshKey?: string };
  sshKeys: readonly SshKeyFact[];
  freeDisks: readonly FreeDiskFact[];
  internalBridge?: { name: string; subnet: string };
  /** Sections the config already has, which setup keeps as they are. */
  kept: { nfsExports: number; sambaShares: number; firewall: boolean };
  /** The host's LAN (a default for NFS clients and firewall rules). */
  lan: string;
  nvidiaVersion: string;
  nvidiaGpu: boolean;
  /** Why setup cannot be applied from here (not root); the wizard still plans and saves. */
  cannotApply?: string;
  problems: readonly string[];
}

/** The wizard's result: the choices (saved as the config's answers) and the wipe consent. */
export interface SetupDraft {
  kind: 'setup';
  choices: SetupChoices;
  /** by-id names of disks holding data the user typed to allow wiping them (never saved). */
  consent: readonly string[];
}

// ---- wizards (define a VM or a container) ----------------------------------------------------

/** A storage a new guest's disk can go on, with its free space. */
export interface StorageFact {
  id: string;
  type: string;
  availableBytes: number;
  totalBytes: number;
  active: boolean;
}

export interface BridgeFact {
  name: string;
  /** The bridge's own address, when it has one (a hint for static IPs). */
  cidr?: string;
  vlanAware: boolean;
}

/** A template a new guest can be cloned from: on the host, in the config, or both. */
export interface TemplateFact {
  id: GuestId;
  name: string;
  type: GuestType;
  where: 'host' | 'config' | 'host+config';
}

/** A container OS template: downloaded (`local:vztmpl/…`) or in the `pveam` catalogue. */
export interface OsTemplateFact {
  /** What the config's `template` key gets: `storage:vztmpl/<file>`. */
  volid: string;
  file: string;
  downloaded: boolean;
}

export interface GpuFact {
  /** The index `gpu_assignment` uses. */
  index: number;
  name: string;
}

export interface SshKeyFact {
  /** Where it was found and its comment, e.g. "~/.ssh/id_ed25519.pub admin@ws". */
  label: string;
  key: string;
}

export interface FeatureFact {
  name: string;
  description: string;
}

/** What a wizard offers: the host's real resources, the config's defaults and IDs in use. */
export interface HostFacts {
  node: string;
  /** The lowest ID free on the host and in the config. */
  nextId: GuestId;
  /** IDs the config or the host already use (VMs and containers share one ID space). */
  usedIds: readonly GuestId[];
  /** Guest names in use (config and host), lower case. */
  usedNames: readonly string[];
  /** Storages that hold VM disks (`images`). */
  imageStorages: readonly StorageFact[];
  /** Storages that hold container root disks (`rootdir`). */
  rootdirStorages: readonly StorageFact[];
  bridges: readonly BridgeFact[];
  templates: readonly TemplateFact[];
  osTemplates: readonly OsTemplateFact[];
  gpus: readonly GpuFact[];
  sshKeys: readonly SshKeyFact[];
  features: { vm: readonly FeatureFact[]; lxc: readonly FeatureFact[] };
  /** `vm_defaults` / `lxc_defaults` over the built-in defaults, canonical keys. */
  defaults: { vm: Readonly<Record<string, unknown>>; lxc: Readonly<Record<string, unknown>> };
  /** Facts that could not be read (the wizard still works without them). */
  problems: readonly string[];
}

/** A guest as a wizard builds it: canonical keys, as they should appear in the config file. */
export type GuestDraft =
  | { kind: 'qemu'; entry: Record<string, unknown> & { vm_name: string; vm_id: number } }
  | { kind: 'lxc'; ctid: number; entry: Record<string, unknown> & { name: string } };

/** A finding of `phoenix validate` about a draft, placed on the field it concerns. */
export interface DraftProblem {
  /** Dotted canonical key inside the guest ("network_config.gw", "vm_id"); "" for the guest. */
  field: string;
  severity: 'error' | 'warning';
  message: string;
  hint?: string;
}

/** Phoenix's core, as the UI sees it. No method throws for a host failure: they report it. */
export interface Engine {
  /** The current state; the same object until something changes. */
  snapshot(): EngineSnapshot;
  /** Called after every change of `snapshot()`; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** Re-reads the host (one host process) and the config. */
  refresh(): Promise<void>;
  details(id: GuestId): Promise<GuestDetails>;
  /** Whether a verb may run on each guest (protection, templates with clones, locks, state). */
  check(verb: ActionVerb, ids: readonly GuestId[]): ActionCheck[];
  act(
    verb: LifecycleVerb,
    ids: readonly GuestId[],
    options?: ActionOptions,
  ): Promise<ActionOutcome>;
  /** Creates or converges the guests from the config; progress comes as run events. */
  apply(ids: readonly GuestId[]): RunHandle;
  /** The host setup the config asks for, item by item (applied by `phoenix setup`). */
  setupStatus(): Promise<readonly SetupItem[]>;
  /** Past and active runs, newest first. */
  runs(): readonly RunSummary[];
  run(id: string): RunHandle | undefined;
  /** What the define-a-guest wizards offer (host resources, config defaults, IDs in use). */
  hostFacts(): Promise<HostFacts>;
  /** The draft checked with the rules of `phoenix validate` (synchronous: runs as keys are typed). */
  checkDraft(draft: GuestDraft): DraftProblem[];
  /** A `$6$` crypt hash of a password; the password itself is kept nowhere. */
  hashPassword(password: string): Promise<string>;
  /** The plan of commands for the draft as if it were saved (nothing is written). */
  planDraft(draft: GuestDraft): Promise<readonly PlannedStep[]>;
  /** Validates the draft and writes it into its config file atomically, keeping the rest. */
  defineGuest(draft: GuestDraft): Promise<{ file: string; id: GuestId }>;
  /** What the guided host setup offers (the preflight and the saved answers). */
  setupFacts(): Promise<SetupFacts>;
  /** Every file, command and wipe the chosen setup steps would touch (nothing is changed). */
  planSetup(draft: SetupDraft): Promise<readonly PlannedStep[]>;
  /** Saves the choices into phoenix_hypervisor_config.json (atomically, keeping the rest). */
  saveSetup(draft: SetupDraft): Promise<{ file: string }>;
  /** Runs the saved setup steps; progress comes as run events (the host is guest 0). */
  applySetup(draft: SetupDraft): RunHandle;
}
