// The Proxmox VE CLI simulator: dist/sim.js <qm|pct|pvesh|pvesm|pveam|ssh|__guest|__node> args...
// State: $PVE_SIM_DIR (see init.ts); node: $PVE_SIM_NODE (default pve); latency: $PVE_SIM_LATENCY;
// faults: faults.ts. Every call is appended to $PVE_SIM_DIR/calls.jsonl.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx, ToolMain } from './context.js';
import { readEnv, type SimEnv } from './env.js';
import { ParamError, SimError, UsageError } from './errors.js';
import { loadFaults, matchFailure, type Faults } from './faults.js';
import { delay } from './latency.js';
import { qmMain } from './qm.js';
import { pctMain } from './pct.js';
import { pveshMain } from './pvesh.js';
import { pvesmMain } from './pvesm.js';
import { pveamMain } from './pveam.js';
import { guestShim } from './guest-exec.js';
import { sshMain } from './ssh.js';
import { nodeFileMain } from './node-files.js';
import { settleTasks } from './tasks.js';

const tools: Record<string, ToolMain> = {
  qm: qmMain,
  pct: pctMain,
  pvesh: pveshMain,
  pvesm: pvesmMain,
  pveam: pveamMain,
  ssh: sshMain,
  __guest: guestShim,
  __node: nodeFileMain,
};

function report(ctx: Pick<Ctx, 'err'>, error: unknown): number {
  if (error instanceof ParamError) {
    let text = `${error.message}\n`;
    for (const key of Object.keys(error.errors).sort()) text += `${key}: ${error.errors[key]}\n`;
    const usage = (error as ParamError & { usage?: string }).usage;
    if (usage) text += `${usage}\n`;
    ctx.err(text);
    return error.exitCode;
  }
  if (error instanceof UsageError) {
    ctx.err(`${error.prefix}${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof SimError) {
    if (error.message) ctx.err(`${error.message}\n`);
    return error.exitCode;
  }
  ctx.err(
    `simulator internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return 255;
}

function main(): number {
  const started = performance.now();
  const [tool = '', ...args] = process.argv.slice(2);
  const out = (text: string) => void process.stdout.write(text);
  const err = (text: string) => void process.stderr.write(text);
  let env: SimEnv;
  try {
    env = readEnv();
  } catch (error) {
    err(`${(error as Error).message}\n`);
    return 255;
  }
  const toolMain = tools[tool];
  if (!toolMain) {
    err(`unknown simulated tool '${tool}' (qm, pct, pvesh, pvesm, pveam, ssh)\n`);
    return 255;
  }
  let faults: Faults = {};
  let exit: number;
  let stderrCopy = '';
  const ctx: Ctx = {
    env,
    tool,
    args,
    faults,
    out,
    err: (text) => {
      stderrCopy += text;
      err(text);
    },
    delay: (key, times) => delay(env.latency, key, times),
  };
  try {
    faults = loadFaults(env);
    ctx.faults = faults;
    // Workers that ran on after their call (another node's tasks) have got this far meanwhile.
    settleTasks(env);
    // a Perl tool's start-up; ssh pays for its connection itself
    if (tool !== '__guest' && tool !== '__node' && tool !== 'ssh') ctx.delay('base');
    // A node's file command (node-files.ts) is matched and logged under its own name.
    const [called, calledArgs] = tool === '__node' ? [args[0] ?? '', args.slice(1)] : [tool, args];
    const rule = tool === '__guest' ? undefined : matchFailure(env, faults, called, calledArgs);
    if (rule) {
      if (rule.stdout) out(rule.stdout.endsWith('\n') ? rule.stdout : `${rule.stdout}\n`);
      const message = rule.stderr ?? 'simulated failure';
      ctx.err(message.endsWith('\n') ? message : `${message}\n`);
      exit = rule.exit ?? 255;
    } else exit = toolMain(ctx);
  } catch (error) {
    exit = report(ctx, error);
  }
  if (tool !== '__guest') {
    const entry = {
      ts: new Date().toISOString(),
      argv: tool === '__node' ? args : [tool, ...args],
      exit,
      ms: Math.round((performance.now() - started) * 10) / 10,
      node: env.node,
      pid: process.pid,
      ...(exit !== 0 && stderrCopy ? { stderr: stderrCopy.slice(0, 2000) } : {}),
    };
    try {
      appendFileSync(join(env.dir, 'calls.jsonl'), JSON.stringify(entry) + '\n');
    } catch {
      // the state dir vanished: nothing to log into
    }
  }
  return exit;
}

// a reader that goes away (`qm list | head`) is not an error
process.stdout.on('error', () => undefined);
process.exitCode = main();
