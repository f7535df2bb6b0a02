import {
  HostError,
  hintFor,
  redactArgv,
  type CallOptions,
  type Host,
  type HostResult,
} from '../host/index.js';
import type { GuestRef } from '../inventory/types.js';
import { StepError } from '../runner/step-error.js';
import type { RunStep, StepContext } from '../runner/types.js';
import { routeCommand } from './route.js';
import type { GuestView, PipelineContext, PipelineStep } from './types.js';

/** Reads what a step needs to know of a guest on the host. */
export async function readGuestView(
  host: Host,
  ref: GuestRef,
  localNode: string,
  parts: { status?: boolean; snapshots?: boolean } = {},
  signal?: AbortSignal,
): Promise<GuestView> {
  const options = signal ? { signal } : {};
  let config;
  try {
    config = await host.guestConfig(ref, options);
  } catch (error) {
    if (error instanceof HostError && error.kind === 'not-found')
      return { exists: false, snapshots: [], predicted: false };
    throw error;
  }
  const view: GuestView = { exists: true, config, snapshots: [], predicted: false };
  if (parts.status) view.status = await readStatus(host, ref, localNode, signal);
  if (parts.snapshots) {
    view.snapshots = (await host.listSnapshots(ref, options))
      .filter((snap) => !snap.current)
      .map((snap) => snap.name);
  }
  return view;
}

async function readStatus(
  host: Host,
  ref: GuestRef,
  localNode: string,
  signal?: AbortSignal,
): Promise<string> {
  const options = signal ? { signal } : {};
  if (ref.node !== localNode) {
    const { stdout } = await host.run(
      [
        'pvesh',
        'get',
        `/nodes/${ref.node}/${ref.type}/${ref.id}/status/current`,
        '--output-format',
        'json',
      ],
      options,
    );
    return String((JSON.parse(stdout) as { status?: unknown }).status ?? 'unknown');
  }
  const { stdout } = await host.run(
    [ref.type === 'qemu' ? 'qm' : 'pct', 'status', String(ref.id)],
    options,
  );
  return /status:\s*(\S+)/.exec(stdout)?.[1] ?? 'unknown';
}

/**
 * Runs a guest's command written in the local form (`qm …`, `pct …`) where the guest is: as it
 * is on this node, through the API of the guest's node, or on that node over root SSH when there
 * is no API for it (route.ts). `announce` gets the command line as it runs, redacted.
 */
export async function runForGuest(
  host: Host,
  ref: GuestRef,
  localNode: string,
  argv: readonly string[],
  options: CallOptions & { announce?: (argv: readonly string[]) => void } = {},
): Promise<HostResult> {
  const { announce, input, ...callOptions } = options;
  const routed = routeCommand(argv, ref.node, localNode, input);
  const call = { ...callOptions, ...(routed.input === undefined ? {} : { input: routed.input }) };
  if (routed.onNode) {
    announce?.(redactArgv(await host.nodeCommand(routed.onNode, routed.argv)));
    return host.runOnNode(routed.onNode, routed.argv, call);
  }
  announce?.(redactArgv(routed.argv));
  return host.run(routed.argv, call);
}

/** A host failure as a step failure: Proxmox's message, the command, the output and a hint. */
export function asStepError(error: unknown, ref: GuestRef): unknown {
  if (!(error instanceof HostError)) return error;
  const hint = hintFor(error, ref);
  return new StepError({
    message: error.message,
    command: error.argv,
    output: [error.stdout, error.stderr].filter((text) => text.trim() !== '').join('\n'),
    kind: error.kind,
    ...(error.exitCode === undefined ? {} : { exitCode: error.exitCode }),
    ...(hint ? { hint } : {}),
  });
}

/**
 * The last view a task read of its guest. The next step's first look may take it instead of
 * reading again, when nothing ran on the host since (no command: any command clears it).
 * A step that changes the guest other than through a command re-reads the view to verify,
 * which refreshes it.
 */
export interface LastView {
  view?: GuestView;
  parts?: { status?: boolean; snapshots?: boolean };
  /** The step whose read it is (the same step's later looks always read afresh). */
  stepKey?: string;
}

/** A pipeline step as the runner runs it, with the host and the guest bound in. */
export function toRunStep(
  step: PipelineStep,
  host: Host,
  ref: GuestRef,
  localNode: string,
  last: LastView = {},
): RunStep {
  return {
    key: step.key,
    title: step.title,
    ...(step.locks ? { locks: step.locks } : {}),
    ...(step.timeoutMs ? { timeoutMs: step.timeoutMs } : {}),
    ...(step.waits ? { waits: true } : {}),
    async run(context: StepContext) {
      let looked = false;
      const pipeline: PipelineContext = {
        ...context,
        log: (line) => context.log(line),
        command: (argv) => context.command(argv),
        host,
        remote: ref.node !== localNode,
        exec: async (argv, options = {}) => {
          last.view = undefined;
          try {
            const { stream, ...callOptions } = options;
            const result = await runForGuest(host, ref, localNode, argv, {
              signal: context.signal,
              ...callOptions,
              ...(stream ? { onLine: (line: string) => line.trim() && context.log(line) } : {}),
              announce: (shown) => context.command(shown),
            });
            return result.stdout;
          } catch (error) {
            throw asStepError(error, ref);
          }
        },
        view: async (parts = {}) => {
          const first = !looked;
          looked = true;
          const cached = last.view;
          try {
            if (
              first &&
              cached &&
              last.stepKey !== step.key &&
              (!parts.snapshots || last.parts?.snapshots)
            ) {
              if (!parts.status || last.parts?.status) return cached;
              // The config is as fresh as it gets; only the status is not known yet.
              if (!cached.exists) return cached;
              const view = {
                ...cached,
                status: await readStatus(host, ref, localNode, context.signal),
              };
              Object.assign(last, { view, parts: { ...last.parts, status: true } });
              return view;
            }
            const view = await readGuestView(host, ref, localNode, parts, context.signal);
            Object.assign(last, { view, parts, stepKey: step.key });
            return view;
          } catch (error) {
            throw asStepError(error, ref);
          }
        },
      };
      return step.run(pipeline);
    },
  };
}
