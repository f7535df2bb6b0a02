import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { createHost, hintFor, HostError, type Host } from '../../host/index.js';
import { describeGuest, refOf, type Inventory } from '../../inventory/inventory.js';
import { deleteRefusal } from '../../lifecycle/guards.js';
import type { GuestState } from '../../inventory/types.js';
import { ExitCode, type ExitCodeValue } from '../../util/exit-codes.js';
import { UserError } from '../../util/user-error.js';
import { printJson } from '../output.js';
import { parseIds } from '../ids.js';
import type { CommandContext, RegisterCommand } from './index.js';

/** What the lifecycle commands need from the world; replaceable in tests. */
export interface LifecycleDeps {
  createHost: () => Host;
  /** Is there a terminal to ask on (stdin and stderr are TTYs)? */
  interactive: () => boolean;
  /** Asks a yes/no question on the terminal. */
  confirm: (question: string) => Promise<boolean>;
}

const defaultDeps: LifecycleDeps = {
  createHost: () => createHost(),
  interactive: () => Boolean(process.stdin.isTTY && process.stderr.isTTY),
  confirm: async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await rl.question(`${question} [y/N] `);
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  },
};

type Action = 'start' | 'stop' | 'shutdown' | 'reboot' | 'delete' | 'snapshot' | 'rollback';

/** The outcome of one action on one guest, as printed and as `--json` carries it. */
export interface ActionResult {
  id: number;
  type: GuestState['type'];
  name: string;
  node: string;
  action: Action;
  /** done: the host did it; skipped: nothing to do or the user said no; refused: Phoenix would not; failed: the host failed. */
  outcome: 'done' | 'skipped' | 'refused' | 'failed';
  message: string;
  /** Commands run on the host (redacted). */
  commands: string[][];
  error?: { kind: string; message: string; hint?: string };
}

const pastTense: Record<Action, string> = {
  start: 'started',
  stop: 'stopped',
  shutdown: 'shut down',
  reboot: 'rebooted',
  delete: 'deleted',
  snapshot: 'snapshot taken',
  rollback: 'rolled back',
};

/** Finds every ID in the inventory, or fails with exit 2 naming the unknown ones. */
function lookUp(inventory: Inventory, ids: readonly number[]): GuestState[] {
  const unknown = ids.filter((id) => !inventory.has(id));
  if (unknown.length > 0) {
    const some = inventory.guests
      .slice(0, 8)
      .map((guest) => guest.id)
      .join(', ');
    throw new UserError(
      `no VM or container with ID ${unknown.join(', ')} on this cluster`,
      inventory.guests.length > 0
        ? {
            hint: `existing IDs include ${some}${inventory.guests.length > 8 ? ', …' : ''} (phoenix list shows all)`,
          }
        : { hint: 'the cluster has no guests yet' },
    );
  }
  return ids.map((id) => inventory.get(id)!);
}

/** The inventory, or a user-facing error (exit 1) with Proxmox's message when the host fails. */
async function loadInventory(host: Host): Promise<Inventory> {
  try {
    return await host.inventory();
  } catch (error) {
    if (!(error instanceof HostError)) throw error;
    const hint = hintFor(error);
    throw new UserError(`cannot read the guest list from the host: ${error.message}`, {
      exitCode: ExitCode.failed,
      ...(hint ? { hint } : {}),
    });
  }
}

/** Snapshot names: `[a-z][a-z0-9_-]+`, at most 40 characters, not reserved. */
function checkSnapshotName(name: string, guest: GuestState): void {
  if (!/^[a-z][a-z0-9_-]+$/i.test(name) || name.length > 40) {
    throw new UserError(`invalid snapshot name '${name}'`, {
      hint: 'a snapshot name starts with a letter, then letters, digits, - or _ (2 to 40 characters)',
    });
  }
  const reserved = guest.type === 'qemu' ? ['current', 'pending'] : ['current', 'vzdump'];
  if (reserved.includes(name.toLowerCase())) {
    throw new UserError(`'${name}' is a reserved snapshot name`, {
      hint: `choose another name (${reserved.join(' and ')} are reserved)`,
    });
  }
}

class Reporter {
  readonly results: ActionResult[] = [];

  constructor(
    private readonly context: CommandContext,
    private readonly json: boolean,
  ) {}

