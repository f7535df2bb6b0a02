import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { formatDiagnostic } from '../../config/format.js';
import { createHost, hintFor, HostError, HOST_TOOLS, type Host } from '../../host/index.js';
import { runsDir } from '../../runs/store.js';
import { ExitCode } from '../../util/exit-codes.js';
import { colorEnabled, glyphs, localeIsUtf8, wantsAscii } from '../../util/terminal.js';
import { configDirOf } from '../load-spec.js';
import { printJson, type Output } from '../output.js';
import type { CommandContext } from './index.js';
import { simBinDir } from './sim.js';

/** ok: nothing to do; warning: Phoenix works, with a limit; problem: something will fail. */
export type CheckStatus = 'ok' | 'warning' | 'problem';

export interface DoctorCheck {
  /** Stable key for scripts (`node`, `tools`, `root`, …). */
  id: string;
  title: string;
  status: CheckStatus;
  /** What was found. */
  detail: string;
  /** How to fix it (warnings and problems). */
  fix?: string;
}

/** Everything the checks look at, injectable for tests. */
export interface DoctorEnvironment {
  env: NodeJS.ProcessEnv;
  nodeVersion: string;
  nodePath: string;
  uid: number | undefined;
  configDir: string;
  runsDir: string;
  /** The simulator's qm, pct, … (dist/sim-bin next to the bundle). */
  simBinDir: string;
  terminal: { isTTY: boolean; columns?: number; rows?: number; colorDepth?: number };
  host: () => Host;
}

const MIN_NODE: [number, number] = [20, 5];
const MIN_SIZE = { columns: 80, rows: 24 };
/** Proxmox version check: the only host call; a healthy pvesh answers in well under this. */
const VERSION_TIMEOUT_MS = 20_000;

export function checkNode(version: string, execPath: string): DoctorCheck {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return {
    id: 'node',
    title: 'Node.js',
    status: ok ? 'ok' : 'problem',
    detail: `${version} (${execPath})`,
    ...(ok
      ? {}
      : {
          fix: 'install Node.js 20.5 or newer, or use the release tarball that carries its own Node (…-linux-x64-node20.tar.gz)',
        }),
  };
}

/** Where an executable is found on PATH, like `command -v`, without running anything. */
export function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** A simulator launcher: dist/sim-bin/<tool> (of this install or any checkout) beside sim.js. */
export function isSimulatorTool(file: string, simBinDir: string): boolean {
  const real = safeRealpath(file);
  const dir = dirname(real);
  if (dir === safeRealpath(simBinDir)) return true;
  return basename(dir) === 'sim-bin' && existsSync(join(dir, '..', 'sim.js'));
}

function safeRealpath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

export interface ToolsFound {
  check: DoctorCheck;
  /** Every tool is on PATH. */
  complete: boolean;
  /** At least one tool is the simulator's. */
  simulated: boolean;
}

export function checkTools(env: NodeJS.ProcessEnv, simBinDir: string): ToolsFound {
  const found = HOST_TOOLS.map((tool) => ({ tool, file: findOnPath(tool, env.PATH) }));
  const missing = found.filter((entry) => !entry.file).map((entry) => entry.tool);
  const simulated = found.filter((entry) => entry.file && isSimulatorTool(entry.file, simBinDir));
  const where = [...new Set(found.flatMap((entry) => (entry.file ? [dirname(entry.file)] : [])))];
  if (missing.length > 0) {
    return {
      complete: false,
      simulated: simulated.length > 0,
      check: {
        id: 'tools',
        title: 'Proxmox tools',
        status: 'problem',
        detail: `not on PATH: ${missing.join(', ')}`,
        fix:
          'run Phoenix on the Proxmox VE node itself (as root, PATH with /usr/sbin); ' +
          'to try it without Proxmox: PATH="$(phoenix sim path):$PATH" PVE_SIM_DIR=/tmp/pve phoenix …' +
          ' after `phoenix sim init /tmp/pve`',
      },
    };
  }
  if (simulated.length > 0) {
    return {
      complete: true,
      simulated: true,
      check: {
        id: 'tools',
        title: 'Proxmox tools',
        status: 'warning',
        detail: `${HOST_TOOLS.join(', ')} are the bundled simulator (${where.join(', ')}), not a real Proxmox host`,
        fix: 'fine for a demo; on a real host take the simulator folder out of PATH',
      },
    };
  }
  return {
    complete: true,
    simulated: false,
    check: {
      id: 'tools',
      title: 'Proxmox tools',
      status: 'ok',
      detail: `${HOST_TOOLS.join(', ')} in ${where.join(', ')}`,
    },
  };
}

