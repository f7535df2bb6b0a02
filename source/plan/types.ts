import type { GuestConfig, GuestType } from '../inventory/types.js';
import type { StepContext, StepResult } from '../runner/types.js';
import type { DirectoryState, Host } from '../host/index.js';

/** Something that stops a plan (error) or deserves a look (warning), with how to fix it. */
export interface Problem {
  severity: 'error' | 'warning';
  message: string;
  hint?: string;
}

/** One step as `phoenix plan` shows it. */
export interface PlannedStep {
  key: string;
  title: string;
  /** The exact commands the step would run now (empty: nothing to do). */
  commands: string[][];
  /** How the step behaves beyond its commands, e.g. "polled every 2 s, up to 5 min". */
  note?: string;
  /** Host files Phoenix changes itself (no Proxmox tool does it), e.g. a bind mount's directory. */
  changes?: string[];
}

export type GuestAction = 'create' | 'update' | 'none' | 'blocked';

export interface GuestPlan {
  id: number;
  type: GuestType;
  name: string;
  node: string;
  action: GuestAction;
  /** Steps with something to do, in order. */
  steps: PlannedStep[];
  problems: Problem[];
  /** Guests that must be provisioned first (clone source, `dependencies`). */
  dependsOn: number[];
  /** The config gave no ID: the plan picked this one (and apply writes it back). */
  assignedId?: boolean;
}

export interface Plan {
  guests: GuestPlan[];
}

/** What a step sees of its guest on the host: read live, or predicted for a guest not made yet. */
export interface GuestView {
  exists: boolean;
  config?: GuestConfig;
  status?: string;
  snapshots: string[];
  /** true when the view is a prediction (the guest does not exist yet). */
  predicted: boolean;
  /** Features already applied inside the guest: name → digest of what ran (read by the planner). */
  featureMarkers?: Record<string, string>;
  /** Bind mounts' directories on the guest's node: path → what is there (read by the planner). */
  hostDirectories?: Record<string, DirectoryState>;
  /** The container's OS template is on its storage of the guest's node (read by the planner). */
  osTemplateStored?: boolean;
}

/** What a pipeline step works with while it runs. */
export interface PipelineContext extends StepContext {
  readonly host: Host;
  /** The guest is on another node of the cluster: its commands are routed there (route.ts). */
  readonly remote: boolean;
  /** Runs a host command, reporting it to the run first. */
  exec(
    argv: readonly string[],
    options?: {
      input?: string;
      timeoutMs?: number;
      /** log each output line as it arrives */ stream?: boolean;
    },
  ): Promise<string>;
  /** Reads the guest's current view from the host (config always; status and snapshots on request). */
  view(parts?: { status?: boolean; snapshots?: boolean }): Promise<GuestView>;
}

/**
 * A step of a guest's pipeline. `preview` and `run` share one decision: given what the host has,
 * what must change. That is what makes every step idempotent and every plan honest.
 */
export interface PipelineStep {
  key: string;
  title: string;
  locks?: string[];
  timeoutMs?: number;
  note?: string;
  /** Only waits for the guest and reads: gives its concurrency slot up meanwhile (see RunStep). */
  waits?: boolean;
  preview(view: GuestView): string[][];
  /** Host file changes the step would make (shown by `phoenix plan` beside the commands). */
  changes?(view: GuestView): string[];
  run(context: PipelineContext): Promise<StepResult>;
}
