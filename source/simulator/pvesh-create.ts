// The API's creating calls for guests — POST /nodes/{node}/qemu|lxc (create),
// POST …/{vmid}/clone and PUT /nodes/{node}/qemu/{vmid}/cloudinit — answered by running the
// matching qm/pct command as if on {node}, the node the API proxies the call to.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Ctx } from './context.js';
import { paths } from './env.js';
import { SimError } from './errors.js';
import { listNodes } from './cluster.js';
import { qmMain } from './qm.js';
import { pctMain } from './pct.js';

/** pvesh's own output options: not passed on to qm/pct. */
const outputOptions = new Set(['output-format', 'noheader', 'noborder', 'quiet', 'human-readable']);

function onNode(ctx: Ctx, node: string, tool: 'qm' | 'pct', args: string[]): void {
  if (!listNodes(ctx.env).includes(node)) {
    throw new SimError(
      `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`,
    );
  }
  const sub: Ctx = { ...ctx, env: { ...ctx.env, node }, tool, args };
  const code = (tool === 'qm' ? qmMain : pctMain)(sub);
  if (code !== 0) throw new SimError('', code);
}

function options(params: Record<string, string>, skip: string[]): string[] {
  return Object.entries(params)
    .filter(([key]) => !outputOptions.has(key) && !skip.includes(key))
    .flatMap(([key, value]) => [`--${key}`, value]);
}

function taskId(node: string, type: string, id: string): string {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
  return `UPID:${node}:${hex(process.pid)}:${hex(Math.floor(performance.now()))}:${hex(Math.floor(Date.now() / 1000))}:${type}:${id}:root@pam:`;
}

type Handler = (ctx: Ctx, vars: Record<string, string>, params: Record<string, string>) => unknown;

export const guestCreateRoutes: { method: string; template: string; handler: Handler }[] = [
  {
    method: 'POST',
    template: '/nodes/{node}/qemu',
    handler(ctx, vars, params) {
      onNode(ctx, vars.node!, 'qm', ['create', params.vmid ?? '', ...options(params, ['vmid'])]);
      return taskId(vars.node!, 'qmcreate', params.vmid ?? '');
    },
  },
  {
    method: 'POST',
    template: '/nodes/{node}/lxc',
    handler(ctx, vars, params) {
      onNode(ctx, vars.node!, 'pct', [
        'create',
        params.vmid ?? '',
        params.ostemplate ?? '',
        ...options(params, ['vmid', 'ostemplate']),
      ]);
      return taskId(vars.node!, 'vzcreate', params.vmid ?? '');
    },
  },
  ...(['qemu', 'lxc'] as const).map((kind) => ({
    method: 'POST',
    template: `/nodes/{node}/${kind}/{vmid}/clone`,
    handler: ((ctx, vars, params) => {
      onNode(ctx, vars.node!, kind === 'qemu' ? 'qm' : 'pct', [
        'clone',
        vars.vmid!,
        params.newid ?? '',
        ...options(params, ['newid']),
      ]);
      return taskId(vars.node!, kind === 'qemu' ? 'qmclone' : 'vzclone', vars.vmid!);
    }) as Handler,
  })),
  {
    method: 'PUT',
    template: '/nodes/{node}/qemu/{vmid}/cloudinit',
    handler(ctx, vars) {
      onNode(ctx, vars.node!, 'qm', ['cloudinit', 'update', vars.vmid!]);
      return null;
    },
  },
];

/**
 * The config API takes `sshkeys` as the URL-encoded keys; `qm set --sshkeys` takes a file. For a
 * delegated `qm set` the keys go through a file in the state dir.
 */
export function sshKeysAsFile(ctx: Ctx, params: Record<string, string>): Record<string, string> {
  if (params.sshkeys === undefined) return params;
  const dir = paths.sim(ctx.env.dir, 'tmp');
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/sshkeys-${process.pid}`;
  writeFileSync(file, decodeURIComponent(params.sshkeys));
  return { ...params, sshkeys: file };
}
