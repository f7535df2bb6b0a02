import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostError } from '../../source/host/errors.js';
import { REDACTED } from '../../source/host/redact.js';
import { guessCallKind, runHostCommand, type HostCommandEvent } from '../../source/host/run.js';

// Stand-in tools: small shell scripts on PATH that behave like the Proxmox tool cases under test.
let bin: string;
let env: NodeJS.ProcessEnv;

function tool(name: string, script: string): void {
  const file = join(bin, name);
  writeFileSync(file, `#!/bin/sh\n${script}\n`);
  chmodSync(file, 0o755);
}

beforeAll(() => {
  bin = mkdtempSync(join(tmpdir(), 'phoenix-run-test-'));
  env = { PATH: `${bin}:/usr/bin:/bin` };
  tool(
    'qm',
    `case "$1" in
  status) echo "status: running" ;;
  start) echo "VM is locked (backup)" >&2; exit 255 ;;
  resize) echo "shrinking disks is not supported" >&2; exit 0 ;;
  set) echo "update VM $2: -cipassword <hidden>"; echo "cipassword: \\$5\\$abcdefgh\\$0123456789abcdef" >&2; exit 0 ;;
  wait) exec sleep 5 ;;
  shutdown) echo 'waiting'; (sleep 2; echo late) ;;
  guest) cat ;;
  *) echo "ERROR: unknown command 'qm $1'" >&2; exit 255 ;;
esac`,
  );
  tool('pct', `echo "Configuration file 'nodes/pve/lxc/$2.conf' does not exist" >&2; exit 2`);
});

afterAll(() => rmSync(bin, { recursive: true, force: true }));

describe('runHostCommand', () => {
  it('returns stdout of a successful command and reports it to the observer', async () => {
    const events: HostCommandEvent[] = [];
    const result = await runHostCommand(['qm', 'status', '100'], {
      env,
      observe: (event) => events.push(event),
    });
    expect(result.stdout).toBe('status: running\n');
    expect(result.exitCode).toBe(0);
    expect(events.map((event) => event.phase)).toEqual(['start', 'end']);
    expect(events[1]).toMatchObject({
      argv: ['qm', 'status', '100'],
      exitCode: 0,
      ok: true,
      kind: 'read',
    });
  });

  it('rejects with a classified HostError keeping the Proxmox message', async () => {
    const error = (await runHostCommand(['qm', 'start', '100'], { env }).catch(
      (e: unknown) => e,
    )) as HostError;
    expect(error).toBeInstanceOf(HostError);
    expect(error.kind).toBe('locked');
    expect(error.lock).toBe('backup');
    expect(error.message).toBe('VM is locked (backup)');
    expect(error.exitCode).toBe(255);
    expect(error.command).toBe('qm start 100');
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      kind: 'locked',
      message: 'VM is locked (backup)',
      argv: ['qm', 'start', '100'],
      exitCode: 255,
      lock: 'backup',
    });
  });

  it('classifies a missing guest as not-found (exit 2)', async () => {
    const error = (await runHostCommand(['pct', 'config', '999'], { env }).catch(
      (e: unknown) => e,
    )) as HostError;
    expect(error.kind).toBe('not-found');
    expect(error.exitCode).toBe(2);
  });

  it('detects a worker that failed but exited 0', async () => {
    const events: HostCommandEvent[] = [];
    const error = (await runHostCommand(['qm', 'resize', '100', 'scsi0', '10G'], {
      env,
      observe: (event) => events.push(event),
    }).catch((e: unknown) => e)) as HostError;
    expect(error).toBeInstanceOf(HostError);
    expect(error.message).toBe('shrinking disks is not supported');
    expect(events[1]).toMatchObject({ ok: false, exitCode: 0 });
  });

  it('redacts secrets in argv, output and events', async () => {
    const events: HostCommandEvent[] = [];
    const result = await runHostCommand(['qm', 'set', '100', '--cipassword', 'hunter22'], {
      env,
      observe: (event) => events.push(event),
    });
    expect(result.argv).toEqual(['qm', 'set', '100', '--cipassword', REDACTED]);
    expect(JSON.stringify(events)).not.toContain('hunter22');
    expect(result.stderr).not.toContain('0123456789abcdef');
  });

  it('times out and says so', async () => {
    const error = (await runHostCommand(['qm', 'wait', '100'], { env, timeoutMs: 200 }).catch(
      (e: unknown) => e,
    )) as HostError;
    expect(error.kind).toBe('timeout');
    expect(error.timedOut).toBe(true);
  });

  it('does not hang on a grandchild that keeps the output pipes open', async () => {
    const error = (await runHostCommand(['qm', 'shutdown', '100'], { env, timeoutMs: 200 }).catch(
      (e: unknown) => e,
    )) as HostError;
    expect(error.kind).toBe('timeout');
    // The orphaned subshell would print `late` if the call waited for the pipes to close.
    expect(error.stdout).toBe('waiting\n');
  });

  it('can be cancelled through an AbortSignal', async () => {
    const controller = new AbortController();
    const pending = runHostCommand(['qm', 'wait', '100'], { env, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const error = (await pending.catch((e: unknown) => e)) as HostError;
    expect(error.aborted).toBe(true);
  });

  it('passes stdin input', async () => {
    const result = await runHostCommand(['qm', 'guest', 'exec'], { env, input: 'hello' });
    expect(result.stdout).toBe('hello');
  });

  it('explains a missing tool and refuses anything that is not a Proxmox tool', async () => {
    const error = (await runHostCommand(['pveam', 'list', 'local'], { env: { PATH: bin } }).catch(
      (e: unknown) => e,
    )) as HostError;
    expect(error.kind).toBe('not-found');
    expect(error.message).toMatch(/pveam: command not found on PATH/);
    await expect(runHostCommand(['sh', '-c', 'true'], { env })).rejects.toThrow(
      /not a Proxmox tool/,
    );
  });
});

