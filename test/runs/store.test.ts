import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTasks } from '../../source/runner/runner.js';
import { listRuns, readRun, RunRecorder, runsDir } from '../../source/runs/store.js';

describe('run store', () => {
  it('records every event of a run and lists it with its outcome', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-runs-'));
    const recorder = new RunRecorder(dir, '20261121T100000Z-abcdef');
    await runTasks(
      [
        {
          id: 'qemu/1000',
          title: 'vm 1000 web',
          dependsOn: [],
          steps: [
            {
              key: 'clone',
              title: 'Clone',
              run: async (ctx) => {
                for (let i = 0; i < 5000; i++) ctx.log(`line ${i}`);
                return 'changed';
              },
            },
          ],
        },
      ],
      { title: 'apply 1000', runId: '20261121T100000Z-abcdef', listeners: [recorder.listener] },
    );
    await recorder.close();
    const events = readRun(dir, '20261121T100000Z-abcdef')!;
    expect(events.filter((e) => e.type === 'log')).toHaveLength(5000);
    expect(events.at(-1)).toMatchObject({ type: 'run-finished', status: 'succeeded' });
    expect(listRuns(dir)).toEqual([
      expect.objectContaining({
        id: '20261121T100000Z-abcdef',
        title: 'apply 1000',
        status: 'succeeded',
        tasks: ['qemu/1000'],
      }),
    ]);
  });

  it('keeps every line in order when they come in bursts while earlier ones are being written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-runs-'));
    const recorder = new RunRecorder(dir, '20261121T100000Z-burst0');
    const at = '2026-11-21T10:00:00.000Z';
    recorder.listener({ type: 'run-started', runId: 'r', at, title: 'apply 1', tasks: [] });
    let n = 0;
    for (let burst = 0; burst < 20; burst++) {
      for (let i = 0; i < 1000; i++)
        recorder.listener({
          type: 'log',
          runId: 'r',
          at,
          taskId: 't',
          stepKey: 's',
          line: `l${++n}`,
        });
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Records bigger than a write, and characters of several bytes.
    const big = `${'ü漢'.repeat(100_000)}x`;
    recorder.listener({ type: 'log', runId: 'r', at, taskId: 't', stepKey: 's', line: big });
    for (let i = 0; i < 1000; i++)
      recorder.listener({ type: 'log', runId: 'r', at, taskId: 't', stepKey: 's', line: `ü${i}` });
    recorder.listener({ type: 'run-finished', runId: 'r', at, status: 'succeeded', ms: 1 });
    await recorder.close();
    const events = readRun(dir, '20261121T100000Z-burst0')!;
    const lines = events.flatMap((event) => (event.type === 'log' ? [event.line] : []));
    expect(lines).toEqual([
      ...Array.from({ length: 20_000 }, (_, i) => `l${i + 1}`),
      big,
      ...Array.from({ length: 1000 }, (_, i) => `ü${i}`),
    ]);
    expect(events[0]!.type).toBe('run-started');
    expect(events.at(-1)!.type).toBe('run-finished');
  });

  it('says so when the run cannot be written', async () => {
    const base = mkdtempSync(join(tmpdir(), 'phoenix-runs-'));
    writeFileSync(join(base, 'file'), '');
    const recorder = new RunRecorder(join(base, 'file', 'runs'), '20261121T100000Z-nowrit');
    recorder.listener({ type: 'run-started', runId: 'r', at: '', title: 'apply 1', tasks: [] });
    await expect(recorder.close()).rejects.toThrow(/ENOTDIR/);
  });

  it('shows a run whose process died as still running, newest first, and skips junk files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-runs-'));
    const started = {
      type: 'run-started',
      runId: 'x',
      at: '2026-11-21T10:00:00.000Z',
      title: 'apply',
      tasks: [],
    };
    writeFileSync(
      join(dir, '20261120T100000Z-aaaaaa.jsonl'),
      `${JSON.stringify(started)}\n{"type":"log"`,
    );
    writeFileSync(join(dir, '20261121T100000Z-bbbbbb.jsonl'), `${JSON.stringify(started)}\n`);
    writeFileSync(join(dir, 'notes.jsonl'), 'not json\n');
    expect(listRuns(dir).map((run) => [run.id, run.status])).toEqual([
      ['20261121T100000Z-bbbbbb', 'running'],
      ['20261120T100000Z-aaaaaa', 'running'],
    ]);
  });

  it('lists a run whose first line is longer than a read and whose log is long', () => {
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-runs-'));
    const at = '2026-11-21T10:00:00.000Z';
    const tasks = Array.from({ length: 800 }, (_, i) => ({
      id: `qemu/${1000 + i}`,
      title: `VM ${1000 + i} ünïcödé-guest-${i}`,
      steps: [{ key: 'clone', title: 'Clone' }],
    }));
    const lines = [
      JSON.stringify({ type: 'run-started', runId: 'x', at, title: 'apply all', tasks }),
      ...Array.from({ length: 20_000 }, (_, i) =>
        JSON.stringify({
          type: 'log',
          runId: 'x',
          at,
          taskId: 'qemu/1000',
          stepKey: 'clone',
          line: `l${i}`,
        }),
      ),
      JSON.stringify({ type: 'run-finished', runId: 'x', at, status: 'failed', ms: 42 }),
    ];
    expect(lines[0]!.length).toBeGreaterThan(64 * 1024);
    writeFileSync(join(dir, '20261121T100000Z-cccccc.jsonl'), `${lines.join('\n')}\n\n`);
    const [run] = listRuns(dir);
    expect(run).toMatchObject({ title: 'apply all', status: 'failed', ms: 42 });
    expect(run!.tasks).toHaveLength(800);
    expect(run!.tasks.at(-1)).toBe('qemu/1799');
  });

  it('keeps runs under /var/log as root and under the XDG state dir otherwise', () => {
    expect(runsDir({ PHOENIX_RUNS_DIR: '/x' })).toBe('/x');
    if (process.getuid?.() !== 0) expect(runsDir({ XDG_STATE_HOME: '/s' })).toBe('/s/phoenix/runs');
    else expect(runsDir({})).toBe('/var/log/phoenix_hypervisor/runs');
  });
});