  add(result: ActionResult): void {
    this.results.push(result);
    if (this.json) return;
    const who = describeGuest(result);
    if (result.outcome === 'done' || result.outcome === 'skipped') {
      this.context.output.out(`${who}: ${result.message}`);
      return;
    }
    this.context.output.err(`phoenix: ${who}: ${result.message}`);
    if (result.error?.hint) this.context.output.err(`  hint: ${result.error.hint}`);
  }

  /** Plain progress notes (not in --json, where only the results are printed). */
  note(guest: GuestState, text: string): void {
    if (!this.json) this.context.output.out(`${describeGuest(guest)}: ${text}`);
  }

  finish(): void {
    if (this.json) printJson(this.context.output, { results: this.results });
    const code: ExitCodeValue = this.results.some(
      (result) => result.outcome === 'failed' || result.outcome === 'refused',
    )
      ? ExitCode.failed
      : ExitCode.ok;
    this.context.setExitCode(code);
  }
}

function result(
  guest: GuestState,
  action: Action,
  outcome: ActionResult['outcome'],
  message: string,
  commands: string[][] = [],
): ActionResult {
  return {
    id: guest.id,
    type: guest.type,
    name: guest.name,
    node: guest.node,
    action,
    outcome,
    message,
    commands,
  };
}

function failure(
  guest: GuestState,
  action: Action,
  error: unknown,
  commands: string[][],
): ActionResult {
  if (!(error instanceof HostError)) throw error;
  const hint = hintFor(error, refOf(guest));
  const failed = result(guest, action, 'failed', `${action} failed: ${error.message}`, [
    ...commands,
    [...error.argv],
  ]);
  failed.error = { kind: error.kind, message: error.message, ...(hint ? { hint } : {}) };
  return failed;
}

/** Runs one host call for a guest and records its command line. */
async function attempt(
  commands: string[][],
  call: () => Promise<{ argv: readonly string[] }>,
): Promise<void> {
  const done = await call();
  commands.push([...done.argv]);
}

interface PowerOptions {
  json?: boolean;
  timeout?: string;
  forceStop?: boolean;
}

async function power(
  action: 'start' | 'stop' | 'shutdown' | 'reboot',
  rawIds: string[],
  options: PowerOptions,
  context: CommandContext,
  deps: LifecycleDeps,
): Promise<void> {
  const ids = parseIds(rawIds);
  let timeoutSeconds: number | undefined;
  if (options.timeout !== undefined) {
    if (!/^\d+$/.test(options.timeout)) {
      throw new UserError(`--timeout must be a whole number of seconds, got "${options.timeout}"`);
    }
    timeoutSeconds = Number(options.timeout);
  }
  const host = deps.createHost();
  const guests = lookUp(await loadInventory(host), ids);
  const reporter = new Reporter(context, options.json ?? false);
  for (const guest of guests) {
    const ref = refOf(guest);
    const running = guest.status === 'running' || guest.status === 'paused';
    if (guest.template && (action === 'start' || action === 'reboot')) {
      const refused = result(
        guest,
        action,
        'refused',
        `is a template; templates cannot be started`,
      );
      refused.error = {
        kind: 'template',
        message: 'templates cannot be started',
        hint: `clone it and start the clone (qm clone ${guest.id} <new id>)`,
      };
      reporter.add(refused);
      continue;
    }
    if (action === 'start' && guest.status === 'paused') {
      const refused = result(guest, action, 'refused', 'is paused; start does not resume it');
      refused.error = {
        kind: 'paused',
        message: 'the VM is paused',
        hint: `resume it with qm resume ${guest.id}${guest.node === '' ? '' : ` (on node ${guest.node})`}`,
      };
      reporter.add(refused);
      continue;
    }
    if (action === 'start' && running) {
      reporter.add(result(guest, action, 'skipped', 'already running'));
      continue;
    }
    if ((action === 'stop' || action === 'shutdown') && guest.status === 'stopped') {
      reporter.add(result(guest, action, 'skipped', 'already stopped'));
      continue;
    }
    if (action === 'reboot' && guest.status === 'stopped') {
      const refused = result(guest, action, 'refused', 'is not running, so it cannot be rebooted');
      refused.error = {
        kind: 'not-running',
        message: 'not running',
        hint: `start it instead: phoenix start ${guest.id}`,
      };
      reporter.add(refused);
      continue;
    }
    const commands: string[][] = [];
    try {
      await attempt(commands, () => {
        switch (action) {
          case 'start':
            return host.start(ref);
          case 'stop':
            return host.stop(ref);
          case 'reboot':
            return host.reboot(ref);
          case 'shutdown':
            return host.shutdown(ref, {
              ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
              ...(options.forceStop ? { forceStop: true } : {}),
            });
        }
      });
      reporter.add(result(guest, action, 'done', pastTense[action], commands));
    } catch (error) {
      reporter.add(failure(guest, action, error, commands));
    }
  }
  reporter.finish();
}

