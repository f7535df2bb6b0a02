import { describe, expect, it } from 'vitest';
import { StepError } from '../../source/runner/step-error.js';
import { taskUpid, waitForTask, type TaskContext } from '../../source/plan/tasks.js';

const UPID = 'UPID:pve2:00001A2B:00C0FFEE:6650A1B2:download:debian-12.tar.zst:root@pam:';

/** A step's context whose commands answer from a script, one answer per call. */
function scripted(answers: Record<string, string[]>): TaskContext & {
  commands: string[];
  logged: string[];
} {
  const commands: string[] = [];
  const logged: string[] = [];
  return {
    commands,
    logged,
    signal: new AbortController().signal,
    log: (line) => logged.push(line),
    exec: (argv) => {
      const line = argv.join(' ');
      commands.push(line);
      const key = Object.keys(answers).find((suffix) => line.includes(suffix))!;
      const next = answers[key]!.length > 1 ? answers[key]!.shift()! : answers[key]![0]!;
      if (next.startsWith('throw:')) return Promise.reject(new Error(next.slice(6)));
      return Promise.resolve(next);
    },
  };
}

const status = (value: Record<string, string>) => JSON.stringify({ upid: UPID, ...value });
const log = (lines: string[]) => JSON.stringify(lines.map((t, index) => ({ n: index + 1, t })));

describe('taskUpid', () => {
  it('finds the UPID after a foreground task log, bare or as JSON', () => {
    expect(taskUpid(`${UPID}\n`)).toBe(UPID);
    expect(taskUpid(`downloading x\nfinished\n${UPID}\n`)).toBe(UPID);
    expect(taskUpid(`"${UPID}"\n`)).toBe(UPID);
    expect(taskUpid('downloading x\n')).toBeUndefined();
  });
});

describe('waitForTask', () => {
  const options = { what: 'the download of x', timeoutMs: 60_000 };

  it('polls until the task stopped, then logs its log', async () => {
    const context = scripted({
      '/status': [
        status({ status: 'running' }),
        status({ status: 'running' }),
        status({ status: 'stopped', exitstatus: 'OK' }),
      ],
      '/log': [log(['downloading x', 'TASK OK'])],
    });
    await waitForTask(context, 'pve2', UPID, options);
    expect(context.commands).toEqual([
      `pvesh get /nodes/pve2/tasks/${UPID}/status --output-format json`,
      `pvesh get /nodes/pve2/tasks/${UPID}/status --output-format json`,
      `pvesh get /nodes/pve2/tasks/${UPID}/status --output-format json`,
      `pvesh get /nodes/pve2/tasks/${UPID}/log --limit 500 --output-format json`,
    ]);
    expect(context.logged).toEqual(['downloading x', 'TASK OK']);
  });

  it('takes warnings for success', async () => {
    const context = scripted({
      '/status': [status({ status: 'stopped', exitstatus: 'WARNINGS: 1' })],
      '/log': ['throw:log gone'],
    });
    await expect(waitForTask(context, 'pve2', UPID, options)).resolves.toBeUndefined();
  });

  it("fails with the task's exit status and the end of its log", async () => {
    const context = scripted({
      '/status': [status({ status: 'stopped', exitstatus: 'download failed: 404 Not Found' })],
      '/log': [log(['downloading x', 'TASK ERROR: download failed: 404 Not Found'])],
    });
    const error = (await waitForTask(context, 'pve2', UPID, {
      ...options,
      hint: 'check the name',
    }).catch((e: unknown) => e)) as StepError;
    expect(error).toBeInstanceOf(StepError);
    expect(error.detail).toMatchObject({
      message: 'the download of x failed on node pve2: download failed: 404 Not Found',
      output: 'downloading x\nTASK ERROR: download failed: 404 Not Found',
      hint: 'check the name',
    });
  });

  it('gives up after its budget, saying where the task still runs', async () => {
    const context = scripted({ '/status': [status({ status: 'running' })] });
    const error = (await waitForTask(context, 'pve2', UPID, {
      what: 'the download of x',
      timeoutMs: 700,
    }).catch((e: unknown) => e)) as StepError;
    expect(error.detail.kind).toBe('timeout');
    expect(error.detail.message).toBe('the download of x on node pve2 did not finish within 1 s');
    expect(error.detail.hint).toContain(`pvesh get /nodes/pve2/tasks/${UPID}/status`);
  });
});
