import { execa } from 'execa';
import { redactText } from './redact.js';

/**
 * The host adapter's second entry point, for `phoenix setup`: it runs Phoenix's own host step
 * scripts (features/hypervisor/*.sh) with bash, and reads host facts with a fixed list of
 * read-only commands. The Proxmox tools of run.ts stay restricted to qm/pct/pvesh/pvesm/pveam.
 */

export interface HostScriptOptions {
  /** Environment of the script (PATH decides which system commands it reaches). */
  env?: NodeJS.ProcessEnv;
  /** Written to the script's stdin. */
  input?: string;
  /** Cancels the script (SIGTERM, then SIGKILL after 5 s). */
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Every output line as it arrives, already redacted. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** How a script ended. Its exit code is part of its contract, so a non-zero exit is not thrown. */
export interface HostScriptResult {
  /** Undefined when the script did not exit by itself (timeout, abort, killed). */
  exitCode: number | undefined;
  /** Redacted. */
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
}

const DEFAULT_SCRIPT_TIMEOUT_MS = 2 * 60 * 60_000;

/** Runs `bash <script> <args…>` (never through a shell string). */
export async function runHostScript(
  script: string,
  args: readonly string[],
  options: HostScriptOptions = {},
): Promise<HostScriptResult> {
  const started = performance.now();
  const subprocess = execa('bash', [script, ...args], {
    reject: false,
    timeout: options.timeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS,
    cancelSignal: options.signal,
    forceKillAfterDelay: 5_000,
    env: options.env ?? process.env,
    extendEnv: false,
    stripFinalNewline: false,
    encoding: 'utf8',
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
  });
  for (const stream of ['stdout', 'stderr'] as const) {
    let pending = '';
    subprocess[stream]?.on('data', (chunk: Buffer | string) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) options.onLine?.(redactText(line), stream);
    });
    subprocess[stream]?.on('end', () => {
      if (pending !== '') options.onLine?.(redactText(pending), stream);
      pending = '';
    });
  }
  const result = await subprocess;
  return {
    exitCode: result.exitCode,
    stdout: redactText(String(result.stdout ?? '')),
    stderr: redactText(String(result.stderr ?? '')),
    timedOut: result.timedOut,
    aborted: result.isCanceled,
    durationMs: performance.now() - started,
  };
}

/**
 * Read-only commands `probe` may run, and the arguments that keep them read-only. A probe that
 * does not pass is refused before anything starts.
 */
const readOnly: Record<string, (args: readonly string[]) => boolean> = {
  pveversion: () => true,
  pvesubscription: (args) => args[0] === 'get',
  lspci: () => true,
  lsblk: () => true,
  // wipefs lists signatures unless told to erase them.
  wipefs: (args) => !args.some((a) => /^(-a|--all|-o|--offset|-f|--force|-t|--types)$/.test(a)),
  zpool: (args) => ['list', 'status', 'get'].includes(args[0] ?? ''),
  zfs: (args) => ['list', 'get'].includes(args[0] ?? ''),
  pvesm: (args) => ['status', 'list'].includes(args[0] ?? ''),
  'nvidia-smi': (args) => args.every((a) => a.startsWith('--query') || a.startsWith('--format')),
  timedatectl: (args) => args[0] === 'show' || args[0] === 'status',
  'dpkg-query': (args) => args[0] === '-W' || args[0] === '--show',
  uname: () => true,
};

export interface ProbeResult {
  /** Exited 0. */
  ok: boolean;
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** The command is not installed on this host. */
  missing: boolean;
}

/** Runs a read-only host command for a fact (preflight); never throws for a failed command. */
export async function probe(
  argv: readonly string[],
  options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<ProbeResult> {
  const [tool, ...args] = argv;
  const allowed = tool ? readOnly[tool] : undefined;
  if (!tool || !allowed || !allowed(args)) {
    throw new Error(`not a read-only probe: ${argv.join(' ')}`);
  }
  const result = await execa(tool, args, {
    reject: false,
    timeout: options.timeoutMs ?? 30_000,
    cancelSignal: options.signal,
    env: options.env ?? process.env,
    extendEnv: false,
    stdin: 'ignore',
    encoding: 'utf8',
  });
  return {
    ok: result.exitCode === 0,
    exitCode: result.exitCode,
    stdout: redactText(String(result.stdout ?? '')),
    stderr: redactText(String(result.stderr ?? '')),
    missing: result.code === 'ENOENT',
  };
}

/**
 * A SHA-512 crypt(3) hash (`$6$…`) of a password, made by `openssl passwd -6 -stdin`: the
 * password goes in on stdin, never on a command line, and only the hash comes back.
 */
export async function hashPassword(
  password: string,
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  if (/[\r\n]/.test(password)) throw new Error('a password cannot contain a line break');
  const result = await execa('openssl', ['passwd', '-6', '-stdin'], {
    reject: false,
    input: `${password}\n`,
    env: options.env ?? process.env,
    extendEnv: false,
    encoding: 'utf8',
    timeout: 30_000,
  });
  const hash = String(result.stdout ?? '').trim();
  if (result.exitCode !== 0 || !/^\$6\$[./A-Za-z0-9]+\$[./A-Za-z0-9]+$/.test(hash)) {
    throw new Error('openssl could not hash the password (is openssl installed?)');
  }
  return hash;
}
