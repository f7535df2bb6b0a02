import { formatArgv } from './redact.js';

/** What went wrong on the host, in terms a caller can act on. */
export type HostErrorKind =
  | 'not-found'
  | 'exists'
  | 'locked'
  | 'invalid-parameter'
  | 'agent-not-configured'
  | 'agent-not-running'
  | 'not-running'
  | 'timeout'
  | 'permission'
  | 'storage'
  /** ssh could not run the command on another node of the cluster. */
  | 'node-unreachable'
  | 'failed';

export interface HostErrorDetails {
  kind: HostErrorKind;
  /** Proxmox's own message (redacted), the part worth showing to the user. */
  message: string;
  /** The command as run, secrets redacted. */
  argv: readonly string[];
  /** The whole stderr, secrets redacted. */
  stderr: string;
  /** The whole stdout, secrets redacted (task logs carry useful context). */
  stdout: string;
  /** Process exit code; undefined when the process did not exit by itself (timeout, abort, spawn failure). */
  exitCode: number | undefined;
  /** For 'invalid-parameter': `param: message` lines of `400 Parameter verification failed.` */
  parameters?: Record<string, string>;
  /** For 'locked': the lock name (`backup`, `clone`, …) when Proxmox said it. */
  lock?: string;
  /** For 'timeout': whether Phoenix's own timeout fired (rather than Proxmox reporting one). */
  timedOut?: boolean;
  /** The run was cancelled through its AbortSignal. */
  aborted?: boolean;
  /** For 'node-unreachable': the node ssh could not run the command on. */
  node?: string;
}

/** A host command failed. `message` is Proxmox's own text; `command` is the redacted command line. */
export class HostError extends Error {
  readonly kind: HostErrorKind;
  readonly argv: readonly string[];
  readonly stderr: string;
  readonly stdout: string;
  readonly exitCode: number | undefined;
  readonly parameters: Record<string, string> | undefined;
  readonly lock: string | undefined;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  readonly node: string | undefined;

  constructor(details: HostErrorDetails) {
    super(details.message);
    this.name = 'HostError';
    this.kind = details.kind;
    this.argv = details.argv;
    this.stderr = details.stderr;
    this.stdout = details.stdout;
    this.exitCode = details.exitCode;
    this.parameters = details.parameters;
    this.lock = details.lock;
    this.timedOut = details.timedOut ?? false;
    this.aborted = details.aborted ?? false;
    this.node = details.node;
  }

  /** The command line, for display (already redacted). */
  get command(): string {
    return formatArgv(this.argv);
  }

  /** For --json output and the run store: everything but the (long) output streams. */
  toJSON(): {
    kind: HostErrorKind;
    message: string;
    argv: readonly string[];
    exitCode: number | null;
    parameters?: Record<string, string>;
    lock?: string;
  } {
    return {
      kind: this.kind,
      message: this.message,
      argv: this.argv,
      exitCode: this.exitCode ?? null,
      ...(this.parameters ? { parameters: this.parameters } : {}),
      ...(this.lock ? { lock: this.lock } : {}),
    };
  }
}

export interface Classification {
  kind: HostErrorKind;
  message: string;
  parameters?: Record<string, string>;
  lock?: string;
}

/** Lines that are noise in an error message: the usage line after a 400, warnings, blank lines. */
function meaningfulLines(stderr: string): string[] {
  return (
    stderr
      .split('\n')
      // Storage tools indent their messages (`  Insufficient free space: …`).
      .map((line) => line.trim())
      .filter(
        (line) =>
          line.trim() !== '' &&
          !/^WARN: /.test(line) &&
          !/^Task finished with \d+ warning/.test(line) &&
          !/^(qm|pct|pvesh|pvesm|pveam) \S.*\[OPTIONS\]/.test(line) &&
          !/^USAGE: /.test(line),
      )
      // Perl's ` at /usr/share/perl5/PVE/CLI/pct.pm line 123.` suffix says nothing to a user.
      .map((line) => line.replace(/ at \/usr\/share\/perl5\/\S+ line \d+\.$/, ''))
  );
}

/** Parses the `param: message` lines that follow `400 Parameter verification failed.` */
function parameterLines(lines: readonly string[]): Record<string, string> {
  const parameters: Record<string, string> = {};
  const start = lines.findIndex((line) => line.startsWith('400 Parameter verification failed'));
  for (const line of lines.slice(start + 1)) {
    const match = /^([\w.[\]-]+): (.*)$/.exec(line);
    if (!match) break;
    const [, name, text] = match;
    parameters[name!] = parameters[name!] ? `${parameters[name!]}; ${text}` : text!;
  }
  return parameters;
}