export function checkRoot(uid: number | undefined, simulated: boolean): DoctorCheck {
  if (uid === 0) return { id: 'root', title: 'User', status: 'ok', detail: 'root' };
  return {
    id: 'root',
    title: 'User',
    // The simulator runs as anyone; qm and pct on a real host refuse everyone but root.
    status: simulated ? 'warning' : 'problem',
    detail: `uid ${uid ?? 'unknown'}, not root`,
    fix: 'qm and pct need root on a Proxmox host: run `sudo phoenix …` or log in as root',
  };
}

export function checkConfig(configDir: string): DoctorCheck {
  const result = loadConfig(configDir);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
  const guests = `${result.spec.vms.length} VM${result.spec.vms.length === 1 ? '' : 's'}, ${result.spec.containers.length} container${result.spec.containers.length === 1 ? '' : 's'}`;
  if (errors.length > 0) {
    return {
      id: 'config',
      title: 'Config',
      status: 'problem',
      detail: `${configDir}: ${errors.length} error${errors.length === 1 ? '' : 's'}; first: ${formatDiagnostic(errors[0]!).split('\n')[0]}`,
      fix: `run \`phoenix validate --config-dir ${configDir}\` for every finding with its fix`,
    };
  }
  if (warnings.length > 0) {
    return {
      id: 'config',
      title: 'Config',
      status: 'warning',
      detail: `${configDir}: ${guests}, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}`,
      fix: `run \`phoenix validate --config-dir ${configDir}\` to see them`,
    };
  }
  return { id: 'config', title: 'Config', status: 'ok', detail: `${configDir}: ${guests}` };
}

/** The runs folder, or the nearest folder that exists above it, must be writable. */
export function checkRunStore(dir: string): DoctorCheck {
  let probe = dir;
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  try {
    if (!statSync(probe).isDirectory()) throw new Error('not a directory');
    accessSync(probe, constants.W_OK);
    return {
      id: 'runs',
      title: 'Run logs',
      status: 'ok',
      detail: probe === dir ? `${dir} (writable)` : `${dir} (will be created)`,
    };
  } catch {
    return {
      id: 'runs',
      title: 'Run logs',
      status: 'problem',
      detail: `${probe} is not a writable folder, so runs cannot be recorded in ${dir}`,
      fix: 'run as root (logs go to /var/log/phoenix_hypervisor/runs) or set PHOENIX_RUNS_DIR to a writable folder',
    };
  }
}

export function checkTerminal(
  terminal: DoctorEnvironment['terminal'],
  env: NodeJS.ProcessEnv,
): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  checks.push(
    terminal.isTTY
      ? { id: 'tty', title: 'Terminal', status: 'ok', detail: 'output is a terminal' }
      : {
          id: 'tty',
          title: 'Terminal',
          status: 'warning',
          detail: 'output is not a terminal: the TUI will not open (commands work)',
          fix: 'run phoenix in an interactive shell (ssh -t for a remote command)',
        },
  );
  const term = env.TERM ?? '';
  checks.push(
    term && term !== 'dumb'
      ? { id: 'term', title: 'TERM', status: 'ok', detail: term }
      : {
          id: 'term',
          title: 'TERM',
          status: 'warning',
          detail: term ? 'dumb: no cursor movement' : 'not set',
          fix: 'export TERM=xterm-256color',
        },
  );
  checks.push(
    localeIsUtf8(env)
      ? {
          id: 'locale',
          title: 'Locale',
          status: 'ok',
          detail: `${env.LC_ALL || env.LC_CTYPE || env.LANG} (UTF-8)`,
        }
      : {
          id: 'locale',
          title: 'Locale',
          status: 'warning',
          detail: `${env.LC_ALL || env.LC_CTYPE || env.LANG || 'not set'}: not UTF-8, Phoenix draws ASCII only`,
          fix: 'export LANG=C.UTF-8 (Debian has it without locale-gen)',
        },
  );
  if (!colorEnabled(env)) {
    checks.push({
      id: 'colour',
      title: 'Colours',
      status: 'ok',
      detail: 'off (NO_COLOR is set)',
    });
  } else if (terminal.isTTY && (terminal.colorDepth ?? 1) < 4) {
    checks.push({
      id: 'colour',
      title: 'Colours',
      status: 'warning',
      detail: 'the terminal reports no colours: states are shown by icon only',
      fix: 'use a colour terminal, e.g. TERM=xterm-256color',
    });
  } else {
    checks.push({
      id: 'colour',
      title: 'Colours',
      status: 'ok',
      detail: terminal.isTTY ? `${2 ** (terminal.colorDepth ?? 1)} colours` : 'on',
    });
  }
  if (terminal.isTTY && terminal.columns && terminal.rows) {
    const small = terminal.columns < MIN_SIZE.columns || terminal.rows < MIN_SIZE.rows;
    checks.push({
      id: 'size',
      title: 'Size',
      status: small ? 'warning' : 'ok',
      detail: `${terminal.columns}x${terminal.rows}`,
      ...(small ? { fix: 'make the window at least 80x24 for the TUI' } : {}),
    });
  }
  return checks;
}