interface DeleteOptions {
  json?: boolean;
  purge?: boolean;
  yes?: boolean;
}

async function deleteGuests(
  rawIds: string[],
  options: DeleteOptions,
  context: CommandContext,
  deps: LifecycleDeps,
): Promise<void> {
  const ids = parseIds(rawIds);
  const interactive = deps.interactive();
  const host = deps.createHost();
  const inventory = await loadInventory(host);
  const guests = lookUp(inventory, ids);
  if (!options.yes && !interactive) {
    throw new UserError(
      `refusing to delete ${guests.map((guest) => describeGuest(guest)).join(', ')} without confirmation: there is no terminal to ask on`,
      { hint: `add --yes to confirm: phoenix delete ${ids.join(' ')} --yes` },
    );
  }
  const reporter = new Reporter(context, options.json ?? false);
  for (const guest of guests) {
    const ref = refOf(guest);
    const commands: string[][] = [];
    try {
      const config = await host.guestConfig(ref);
      const refusal = await deleteRefusal(host, inventory, guest, config);
      if (refusal) {
        const refused = result(guest, 'delete', 'refused', `${refusal.summary}; not deleted`);
        refused.error = { kind: refusal.kind, message: refusal.message, hint: refusal.hint };
        reporter.add(refused);
        continue;
      }
      const running = guest.status === 'running' || guest.status === 'paused';
      if (!options.yes) {
        const question = running
          ? `${describeGuest(guest)} is ${guest.status}. Stop it now and delete it with its disks? This cannot be undone.`
          : `Delete ${describeGuest(guest)} with its disks? This cannot be undone.`;
        if (!(await deps.confirm(question))) {
          reporter.add(result(guest, 'delete', 'skipped', 'not deleted (not confirmed)'));
          continue;
        }
      }
      if (running) {
        reporter.note(guest, `is ${guest.status}: stopping it before deleting`);
        await attempt(commands, () => host.stop(ref));
      }
      await attempt(commands, () => host.destroy(ref, { purge: options.purge ?? false }));
      reporter.add(result(guest, 'delete', 'done', pastTense.delete, commands));
    } catch (error) {
      reporter.add(failure(guest, 'delete', error, commands));
    }
  }
  reporter.finish();
}

async function snapshotOrRollback(
  action: 'snapshot' | 'rollback',
  rawId: string,
  name: string,
  options: { json?: boolean; description?: string; start?: boolean },
  context: CommandContext,
  deps: LifecycleDeps,
): Promise<void> {
  const [id] = parseIds([rawId]);
  const host = deps.createHost();
  const [guest] = lookUp(await loadInventory(host), [id!]);
  checkSnapshotName(name, guest!);
  const reporter = new Reporter(context, options.json ?? false);
  const ref = refOf(guest!);
  const commands: string[][] = [];
  try {
    if (action === 'snapshot') {
      await attempt(commands, () =>
        host.snapshot(
          ref,
          name,
          options.description !== undefined ? { description: options.description } : {},
        ),
      );
      reporter.add(result(guest!, action, 'done', `snapshot '${name}' taken`, commands));
    } else {
      await attempt(commands, () => host.rollback(ref, name, options.start ? { start: true } : {}));
      reporter.add(result(guest!, action, 'done', `rolled back to '${name}'`, commands));
    }
  } catch (error) {
    reporter.add(failure(guest!, action, error, commands));
  }
  reporter.finish();
}

const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

function uptimeText(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  return `${minutes}m ${seconds % 60}s`;
}

