import { abortableSleep } from '../runner/runner.js';
import { StepError } from '../runner/step-error.js';
import type { PipelineContext } from './types.js';

/**
 * Proxmox tasks started through the API of another node: `pvesh create` proxies the call to that
 * node, which answers with the task's UPID at once while the worker runs on there (on its own
 * node the CLI runs a task in the foreground instead). How it ended is in its status.
 */

/** What a task wait needs of a pipeline step. */
export type TaskContext = Pick<PipelineContext, 'exec' | 'signal' | 'log'>;

/** The UPID a `pvesh create` on a worker endpoint printed (after the log of a foreground task). */
export function taskUpid(stdout: string): string | undefined {
  const lines = stdout.split('\n').map((line) => line.trim().replace(/^"(.*)"$/, '$1'));
  return lines.reverse().find((line) => /^UPID:[^:]+:[0-9A-F]{8}:/.test(line));
}

interface TaskStatus {
  status?: string;
  exitstatus?: string;
}

/** A task that ended well: `OK`, or with warnings only (`WARNINGS: N`, PVE 8+). */
const succeeded = (exitstatus: string | undefined) =>
  exitstatus === 'OK' || /^WARNINGS: \d+$/.test(exitstatus ?? '');

/**
 * Polls `GET /nodes/{node}/tasks/{upid}/status` until the task stopped (every 0.5 s at first,
 * then less often, up to every 5 s), logs the task's log, and fails with its exit status and
 * the end of its log when it did not end well, or when it outlasts `timeoutMs`.
 */
export async function waitForTask(
  context: TaskContext,
  node: string,
  upid: string,
  options: { what: string; timeoutMs: number; hint?: string },
): Promise<void> {
  const base = `/nodes/${node}/tasks/${upid}`;
  const statusArgv = ['pvesh', 'get', `${base}/status`, '--output-format', 'json'];
  const deadline = Date.now() + options.timeoutMs;
  let interval = 500;
  for (;;) {
    const status = JSON.parse(await context.exec(statusArgv)) as TaskStatus;
    if (status.status === 'stopped') {
      const log = await taskLog(context, base);
      if (succeeded(status.exitstatus)) {
        for (const line of log) context.log(line);
        return;
      }
      throw new StepError({
        message: `${options.what} failed on node ${node}: ${status.exitstatus ?? 'no exit status'}`,
        command: statusArgv,
        output: log.slice(-20).join('\n'),
        ...(options.hint ? { hint: options.hint } : {}),
      });
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new StepError({
        message: `${options.what} on node ${node} did not finish within ${duration(options.timeoutMs)}`,
        command: statusArgv,
        kind: 'timeout',
        hint: `the task still runs there: pvesh get ${base}/status (or the node's task list in the web UI)`,
      });
    }
    await abortableSleep(Math.min(interval, left), context.signal);
    interval = Math.min(interval * 2, 5_000);
  }
}

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${seconds} s`;
}

/** The task's log lines (`TASK OK`/`TASK ERROR` included); none when it cannot be read. */
async function taskLog(context: TaskContext, base: string): Promise<string[]> {
  try {
    const entries = JSON.parse(
      await context.exec([
        'pvesh',
        'get',
        `${base}/log`,
        '--limit',
        '500',
        '--output-format',
        'json',
      ]),
    ) as { t?: unknown }[];
    return entries.map((entry) => String(entry.t ?? ''));
  } catch {
    return []; // the status said how it ended; the log only adds detail
  }
}
