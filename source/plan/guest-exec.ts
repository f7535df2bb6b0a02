import { abortableSleep } from '../runner/runner.js';
import { StepError } from '../runner/step-error.js';
import { appendChunkArgv, runStagedArgv, stagePayload } from './guest-payload.js';
import { AGENT_INPUT_LIMIT } from './route.js';
import type { PipelineContext } from './types.js';

/** What running a command in a VM needs of a pipeline step (the planner brings its own). */
export type GuestExecContext = Pick<PipelineContext, 'exec' | 'signal' | 'remote'>;

/** The JSON `qm guest exec` prints (it always exits 0; the command's exit code is inside). */
export interface GuestExecResult {
  exitcode: number;
  exited: boolean;
  out: string;
  err: string;
}

export function parseGuestExec(stdout: string): GuestExecResult {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    throw new StepError({
      message: 'qm guest exec printed something that is not JSON',
      output: stdout.slice(0, 500),
    });
  }
  return {
    exitcode: typeof data.exitcode === 'number' ? data.exitcode : -1,
    exited: data.exited === 1 || data.exited === true,
    out: typeof data['out-data'] === 'string' ? data['out-data'] : '',
    err: typeof data['err-data'] === 'string' ? data['err-data'] : '',
  };
}

/** `qm guest exec <id> -- <argv>`: the exit code is parsed, never ignored (pain point 6). */
export function guestExecArgv(
  vmid: number,
  argv: readonly string[],
  options: { stdin?: boolean; timeout?: number } = {},
): string[] {
  return [
    'qm',
    'guest',
    'exec',
    String(vmid),
    ...(options.timeout === undefined ? [] : ['--timeout', String(options.timeout)]),
    ...(options.stdin ? ['--pass-stdin', '1'] : []),
    '--',
    ...argv,
  ];
}

/**
 * Runs a command in a VM through its guest agent and returns how it ended. Input goes on stdin:
 * locally through `--pass-stdin`; for a VM on another node as the API's `input-data`, staged in
 * chunks when it is bigger than the API takes (guest-payload.ts).
 */
export async function guestExec(
  context: GuestExecContext,
  vmid: number,
  argv: readonly string[],
  options: { input?: string; timeout?: number } = {},
): Promise<GuestExecResult> {
  const { input } = options;
  if (context.remote && input !== undefined && Buffer.byteLength(input) > AGENT_INPUT_LIMIT)
    return stagedGuestExec(context, vmid, argv, input);
  return agentExec(context, vmid, argv, options);
}

/** Appends the payload to a file in the guest chunk by chunk (each checked), then runs with it. */
async function stagedGuestExec(
  context: GuestExecContext,
  vmid: number,
  argv: readonly string[],
  input: string,
): Promise<GuestExecResult> {
  const payload = stagePayload(input);
  for (const [index, chunk] of payload.chunks.entries()) {
    const appended = await agentExec(context, vmid, appendChunkArgv(payload, index), {
      input: chunk,
    });
    if (appended.exitcode !== 0) {
      throw new StepError({
        message: `could not stage input for VM ${vmid}: chunk ${index + 1} of ${payload.chunks.length} exited with ${appended.exitcode}`,
        output: `${appended.out}${appended.err}`.trim(),
        hint: `check the guest's free space under /var/lib/phoenix and that its agent answers (qm agent ${vmid} ping on its node)`,
      });
    }
  }
  return agentExec(context, vmid, runStagedArgv(payload, argv));
}

async function agentExec(
  context: GuestExecContext,
  vmid: number,
  argv: readonly string[],
  options: { input?: string; timeout?: number } = {},
): Promise<GuestExecResult> {
  const stdout = await context.exec(
    guestExecArgv(vmid, argv, {
      stdin: options.input !== undefined,
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    }),
    options.input === undefined ? {} : { input: options.input },
  );
  const started = startedPid(stdout);
  if (started !== undefined) {
    // Through the API of another node the command only starts: poll its status until it exits.
    for (;;) {
      const status = await context.exec([
        'qm',
        'guest',
        'exec-status',
        String(vmid),
        String(started),
      ]);
      const result = parseGuestExec(status);
      if (result.exited) return result;
      await abortableSleep(500, context.signal);
    }
  }
  return parseGuestExec(stdout);
}

/** The pid of `{"pid": N}`, what the agent API answers when it only started the command. */
function startedPid(stdout: string): number | undefined {
  try {
    const data = JSON.parse(stdout) as { pid?: unknown; exited?: unknown } | null;
    return data && typeof data.pid === 'number' && data.exited === undefined ? data.pid : undefined;
  } catch {
    return undefined; // not JSON: parseGuestExec says so
  }
}
