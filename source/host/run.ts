import { execa } from 'execa';
import { StringDecoder } from 'node:string_decoder';
import { classifyFailure, HostError, silentFailure } from './errors.js';
import { nodeShellArgv, sshFailure, type RemoteNode } from './node-shell.js';
import { redactArgv, redactText } from './redact.js';

/** The Proxmox tools the adapter may run; nothing else is ever executed here. */
export const HOST_TOOLS = ['qm', 'pct', 'pvesh', 'pvesm', 'pveam'] as const;
export type HostTool = (typeof HOST_TOOLS)[number];

/**
 * On another node of the cluster, also these file commands, for what Phoenix does to this
 * node's files itself (a bind mount's directory, host-files.ts): no API reaches another node's.
 */
export const NODE_FILE_TOOLS = ['stat', 'mkdir', 'chown'] as const;

/** How long a kind of call may take before Phoenix gives up on it. */
export type CallKind = 'read' | 'lifecycle' | 'worker';

export type Timeouts = Record<CallKind, number>;

export const DEFAULT_TIMEOUTS: Timeouts = {
  /** list, status, config, pvesh get, pvesm status … */
  read: 30_000,
  /** start/stop/shutdown/reboot: qm shutdown alone waits up to 60 s (plus the stop that may follow). */
  lifecycle: 5 * 60_000,
  /** create, clone, destroy, resize, snapshot, rollback, template download: disk copies take long. */
  worker: 60 * 60_000,
};

/** What an observer learns about every host command (argv is redacted). */
export type HostCommandEvent =
  | { phase: 'start'; id: number; argv: readonly string[]; kind: CallKind }
  | {
      phase: 'end';
      id: number;
      argv: readonly string[];
      kind: CallKind;
      durationMs: number;
      exitCode: number | undefined;
      ok: boolean;
      /** Set when ok is false. */
      errorKind?: HostError['kind'];
    };

export type HostCommandObserver = (event: HostCommandEvent) => void;

export interface RunOptions {
  /** Kind of call, for the default timeout. Guessed from the argv when omitted. */
  kind?: CallKind;
  /** Milliseconds; overrides the kind's default. */
  timeoutMs?: number;
  /** Cancels the command (SIGTERM, then SIGKILL after 5 s). */
  signal?: AbortSignal;
  /** Written to the command's stdin. */
  input?: string;
  /** Environment for the child (PATH decides which qm/pct/… run). Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Per-kind timeouts (from the host options). */
  timeouts?: Partial<Timeouts>;
  /** Called at the start and end of the command. */
  observe?: HostCommandObserver;
  /** Each complete stdout line as it arrives (redacted), for long commands whose log streams. */
  onLine?: (line: string) => void;
  /** Runs the command on this other node of the cluster, over root SSH (node-shell.ts). */
  onNode?: RemoteNode;
}

/** A successful host command. stdout/stderr are redacted. */
export interface HostResult {
  argv: readonly string[];
  stdout: string;
  stderr: string;
  exitCode: number;
  durationMs: number;
}

const readSubcommands = new Set([
  'list',
  'status',
  'config',
  'pending',
  'listsnapshot',
  'get',
  'ls',
  'available',
  'usage',
  'help',
  'path',
]);
const lifecycleSubcommands = new Set(['start', 'stop', 'shutdown', 'reboot', 'suspend', 'resume']);

/** The timeout class of a command, from its tool and subcommand. */
export function guessCallKind(argv: readonly string[]): CallKind {
  const [tool, sub, path] = argv;
  if ((NODE_FILE_TOOLS as readonly string[]).includes(tool ?? '')) return 'read';
  if (tool === 'pvesm' && (sub === 'status' || sub === 'list')) return 'read';
  if (tool === 'pveam' && (sub === 'list' || sub === 'available')) return 'read';
  if (tool === 'pvesh') {
    if (sub === 'get' || sub === 'ls' || sub === 'usage') return 'read';
    if (/\/status\/(start|stop|shutdown|reboot|suspend|resume)$/.test(path ?? ''))
      return 'lifecycle';
    return 'worker';
  }
  if (sub && readSubcommands.has(sub)) return 'read';
  if (sub && lifecycleSubcommands.has(sub)) return 'lifecycle';
  if ((tool === 'qm' || tool === 'pct') && (sub === 'set' || sub === 'unlock')) return 'read';
  return 'worker';
}

let nextCommandId = 1;

/**
 * Runs one Proxmox tool with an argument array (never through a shell here; on another node
 * through ssh, quoted for its shell). Resolves with the redacted output; rejects with a classified
 * HostError — also when the tool exited 0 but its output says the task failed (the no-upid_exit
 * workers), or when ssh could not reach the node.
 */