describe('guessCallKind', () => {
  it('picks the timeout class from the command', () => {
    expect(guessCallKind(['pvesh', 'get', '/cluster/resources'])).toBe('read');
    expect(guessCallKind(['qm', 'config', '100'])).toBe('read');
    expect(guessCallKind(['pct', 'shutdown', '101'])).toBe('lifecycle');
    expect(guessCallKind(['pvesh', 'create', '/nodes/pve2/qemu/100/status/start'])).toBe(
      'lifecycle',
    );
    expect(guessCallKind(['qm', 'clone', '9000', '101'])).toBe('worker');
    expect(guessCallKind(['pvesh', 'delete', '/nodes/pve2/qemu/100'])).toBe('worker');
  });
});

describe('runHostCommand onLine', () => {
  it('hands over each line while the command still runs, redacted', async () => {
    tool(
      'pveam',
      `echo "first"; echo "token=PVEAPIToken=root@pam!ci=12345678-1234-1234-1234-123456789abc"; sleep 1; echo "last"`,
    );
    const seen: { line: string; at: number }[] = [];
    const started = Date.now();
    const result = await runHostCommand(['pveam', 'list', 'local'], {
      env,
      onLine: (line) => seen.push({ line, at: Date.now() - started }),
    });
    const finished = Date.now() - started;
    expect(seen.map((entry) => entry.line)).toEqual([
      'first',
      expect.not.stringContaining('12345678-1234'),
      'last',
    ]);
    // The first line arrived well before the command ended.
    expect(seen[0]!.at).toBeLessThan(finished - 500);
    expect(result.stdout).toContain('last');
  });

  it('hands over every line of a flood whole and in order, characters split between reads too', async () => {
    tool('pveam', `seq -f 'zeile %.0f ü' 1 200000`);
    const lines: string[] = [];
    let turns = 0;
    const ticker = setInterval(() => turns++, 1);
    try {
      await runHostCommand(['pveam', 'list', 'local'], { env, onLine: (line) => lines.push(line) });
    } finally {
      clearInterval(ticker);
    }
    expect(lines).toHaveLength(200_000);
    expect(lines.every((line, i) => line === `zeile ${i + 1} ü`)).toBe(true);
    // Timers ran while the lines came: the reads do not take the event loop for themselves.
    expect(turns).toBeGreaterThan(0);
  });
});
