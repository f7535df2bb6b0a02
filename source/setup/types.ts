/**
 * `phoenix setup`: a fresh Proxmox VE host to a ready one, through host step scripts
 * (features/hypervisor/*.sh) run by the pipeline runner. React-free: the CLI and the TUI both
 * drive it through source/setup/index.ts.
 */

/** The steps, in the order they run (the NVIDIA driver last: it ends with a reboot). */
export const SETUP_STEP_IDS = [
  'repositories',
  'base_packages',
  'timezone',
  'admin_user',
  'zfs',
  'network',
  'nfs',
  'samba',
  'firewall',
  'nvidia',
] as const;
export type SetupStepId = (typeof SETUP_STEP_IDS)[number];

export interface SetupStepInfo {
  id: SetupStepId;
  title: string;
  /** What the step does and why, for the prompt before the user chooses it. */
  explanation: string;
  /** What `phoenix setup --undo <id>` reverts, and what it keeps. */
  undo: string;
  /** Script file name in features/hypervisor/. */
  script: string;
  /** Config keys the step reads. */
  configKeys: string[];
}

export type PreflightStatus = 'fine' | 'needs-setup' | 'problem';

/** One fact of the preflight report. */
export interface PreflightItem {
  id: string;
  title: string;
  status: PreflightStatus;
  /** What was found, one line. */
  detail: string;
  /** How to fix it (a step of `phoenix setup`, or a manual action). */
  fix?: string;
  /** The setup step that fixes it, when there is one. */
  step?: SetupStepId;
}

/** A disk under /dev/disk/by-id that is (or is not) free for a ZFS pool. */
export interface DiskInfo {
  /** /dev/disk/by-id/… */
  byId: string;
  /** The kernel name it points at (sdb, nvme1n1). */
  device: string;
  sizeBytes?: number;
  model?: string;
  /** The pool it belongs to. */
  pool?: string;
  /** Partitions or signatures found; empty when blank. */
  holds: string;
}

export interface PreflightReport {
  items: PreflightItem[];
  /** Facts the wizard offers as choices. */
  facts: {
    proxmoxVersion?: string;
    codename?: string;
    bridges: string[];
    storages: { id: string; type: string }[];
    pools: string[];
    disks: DiskInfo[];
    gpus: string[];
    nvidiaDriver?: string;
    timezone?: string;
    /** Setup stopped for a reboot that has not happened yet. */
    waitingForReboot?: SetupStepId;
  };
}

/** What the check mode of a step says it would do. */
export interface StepCheck {
  step: SetupStepId;
  /** in-place: nothing to do; changes: the lists say what; waiting-reboot: applied, reboot first; problem: it cannot run. */
  state: 'in-place' | 'changes' | 'waiting-reboot' | 'problem';
  files: string[];
  commands: string[];
  /** Disks that would be wiped: by-id name and what they hold. */
  wipes: { disk: string; holds: string }[];
  notes: string[];
  reboot: boolean;
  /** For 'problem': the script's error message and exit code. */
  message?: string;
  exitCode?: number;
}

/** The result of a whole `phoenix setup` run. */
export interface SetupOutcome {
  runId: string;
  status: 'succeeded' | 'failed' | 'interrupted';
  /** Steps that changed something. */
  changed: SetupStepId[];
  /** A step installed something that needs a reboot; run setup again afterwards. */
  rebootRequired?: SetupStepId;
}

/** One applied run of one step, as kept in the journal. */
export interface JournalEntry {
  step: SetupStepId;
  runId: string;
  at: string;
  status: 'applied' | 'undone';
  undoneAt?: string;
  /** Every file the step changed: digests before and after (null: the file did not exist). */
  files: { path: string; before: string | null; after: string | null; backup?: string }[];
  /** Every command it ran (secrets never appear on a command line). */
  commands: string[];
  /** What it created (only these are ever removed by undo). */
  created: { kind: string; name: string }[];
}