export async function runHostCommand(
  argv: readonly string[],
  options: RunOptions = {},
): Promise<HostResult> {
  const [tool] = argv;
  const allowed: readonly string[] = options.onNode
    ? [...HOST_TOOLS, ...NODE_FILE_TOOLS]
    : HOST_TOOLS;
  if (!tool || !allowed.includes(tool)) {
    throw new Error(`not a Proxmox tool: ${String(tool)} (expected one of ${allowed.join(', ')})`);
  }
  const kind = options.kind ?? guessCallKind(argv);
  const timeout = options.timeoutMs ?? options.timeouts?.[kind] ?? DEFAULT_TIMEOUTS[kind];
  const [program, ...programArgs] = options.onNode ? nodeShellArgv(options.onNode, argv) : argv;
  const shownArgv = redactArgv([program!, ...programArgs]);
  const what = options.onNode ? `${tool} on ${options.onNode.name}` : tool;
  const id = nextCommandId++;
  const started = performance.now();
  options.observe?.({ phase: 'start', id, argv: shownArgv, kind });

  const finish = (exitCode: number | undefined, error?: HostError): void => {
    options.observe?.({
      phase: 'end',
      id,
      argv: shownArgv,
      kind,
      durationMs: performance.now() - started,
      exitCode,
      ok: !error,
      ...(error ? { errorKind: error.kind } : {}),
    });
  };

  const subprocess = execa(program!, programArgs, {
    reject: false,
    timeout,
    cancelSignal: options.signal,
    forceKillAfterDelay: 5_000,
    env: options.env ?? process.env,
    extendEnv: false,
    stripFinalNewline: false,
    encoding: 'utf8',
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
  });
  const stdoutStream = subprocess.stdout;
  if (options.onLine && stdoutStream) {
    const onLine = options.onLine;
    // A character may be split between two reads.
    const decoder = new StringDecoder('utf8');
    let carry = '';
    stdoutStream.on('data', (chunk: Buffer | string) => {
      const lines = (carry + (typeof chunk === 'string' ? chunk : decoder.write(chunk))).split(
        '\n',
      );
      carry = lines.pop() ?? '';
      for (const line of lines) onLine(redactText(line));
      // A command printing as fast as it can fills the pipe again at once, and the loop would
      // take read after read before anything else ran (keys, timers, the run store's writes,
      // which then pile up). One read per turn of the event loop; the command waits meanwhile.
      stdoutStream.pause();
      setImmediate(() => stdoutStream.resume());
    });
    stdoutStream.once('end', () => {
      const rest = carry + decoder.end();
      if (rest) onLine(redactText(rest));
    });
  }
  // A grandchild (a forked task, a daemon) that inherited stdout/stderr would keep the pipes open
  // after the tool itself has exited, and the call would never end. Once the tool is gone, give
  // its output a moment to drain, then close the pipes.
  let drain: NodeJS.Timeout | undefined;
  subprocess.once('exit', (_code, signal) => {
    drain = setTimeout(
      () => {
        subprocess.stdout?.destroy();
        subprocess.stderr?.destroy();
      },
      signal ? 200 : 2_000,
    );
    drain.unref();
  });
  const result = await subprocess;
  clearTimeout(drain);

  const stdout = redactText(String(result.stdout ?? ''));
  const stderr = redactText(String(result.stderr ?? ''));
  const durationMs = performance.now() - started;

  if (result.timedOut || result.isCanceled || result.failed) {
    let error: HostError;
    if (result.timedOut) {
      error = new HostError({
        kind: 'timeout',
        message: `${what} did not finish within ${Math.round(timeout / 1000)} s and was stopped`,
        argv: shownArgv,
        stdout,
        stderr,
        exitCode: undefined,
        timedOut: true,
      });
    } else if (result.isCanceled) {
      error = new HostError({
        kind: 'failed',
        message: `${what} was cancelled`,
        argv: shownArgv,
        stdout,
        stderr,
        exitCode: undefined,
        aborted: true,
      });
    } else if (result.exitCode === undefined && result.signal) {
      error = new HostError({
        kind: 'failed',
        message: `${what} was killed by ${result.signal}`,
        argv: shownArgv,
        stdout,
        stderr,
        exitCode: undefined,
      });
    } else if (result.exitCode === undefined) {
      error = spawnError(
        program!,
        result.code,
        result.originalMessage ?? result.shortMessage,
        shownArgv,
      );
    } else {
      const unreachable = options.onNode && sshFailure(result.exitCode, stderr);
      const classified = unreachable
        ? { kind: 'node-unreachable' as const, message: unreachable, node: options.onNode!.name }
        : classifyFailure(stderr, stdout);
      error = new HostError({
        ...classified,
        argv: shownArgv,
        stdout,
        stderr,
        exitCode: result.exitCode,
      });
    }
    finish(result.exitCode, error);
    throw error;
  }

  const hidden = silentFailure(argv, stdout, stderr);
  if (hidden !== undefined) {
    const classified = classifyFailure(stderr || hidden, stdout);
    const error = new HostError({
      ...classified,
      message: classified.kind === 'failed' ? hidden : classified.message,
      argv: shownArgv,
      stdout,
      stderr,
      exitCode: 0,
    });
    finish(0, error);
    throw error;
  }

  finish(0);
  return { argv: shownArgv, stdout, stderr, exitCode: 0, durationMs };
}

function spawnError(
  tool: string,
  code: string | undefined,
  message: string | undefined,
  argv: readonly string[],
): HostError {
  const missing = code === 'ENOENT';
  const denied = code === 'EACCES';
  return new HostError({
    kind: missing ? 'not-found' : denied ? 'permission' : 'failed',
    message: missing
      ? `${tool}: command not found on PATH (Phoenix runs on a Proxmox VE host)`
      : denied
        ? `${tool}: permission denied (run Phoenix as root on the Proxmox VE host)`
        : `${tool} could not be started: ${redactText(message ?? code ?? 'unknown error')}`,
    argv,
    stdout: '',
    stderr: '',
    exitCode: undefined,
  });
}
