import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = join(repoRoot, 'dist', 'cli.js');
export const simBin = join(repoRoot, 'dist', 'sim-bin');

export interface CallRecord {
  argv: string[];
  exit: number;
}

/** A fresh simulated Proxmox host plus a copy of a config dir, and helpers to run Phoenix on it. */
export interface SimHost {
  dir: string;
  configDir: string;
  runsDir: string;
  env: NodeJS.ProcessEnv;
  phoenix(
    args: string[],
    extraEnv?: NodeJS.ProcessEnv,
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  spawnPhoenix(args: string[], extraEnv?: NodeJS.ProcessEnv): ChildProcess;
  calls(): CallRecord[];
  setFaults(faults: unknown): void;
}

export async function createSimHost(
  options: { configFrom?: string; guests?: number; nodes?: number } = {},
): Promise<SimHost> {
  const base = mkdtempSync(join(tmpdir(), 'phoenix-sim-'));
  const dir = join(base, 'pve');
  const configDir = join(base, 'etc');
  const runsDir = join(base, 'runs');
  cpSync(options.configFrom ?? join(repoRoot, 'etc'), configDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${simBin}:${process.env.PATH ?? ''}`,
    PVE_SIM_DIR: dir,
    PVE_SIM_LATENCY: '0',
    // Host files Phoenix writes itself go into the simulated host.
    PHOENIX_HOST_ROOT: join(dir, 'fs'),
    PHOENIX_PVE_DIR: dir,
    PHOENIX_CONFIG_DIR: configDir,
    PHOENIX_RUNS_DIR: runsDir,
    LANG: 'C.UTF-8',
  };
  delete env.CI;
  const initArgs = ['sim', 'init', dir];
  if (options.guests) initArgs.push('--guests', String(options.guests));
  if (options.nodes) initArgs.push('--nodes', String(options.nodes));
  await run(process.execPath, [cliPath, ...initArgs], { env });
  return {
    dir,
    configDir,
    runsDir,
    env,
    async phoenix(args, extraEnv = {}) {
      try {
        const { stdout, stderr } = await run(process.execPath, [cliPath, ...args], {
          env: { ...env, ...extraEnv },
          maxBuffer: 64 * 1024 * 1024,
        });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const failure = error as { code?: number; stdout?: string; stderr?: string };
        return {
          code: typeof failure.code === 'number' ? failure.code : 1,
          stdout: failure.stdout ?? '',
          stderr: failure.stderr ?? '',
        };
      }
    },
    spawnPhoenix(args, extraEnv = {}) {
      return spawn(process.execPath, [cliPath, ...args], {
        env: { ...env, ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    },
    calls() {
      const log = join(dir, 'calls.jsonl');
      if (!existsSync(log)) return [];
      return readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as CallRecord);
    },
    setFaults(faults) {
      writeFileSync(join(dir, 'faults.json'), JSON.stringify(faults));
    },
  };
}

/**
 * Commands that change a host. Reads (config, status, list, listsnapshot, agent ping, pvesh get)
 * and read-only guest commands (cat, cloud-init status; also through the agent API) are not.
 */
export function isMutating(argv: readonly string[]): boolean {
  const [tool, verb, ...rest] = argv;
  // What ssh carries to another node is logged on its own, as that node ran it.
  if (tool === 'ssh') return false;
  // A node's own file commands (run over ssh): stat only reads.
  if (tool === 'stat') return false;
  if (tool === 'mkdir' || tool === 'chown') return true;
  if (tool === 'pvesh' && verb === 'create' && rest[0]?.endsWith('/agent/exec')) {
    const words = rest.flatMap((word, at) => (rest[at - 1] === '--command' ? [word] : []));
    return !isReadOnlyGuestCommand(words);
  }
  if (tool === 'pvesh') return verb !== 'get' && verb !== 'ls' && verb !== 'usage';
  if (tool === 'pvesm') return ['alloc', 'free', 'add', 'remove', 'set'].includes(verb ?? '');
  if (tool === 'pveam') return verb === 'download' || verb === 'remove';
  if (verb === 'guest' && rest[0] === 'exec')
    return !isReadOnlyGuestCommand(rest.slice(rest.indexOf('--') + 1));
  if (verb === 'exec') return !isReadOnlyGuestCommand(rest.slice(rest.indexOf('--') + 1));
  if (verb === 'agent') return rest[1] !== 'ping';
  return (
    !['list', 'status', 'config', 'pending', 'listsnapshot', 'cloudinit'].includes(verb ?? '') ||
    (verb === 'cloudinit' && rest[0] === 'update')
  );
}

function isReadOnlyGuestCommand(argv: readonly string[]): boolean {
  return argv[0] === 'cat' || (argv[0] === 'cloud-init' && argv[1] === 'status');
}
