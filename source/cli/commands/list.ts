import type { Command } from 'commander';
import { createHost } from '../../host/index.js';
import { publicSpec } from '../../reconcile/public-spec.js';
import { reconcile, type GuestRow } from '../../reconcile/reconcile.js';
import { loadSpecOrFail } from '../load-spec.js';
import { printJson } from '../output.js';
import type { CommandContext } from './index.js';

/** `phoenix list [--json]`: every guest of config and host with its state, from one host call. */
export function registerList(program: Command, context: CommandContext): void {
  program
    .command('list')
    .alias('ls')
    .description('every VM, container and template: what the config says and what the host has')
    .option('--json', 'machine-readable rows (with the desired, merged config values)')
    .action(async (options: { json?: boolean }, command: Command) => {
      const spec = loadSpecOrFail(command, context.output, { quiet: options.json ?? false });
      const inventory = await createHost().inventory();
      const rows = reconcile(spec, inventory).sort(byId);
      if (options.json) return printJson(context.output, rows.map(rowJson));
      for (const line of table(rows)) context.output.out(line);
    });
}

const byId = (a: GuestRow, b: GuestRow) =>
  (a.id ?? Number.MAX_SAFE_INTEGER) - (b.id ?? Number.MAX_SAFE_INTEGER);

function rowJson(row: GuestRow) {
  return {
    id: row.id ?? null,
    type: row.type,
    name: row.name,
    node: row.node ?? null,
    status: row.status,
    state: row.state,
    tags: row.live?.tags ?? row.spec?.tags ?? [],
    ...(row.live
      ? {
          cpu: row.live.cpu,
          mem: row.live.mem,
          maxmem: row.live.maxmem,
          template: row.live.template,
          ...(row.live.lock ? { lock: row.live.lock } : {}),
        }
      : {}),
    drift: row.drift,
    ...(row.spec ? { desired: publicSpec(row.spec) } : {}),
  };
}

function table(rows: GuestRow[]): string[] {
  const header = ['ID', 'TYPE', 'NAME', 'NODE', 'STATUS', 'STATE', 'CPU', 'MEM', 'TAGS'];
  const cells = rows.map((row) => [
    row.id === undefined ? '-' : String(row.id),
    row.type === 'qemu' ? 'vm' : 'ct',
    row.name,
    row.node ?? '-',
    row.status,
    row.state + (row.drift.length > 0 ? ` (${row.drift.map((d) => d.field).join(', ')})` : ''),
    row.live && row.live.status === 'running' ? `${(row.live.cpu * 100).toFixed(0)}%` : '-',
    row.live && row.live.maxmem > 0
      ? `${Math.round(row.live.mem / 1024 / 1024)}/${Math.round(row.live.maxmem / 1024 / 1024)}M`
      : '-',
    (row.live?.tags ?? row.spec?.tags ?? []).join(','),
  ]);
  const widths = header.map((title, index) =>
    Math.max(title.length, ...cells.map((cell) => cell[index]!.length)),
  );
  const render = (cell: string[]) =>
    cell
      .map((text, index) => text.padEnd(widths[index]!))
      .join('  ')
      .trimEnd();
  if (rows.length === 0) return ['No guests in the config or on the host.'];
  return [render(header), ...cells.map(render)];
}