/** Ordered rules: the first match decides the kind. */
const rules: Array<[HostErrorKind, RegExp]> = [
  ['locked', /\b(?:VM|CT) is locked(?: \(([\w-]+)\))?/],
  ['locked', /can't lock file '[^']*' - got timeout/],
  ['agent-not-configured', /No QEMU guest agent configured/],
  ['agent-not-running', /QEMU guest agent is not running/],
  [
    'permission',
    /Permission check failed|permission denied|only root can|only allowed for root@pam|^403 |authentication failure|EACCES/im,
  ],
  [
    'storage',
    /no space left|not enough space|insufficient (?:free )?space|does not support (?:vm images|container directories|templates)|Storage does not support templates|does not allow content type|content type '[\w-]+'|storage '[^']*' (?:does not exist|is disabled|is not available|is not online)|snapshot feature is not available|[Ll]inked clone feature|Full clone feature|volume group .* has insufficient|is not in the snippets directory/i,
  ],
  [
    'not-found',
    /Configuration file '[^']*' does not exist|unable to find configuration file|snapshot '[^']*' does not exist|no such (?:resource|cluster node|template|VM)|no '\w+' handler for|does not exist$|^template: no such template|disk '[^']*' does not exist|non-existent or non-regular file|ENOENT/m,
  ],
  [
    'exists',
    /already exists|already used|config file already exists|cowardly refusing to overwrite/,
  ],
  [
    'not-running',
    /\bnot running\b|can only (?:push files to|pull files from) a running|container '\d+' not running/,
  ],
  ['timeout', /got timeout|timeout reached|timed out|container did not stop/],
  [
    'invalid-parameter',
    /^400 |^Unknown option|unable to parse (?:option|boolean option)|not enough arguments|too many arguments|is ambiguous|^ERROR: unknown command/m,
  ],
];

/**
 * Turns stderr (and the exit code) of a failed host command into a kind and the message the
 * user should read. The message is Proxmox's own text, without usage lines and Perl noise.
 */
export function classifyFailure(stderr: string, stdout = ''): Classification {
  const lines = meaningfulLines(stderr);
  const text = lines.join('\n');
  const firstLine = lines[0] ?? '';

  if (/^400 Parameter verification failed/m.test(text)) {
    const parameters = parameterLines(lines);
    const detail = Object.entries(parameters)
      .map(([name, problem]) => `${name}: ${problem}`)
      .join('; ');
    // Proxmox uses the 400 form for some semantic errors too (`vmid: VM 100 already exists`,
    // `template: no such template`); keep the more telling kind for those.
    const semantic = rules.find(
      ([kind, pattern]) => kind !== 'invalid-parameter' && pattern.test(detail),
    );
    return {
      kind: semantic?.[0] ?? 'invalid-parameter',
      message: detail ? `parameter verification failed: ${detail}` : firstLine,
      parameters,
    };
  }

  for (const [kind, pattern] of rules) {
    const match = pattern.exec(text);
    if (!match) continue;
    const line = lines.find((candidate) => pattern.test(candidate)) ?? firstLine;
    const classification: Classification = { kind, message: line };
    if (kind === 'locked' && match[1]) classification.lock = match[1];
    return classification;
  }

  const fallback = firstLine || lastLine(stdout) || 'the command failed without a message';
  return { kind: 'failed', message: lines.length > 1 ? lines.join(' ') : fallback };
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines.at(-1)?.trim() ?? '';
}

/**
 * Worker commands without Proxmox's "upid_exit" exit 0 even when their task failed (reference
 * §A.2): `qm resize`/`qm disk resize`, `qm template`, `pct resize`, `pct template`, `pct push`,
 * `pct pull`, `pveam download`. Some others report failure only in their output
 * (`pveam update`). Returns the failure text when the output says the task failed.
 */
export function silentFailure(
  argv: readonly string[],
  stdout: string,
  stderr: string,
): string | undefined {
  const [tool, sub, sub2] = argv;
  const problems = meaningfulLines(stderr).filter(
    (line) =>
      // Harmless notes Proxmox prints on success.
      !/^cannot delete '[^']*' - not set in current configuration!$/.test(line) &&
      !/^(?:VM|CT) \d+ not running$/.test(line),
  );
  const isWorkerWithoutUpidExit =
    (tool === 'qm' &&
      (sub === 'resize' || sub === 'template' || (sub === 'disk' && sub2 === 'resize'))) ||
    (tool === 'pct' && ['resize', 'template', 'push', 'pull'].includes(sub ?? '')) ||
    (tool === 'pveam' && sub === 'download');

  if (tool === 'pveam' && sub === 'update') {
    return /update failed/.test(stderr) ? meaningfulLines(stderr).join(' ') : undefined;
  }
  if (tool === 'pveam' && sub === 'download') {
    if (problems.length > 0) return problems.join(' ');
    const finished = /download of '[^']*' to '[^']*' finished|no need to download/.test(stdout);
    return finished ? undefined : 'download did not finish (no "finished" line in the task log)';
  }
  if (isWorkerWithoutUpidExit && problems.length > 0) return problems.join(' ');
  // `pvesh create|delete` on a worker endpoint prints the task's error to stderr.
  if (tool === 'pvesh' && (sub === 'create' || sub === 'delete' || sub === 'set')) {
    if (problems.length > 0) return problems.join(' ');
  }
  return undefined;
}
