import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  createLifecycleCommands,
  type LifecycleDeps,
} from '../../source/cli/commands/lifecycle.js';
import { reportError, type Output } from '../../source/cli/output.js';
import { HostError } from '../../source/host/errors.js';
import type { Host } from '../../source/host/host.js';
import type { HostResult } from '../../source/host/run.js';
import { Inventory } from '../../source/inventory/inventory.js';
import { parseConfigText } from '../../source/inventory/parse-config.js';
import type { GuestRef, GuestState, StorageVolume } from '../../source/inventory/types.js';

// Command logic against an in-memory host: which host calls happen, what is refused, exit codes.
// The same commands run against the simulator's executables in lifecycle-sim.test.ts.

function guest(
  id: number,
  type: 'qemu' | 'lxc',
  status: string,
  extra: Partial<GuestState> = {},
): GuestState {
  return {
    id,
    type,
    node: 'pve',
    name: `g${id}`,
    status,
    template: false,
    tags: [],
    cpu: 0,
    maxcpu: 2,
    mem: 0,
    maxmem: 2 * 1024 ** 3,
    disk: 0,
    maxdisk: 32 * 1024 ** 3,
    uptime: 0,
    netin: 0,
    netout: 0,
    diskread: 0,
    diskwrite: 0,
    ...extra,
  };
}

interface Fake {
  host: Host;
  calls: string[];
}

function fakeHost(
  guests: GuestState[],
  configs: Record<number, string> = {},
  failures: Record<string, HostError> = {},
  volumes: StorageVolume[] = [],
): Fake {
  const calls: string[] = [];
  const act =
    (name: string) =>
    async (ref: GuestRef, ...rest: unknown[]): Promise<HostResult> => {
      const tool = ref.type === 'qemu' ? 'qm' : 'pct';
      const extra = rest.filter((value): value is string => typeof value === 'string');
      const argv = [tool, name, String(ref.id), ...extra];
      calls.push(argv.join(' '));
      const failure = failures[`${name} ${ref.id}`];
      if (failure) throw failure;
      return { argv, stdout: '', stderr: '', exitCode: 0, durationMs: 1 };
    };
  const host = {
    inventory: async () => {
      calls.push('inventory');
      return new Inventory(guests);
    },
    guestConfig: async (ref: GuestRef) => {
      calls.push(`config ${ref.id}`);
      return parseConfigText(ref.id, ref.type, configs[ref.id] ?? '');
    },
    storageContent: async (storage: string) => {
      calls.push(`content ${storage}`);
      return volumes.filter((volume) => volume.volid.startsWith(`${storage}:`));
    },
    start: act('start'),
    stop: act('stop'),
    shutdown: act('shutdown'),
    reboot: act('reboot'),
    destroy: act('destroy'),
    snapshot: act('snapshot'),
    rollback: act('rollback'),
  } as unknown as Host;
  return { host, calls };
}

async function run(
  args: string[],
  fake: Fake,
  options: { interactive?: boolean; answer?: boolean } = {},
): Promise<{ code: number; out: string; err: string; questions: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const questions: string[] = [];
  const output: Output = { out: (text) => out.push(text), err: (text) => err.push(text) };
  const deps: LifecycleDeps = {
    createHost: () => fake.host,
    interactive: () => options.interactive ?? false,
    confirm: async (question) => {
      questions.push(question);
      return options.answer ?? false;
    },
  };
  let code = 0;
  const program = new Command('phoenix').exitOverride().configureOutput({
    writeOut: (text) => output.out(text),
    writeErr: (text) => output.err(text),
  });
  createLifecycleCommands(deps)(program, { output, setExitCode: (value) => (code = value) });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    code = error instanceof CommanderError ? 2 : reportError(output, error);
  }
  return { code, out: out.join('\n'), err: err.join('\n'), questions };
}