export async function checkProxmoxVersion(
  host: Host,
  simulated: boolean,
  env: NodeJS.ProcessEnv,
): Promise<DoctorCheck> {
  try {
    const info = await host.version({ timeoutMs: VERSION_TIMEOUT_MS });
    const major = Number(info.version.split('.')[0]);
    const old = Number.isFinite(major) && major < 8;
    return {
      id: 'proxmox',
      title: 'Proxmox VE',
      status: old ? 'warning' : 'ok',
      detail: `${info.version}${info.repoid ? ` (${info.repoid})` : ''}${simulated ? ', simulated' : ''}`,
      ...(old ? { fix: 'Phoenix is tested with Proxmox VE 8 and 9; upgrade the host' } : {}),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const hint = error instanceof HostError ? hintFor(error) : undefined;
    return {
      id: 'proxmox',
      title: 'Proxmox VE',
      status: 'problem',
      detail: `pvesh get /version failed: ${message.split('\n')[0]}`,
      fix:
        simulated && !env.PVE_SIM_DIR
          ? 'the simulator needs a state folder: `phoenix sim init /tmp/pve` and export PVE_SIM_DIR=/tmp/pve'
          : (hint ?? 'check that pve-cluster is running: systemctl status pve-cluster pvedaemon'),
    };
  }
}

/** Every check, in the order they are shown. */
export async function runDoctor(environment: DoctorEnvironment): Promise<DoctorCheck[]> {
  const tools = checkTools(environment.env, environment.simBinDir);
  const checks = [
    checkNode(environment.nodeVersion, environment.nodePath),
    tools.check,
    checkRoot(environment.uid, tools.simulated),
  ];
  if (tools.complete)
    checks.push(await checkProxmoxVersion(environment.host(), tools.simulated, environment.env));
  checks.push(checkConfig(environment.configDir), checkRunStore(environment.runsDir));
  checks.push(...checkTerminal(environment.terminal, environment.env));
  return checks;
}

export function formatChecks(checks: DoctorCheck[], ascii: boolean): string[] {
  const glyph = glyphs(ascii);
  const icon = { ok: glyph.ok, warning: glyph.warn, problem: glyph.fail };
  const iconWidth = Math.max(...Object.values(icon).map((text) => text.length));
  const titleWidth = Math.max(...checks.map((check) => check.title.length));
  const lines: string[] = [];
  for (const check of checks) {
    lines.push(
      `${icon[check.status].padEnd(iconWidth)} ${check.title.padEnd(titleWidth)}  ${check.detail}`,
    );
    if (check.fix) lines.push(`${' '.repeat(iconWidth + titleWidth + 3)}fix: ${check.fix}`);
  }
  const problems = checks.filter((check) => check.status === 'problem').length;
  const warnings = checks.filter((check) => check.status === 'warning').length;
  lines.push(
    '',
    problems === 0
      ? `No problems${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}.`
      : `${problems} problem${problems === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`,
  );
  return lines;
}

function printReport(output: Output, checks: DoctorCheck[], json: boolean, ascii: boolean): void {
  if (json) {
    printJson(output, { ok: !checks.some((check) => check.status === 'problem'), checks });
    return;
  }
  for (const line of formatChecks(checks, ascii)) output.out(line);
}

/** `phoenix doctor [--json]`: is this machine ready for Phoenix, and how to fix what is not. */
export function registerDoctor(program: Command, context: CommandContext): void {
  program
    .command('doctor')
    .description(
      'check this machine: Node, Proxmox tools, root, config, run logs, terminal (each with its fix)',
    )
    .option('--json', 'print { ok, checks: [{ id, title, status, detail, fix }] }')
    .action(async (options: { json?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<{ ascii?: boolean }>();
      const checks = await runDoctor({
        env: process.env,
        nodeVersion: process.versions.node,
        nodePath: process.execPath,
        uid: process.getuid?.(),
        configDir: configDirOf(command),
        runsDir: runsDir(),
        simBinDir: simBinDir(),
        terminal: {
          isTTY: process.stdout.isTTY === true,
          columns: process.stdout.columns,
          rows: process.stdout.rows,
          colorDepth: process.stdout.isTTY ? process.stdout.getColorDepth() : undefined,
        },
        host: () => createHost(),
      });
      printReport(
        context.output,
        checks,
        options.json ?? false,
        wantsAscii(process.env, globals.ascii),
      );
      if (checks.some((check) => check.status === 'problem')) context.setExitCode(ExitCode.failed);
    });
}
