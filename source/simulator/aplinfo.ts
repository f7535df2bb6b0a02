// POST /nodes/{node}/aplinfo (`pvesh create /nodes/{node}/aplinfo --storage S --template T`),
// the API behind `pveam download`: a worker task of type `download` downloads a template of the
// catalogue onto a storage of that node. Checks before the task: the template (a parameter
// error), the storage (exists, enabled, available on the node, holds vztmpl). The call answers
// with the task's UPID; on the node itself the task runs in the foreground first (its log on
// stdout, its error on stderr, exit 0 all the same), on another node it runs on after the
// answer (tasks.ts) and only its status tells how it ended.
import type { Ctx } from './context.js';
import { SimError } from './errors.js';
import { listNodes } from './cluster.js';
import { writeAtomic } from './fsutil.js';
import { durations } from './latency.js';
import { onNode } from './node-root.js';
import { newTask, saveTask } from './tasks.js';
import { checkTemplateDownload, templateDownload } from './pveam.js';

function aplDownload(ctx: Ctx, vars: Record<string, string>, params: Record<string, string>) {
  const node = vars.node!;
  if (!listNodes(ctx.env).includes(node)) {
    throw new SimError(
      `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`,
    );
  }
  const { storage, template } = checkTemplateDownload(ctx, node, params.storage!, params.template!);
  const env = onNode(ctx.env, node);
  const outcome = templateDownload(ctx, env, storage, template);
  const task = newTask(node, 'download', template.file);
  const exitstatus = outcome.error ?? 'OK';
  if (node !== ctx.env.node) {
    // Proxied to the node: the answer comes at once, the worker runs on there.
    const [first, ...rest] = outcome.log;
    saveTask(ctx.env, {
      ...task,
      log: first === undefined ? [] : [first],
      pending: {
        endsAt: Date.now() + (outcome.writes.length > 0 ? durations.download * env.latency : 0),
        exitstatus,
        log: rest,
        writes: outcome.writes,
      },
    });
    return task.upid;
  }
  if (outcome.writes.length > 0) ctx.delay('download');
  for (const line of outcome.log) ctx.out(`${line}\n`);
  for (const write of outcome.writes) writeAtomic(write.file, write.content);
  if (outcome.error) ctx.err(`${outcome.error}\n`);
  saveTask(ctx.env, {
    ...task,
    status: 'stopped',
    exitstatus,
    log: [...outcome.log, exitstatus === 'OK' ? 'TASK OK' : `TASK ERROR: ${exitstatus}`],
  });
  return task.upid;
}

/** The pvesh route (registered in pvesh.ts). */
export const aplDownloadRoute = {
  method: 'POST',
  template: '/nodes/{node}/aplinfo',
  handler: aplDownload,
};