describe('start / stop / shutdown / reboot', () => {
  it('acts on VMs and containers with one inventory call, skipping what is already done', async () => {
    const fake = fakeHost([
      guest(100, 'qemu', 'stopped'),
      guest(101, 'lxc', 'stopped'),
      guest(102, 'qemu', 'running'),
    ]);
    const result = await run(['start', '100', '101', '102'], fake);
    expect(result.code).toBe(0);
    expect(fake.calls).toEqual(['inventory', 'qm start 100', 'pct start 101']);
    expect(result.out).toContain('VM 100 (g100) on pve: started');
    expect(result.out).toContain('CT 101 (g101) on pve: started');
    expect(result.out).toContain('VM 102 (g102) on pve: already running');
  });

  it('exits 2 on an unknown or malformed ID before touching any guest', async () => {
    const fake = fakeHost([guest(100, 'qemu', 'stopped')]);
    const unknown = await run(['start', '100', '555'], fake);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('no VM or container with ID 555');
    expect(fake.calls).toEqual(['inventory']);
    const malformed = await run(['stop', 'web01'], fakeHost([]));
    expect(malformed.code).toBe(2);
    expect(malformed.err).toContain('not a guest ID: web01');
  });

  it('exits 1 with the Proxmox message and a hint when the host fails', async () => {
    const locked = new HostError({
      kind: 'locked',
      message: 'VM is locked (backup)',
      lock: 'backup',
      argv: ['qm', 'start', '100'],
      stdout: '',
      stderr: 'VM is locked (backup)\n',
      exitCode: 255,
    });
    const fake = fakeHost(
      [guest(100, 'qemu', 'stopped'), guest(101, 'lxc', 'stopped')],
      {},
      { 'start 100': locked },
    );
    const result = await run(['start', '100', '101'], fake);
    expect(result.code).toBe(1);
    expect(result.err).toContain('VM 100 (g100) on pve: start failed: VM is locked (backup)');
    expect(result.err).toContain('qm unlock 100');
    expect(fake.calls).toContain('pct start 101');
  });

  it('does not pretend a paused VM was started', async () => {
    const fake = fakeHost([guest(100, 'qemu', 'paused')]);
    const result = await run(['start', '100'], fake);
    expect(result.code).toBe(1);
    expect(result.err).toContain('qm resume 100');
    expect(fake.calls).toEqual(['inventory']);
  });

  it('refuses to start a template and to reboot a stopped guest', async () => {
    const fake = fakeHost([
      guest(9000, 'qemu', 'stopped', { template: true }),
      guest(101, 'lxc', 'stopped'),
    ]);
    const start = await run(['start', '9000'], fake);
    expect(start.code).toBe(1);
    expect(start.err).toContain('templates cannot be started');
    const reboot = await run(['reboot', '101'], fake);
    expect(reboot.code).toBe(1);
    expect(reboot.err).toContain('phoenix start 101');
    expect(fake.calls.filter((call) => call !== 'inventory')).toEqual([]);
  });

  it('passes shutdown options and prints JSON results', async () => {
    const fake = fakeHost([guest(100, 'qemu', 'running')]);
    const result = await run(['shutdown', '100', '--json'], fake);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.out) as { results: Array<Record<string, unknown>> };
    expect(parsed.results[0]).toMatchObject({
      id: 100,
      type: 'qemu',
      node: 'pve',
      action: 'shutdown',
      outcome: 'done',
    });
    expect((await run(['shutdown', '100', '--timeout', 'soon'], fake)).code).toBe(2);
  });
});

