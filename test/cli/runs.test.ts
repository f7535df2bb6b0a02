import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runTasks } from '../../source/runner/runner.js';
import { StepError } from '../../source/runner/step-error.js';
import { RunRecorder } from '../../source/runs/store.js';
import { runCliCaptured } from './run-cli.js';

describe('phoenix runs', () => {
  let dir: string;
  const saved = process.env.PHOENIX_RUNS_DIR;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'phoenix-runs-'));
    process.env.PHOENIX_RUNS_DIR = dir;
    const runId = '20261121T120000Z-c0ffee';
    const recorder = new RunRecorder(dir, runId);
    await runTasks(
      [
        {
          id: 'qemu/1000',
          title: 'vm 1000 rumpledev',
          dependsOn: [],
          steps: [
            { key: 'clone', title: 'Clone from template 9000', run: async () => 'changed' },
            {
              key: 'feature:docker',
              title: 'Feature docker',
              run: async (ctx) => {
                ctx.log('[docker] installing docker-ce');
                throw new StepError({
                  message: 'feature script exited with 100',
                  hint: 'apt could not reach the mirror: check DNS in the guest',
                });
              },
            },
          ],
        },
      ],
      { title: 'apply 1000', runId, listeners: [recorder.listener] },
    );
    await recorder.close();
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.PHOENIX_RUNS_DIR;
    else process.env.PHOENIX_RUNS_DIR = saved;
  });

  it('lists runs with their outcome', async () => {
    const { code, stdout } = await runCliCaptured(['runs']);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^20261121T120000Z-c0ffee {2}failed +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}apply 1000 in /m,
    );
  });

  it('shows a run by id prefix with the failure, its log tail and hint', async () => {
    const { code, stdout } = await runCliCaptured(['--ascii', 'runs', 'show', '20261121T12']);
    expect(code).toBe(0);
    expect(stdout).toContain('ok vm 1000 rumpledev: Clone from template 9000');
    expect(stdout).toContain(
      'FAIL vm 1000 rumpledev: Feature docker: feature script exited with 100',
    );
    expect(stdout).toContain('      [docker] installing docker-ce');
    expect(stdout).toContain('    hint: apt could not reach the mirror: check DNS in the guest');
    expect(stdout).toContain('Run failed in');
  });

  it('refuses an unknown run with exit 2 and a hint', async () => {
    const { code, stderr } = await runCliCaptured(['runs', 'show', 'nope']);
    expect(code).toBe(2);
    expect(stderr).toContain('no run "nope"');
    expect(stderr).toContain('hint: phoenix runs lists the runs there are');
  });
});