async function status(
  rawId: string,
  options: { json?: boolean },
  context: CommandContext,
  deps: LifecycleDeps,
): Promise<void> {
  const [id] = parseIds([rawId]);
  const host = deps.createHost();
  const [guest] = lookUp(await loadInventory(host), [id!]);
  const g = guest!;
  if (options.json) {
    printJson(context.output, g);
    return;
  }
  const running = g.status === 'running';
  const lines: Array<[string, string]> = [
    ['type', g.type === 'qemu' ? 'VM (qemu)' : 'container (lxc)'],
    ['node', g.node],
    ['status', running ? `${g.status} (up ${uptimeText(g.uptime)})` : g.status],
    ['template', g.template ? 'yes' : 'no'],
    ['lock', g.lock ?? '-'],
    ['tags', g.tags.length > 0 ? g.tags.join(', ') : '-'],
    ['cpu', running ? `${(g.cpu * 100).toFixed(1)}% of ${g.maxcpu} cores` : `${g.maxcpu} cores`],
    ['memory', running ? `${gib(g.mem)} of ${gib(g.maxmem)}` : gib(g.maxmem)],
    ['disk', g.disk > 0 ? `${gib(g.disk)} of ${gib(g.maxdisk)}` : gib(g.maxdisk)],
  ];
  if (g.pool) lines.push(['pool', g.pool]);
  if (g.hastate) lines.push(['ha', g.hastate]);
  context.output.out(`${g.id} ${g.name}`);
  for (const [key, value] of lines) context.output.out(`  ${key.padEnd(9)}${value}`);
}

/** `phoenix start|stop|shutdown|reboot|delete|snapshot|rollback|status`. */
export function createLifecycleCommands(deps: LifecycleDeps = defaultDeps): RegisterCommand {
  return (program: Command, context: CommandContext) => {
    const powerCommand = (action: 'start' | 'stop' | 'reboot', description: string): void => {
      program
        .command(`${action} <ids...>`)
        .description(description)
        .option('--json', 'machine-readable result')
        .action((ids: string[], options: PowerOptions) =>
          power(action, ids, options, context, deps),
        );
    };
    powerCommand('start', 'start VMs or containers (anywhere in the cluster)');
    powerCommand('stop', 'stop VMs or containers at once (like pulling the plug)');
    program
      .command('shutdown <ids...>')
      .description('shut VMs or containers down cleanly (ACPI / guest agent / container init)')
      .option('--timeout <seconds>', 'how long to wait for the guest (Proxmox default: 60)')
      .option('--force-stop', 'stop the guest hard if it has not shut down in time')
      .option('--json', 'machine-readable result')
      .action((ids: string[], options: PowerOptions) =>
        power('shutdown', ids, options, context, deps),
      );
    powerCommand('reboot', 'reboot running VMs or containers');

    program
      .command('delete <ids...>')
      .description(
        'delete VMs or containers with their disks (asks first; templates with linked clones and protected guests are refused)',
      )
      .option('--purge', 'also remove them from backup jobs, replication and HA')
      .option(
        '-y, --yes',
        'do not ask; needed when there is no terminal (stops running guests first)',
      )
      .option('--json', 'machine-readable result')
      .action((ids: string[], options: DeleteOptions) => deleteGuests(ids, options, context, deps));

    program
      .command('snapshot <id> <name>')
      .description('take a snapshot of a VM or container')
      .option('--description <text>', 'what the snapshot is for')
      .option('--json', 'machine-readable result')
      .action((id: string, name: string, options: { json?: boolean; description?: string }) =>
        snapshotOrRollback('snapshot', id, name, options, context, deps),
      );

    program
      .command('rollback <id> <name>')
      .description('roll a VM or container back to a snapshot (a running guest is stopped first)')
      .option('--start', 'start the guest after the rollback')
      .option('--json', 'machine-readable result')
      .action((id: string, name: string, options: { json?: boolean; start?: boolean }) =>
        snapshotOrRollback('rollback', id, name, options, context, deps),
      );

    program
      .command('status <id>')
      .description('show one VM or container as the host reports it')
      .option('--json', 'machine-readable output')
      .action((id: string, options: { json?: boolean }) => status(id, options, context, deps));
  };
}

export const registerLifecycle: RegisterCommand = createLifecycleCommands();