describe('delete', () => {
  it('needs --yes when there is no terminal, and says how', async () => {
    const fake = fakeHost([guest(100, 'qemu', 'stopped')]);
    const result = await run(['delete', '100'], fake);
    expect(result.code).toBe(2);
    expect(result.err).toContain('no terminal to ask on');
    expect(result.err).toContain('phoenix delete 100 --yes');
    expect(fake.calls).toEqual(['inventory']);
  });

  it('deletes with --yes, stopping a running guest first, with --purge', async () => {
    const fake = fakeHost([guest(100, 'qemu', 'running'), guest(101, 'lxc', 'stopped')]);
    const result = await run(['delete', '100', '101', '--yes', '--purge'], fake);
    expect(result.code).toBe(0);
    expect(fake.calls).toEqual([
      'inventory',
      'config 100',
      'qm stop 100',
      'qm destroy 100',
      'config 101',
      'pct destroy 101',
    ]);
    expect(result.out).toContain('is running: stopping it before deleting');
  });

  it('asks on a terminal and does nothing when the answer is no', async () => {
    const fake = fakeHost([guest(100, 'qemu', 'running')]);
    const result = await run(['delete', '100'], fake, { interactive: true, answer: false });
    expect(result.code).toBe(0);
    expect(result.questions[0]).toContain('is running. Stop it now and delete it');
    expect(result.out).toContain('not deleted (not confirmed)');
    expect(fake.calls).toEqual(['inventory', 'config 100']);
  });

  it('refuses protected guests', async () => {
    const fake = fakeHost([guest(100, 'qemu', 'stopped')], { 100: 'protection: 1\n' });
    const result = await run(['delete', '100', '--yes'], fake);
    expect(result.code).toBe(1);
    expect(result.err).toContain('protection enabled');
    expect(result.err).toContain('qm set 100 --protection 0');
    expect(fake.calls).not.toContain('qm destroy 100');
  });

  it('refuses a template that still has linked clones, reading only candidate configs', async () => {
    const fake = fakeHost(
      [
        guest(9000, 'qemu', 'stopped', { template: true }),
        guest(101, 'qemu', 'running'),
        guest(102, 'qemu', 'stopped'),
        guest(103, 'lxc', 'stopped'),
        guest(104, 'qemu', 'stopped', { node: 'pve2' }),
      ],
      {
        9000: 'scsi0: local-lvm:base-9000-disk-0,size=32G\ntemplate: 1\n',
        101: 'scsi0: local-lvm:base-9000-disk-0/vm-101-disk-0,size=32G\n',
        102: 'scsi0: local-lvm:vm-102-disk-0,size=32G\n',
      },
    );
    const result = await run(['delete', '9000', '--yes'], fake);
    expect(result.code).toBe(1);
    expect(result.err).toContain('linked clones (101)');
    expect(fake.calls.sort()).toEqual([
      'config 101',
      'config 102',
      'config 9000',
      'content local-lvm',
      'inventory',
    ]);
  });

  it('also finds linked clones the storage reports by parent (volume names without the base)', async () => {
    const fake = fakeHost(
      [guest(9000, 'qemu', 'stopped', { template: true }), guest(101, 'qemu', 'stopped')],
      {
        9000: 'scsi0: local-lvm:base-9000-disk-0,size=32G\ntemplate: 1\n',
        101: 'scsi0: local-lvm:vm-101-disk-0,size=32G\n',
      },
      {},
      [
        {
          volid: 'local-lvm:base-9000-disk-0',
          content: 'images',
          format: 'raw',
          sizeBytes: 1,
          vmid: 9000,
        },
        {
          volid: 'local-lvm:vm-101-disk-0',
          content: 'images',
          format: 'raw',
          sizeBytes: 1,
          vmid: 101,
          parent: 'base-9000-disk-0',
        },
      ],
    );
    const result = await run(['delete', '9000', '--yes'], fake);
    expect(result.code).toBe(1);
    expect(result.err).toContain('linked clones (101)');
    expect(fake.calls).not.toContain('qm destroy 9000');
  });

  it('deletes a template without linked clones', async () => {
    const fake = fakeHost(
      [guest(9000, 'qemu', 'stopped', { template: true }), guest(102, 'qemu', 'stopped')],
      {
        9000: 'scsi0: local-lvm:base-9000-disk-0,size=32G\ntemplate: 1\n',
        102: 'scsi0: local-lvm:vm-102-disk-0,size=32G\n',
      },
    );
    const result = await run(['delete', '9000', '--yes'], fake);
    expect(result.code).toBe(0);
    expect(fake.calls).toContain('qm destroy 9000');
  });
});

describe('snapshot / rollback / status', () => {
  it('validates snapshot names before calling the host', async () => {
    const fake = fakeHost([guest(100, 'qemu', 'running'), guest(101, 'lxc', 'running')]);
    expect((await run(['snapshot', '100', '1bad'], fake)).code).toBe(2);
    expect((await run(['snapshot', '100', 'pending'], fake)).code).toBe(2);
    expect((await run(['snapshot', '101', 'vzdump'], fake)).code).toBe(2);
    expect(fake.calls.filter((call) => call !== 'inventory')).toEqual([]);
    const ok = await run(['snapshot', '101', 'before-upgrade'], fake);
    expect(ok.code).toBe(0);
    expect(fake.calls).toContain('pct snapshot 101 before-upgrade');
    expect(ok.out).toContain("snapshot 'before-upgrade' taken");
  });

  it('rolls back', async () => {
    const fake = fakeHost([guest(100, 'qemu', 'running')]);
    const result = await run(['rollback', '100', 'snap1'], fake);
    expect(result.code).toBe(0);
    expect(fake.calls).toContain('qm rollback 100 snap1');
  });

  it('shows a guest from the inventory alone, plain and JSON', async () => {
    const fake = fakeHost([
      guest(100, 'qemu', 'running', { uptime: 3720, tags: ['prod', 'web'], lock: 'backup' }),
    ]);
    const plain = await run(['status', '100'], fake);
    expect(plain.out).toContain('100 g100');
    expect(plain.out).toMatch(/status\s+running \(up 1h 2m\)/);
    expect(plain.out).toMatch(/lock\s+backup/);
    expect(plain.out).toMatch(/tags\s+prod, web/);
    const json = JSON.parse((await run(['status', '100', '--json'], fake)).out) as GuestState;
    expect(json).toMatchObject({
      id: 100,
      type: 'qemu',
      node: 'pve',
      status: 'running',
      lock: 'backup',
    });
    expect(fake.calls.every((call) => call === 'inventory')).toBe(true);
  });
});
