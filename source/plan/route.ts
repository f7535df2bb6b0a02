import { readFileSync } from 'node:fs';

/** The most the agent API's `input-data` takes (its maxLength in the API schema). */
export const AGENT_INPUT_LIMIT = 65536;

/** A command as it runs for a guest: here, through the API of the guest's node, or on that node. */
export interface RoutedCommand {
  argv: string[];
  /** What goes on the command's stdin (through the API it travels as `input-data` instead). */
  input?: string;
  /** There is no API for it (`pct exec`): it runs on this node of the cluster, over root SSH. */
  onNode?: string;
}

/**
 * qm and pct act only on guests of the node they run on. Pipelines write their commands in the
 * local form; for a guest on another node of the cluster this rewrites them to the pvesh API of
 * that node (pvesh forwards the call), which takes the same option names. `pct exec` has no API:
 * it runs as it is on the guest's node.
 */
export function routeCommand(
  argv: readonly string[],
  node: string,
  localNode: string,
  input?: string,
): RoutedCommand {
  const withInput = (routed: string[]): RoutedCommand =>
    input === undefined ? { argv: routed } : { argv: routed, input };
  if (node === localNode) return withInput([...argv]);
  if (argv[0] === 'pct' && argv[1] === 'exec') return { ...withInput([...argv]), onNode: node };
  if (argv[0] === 'qm' && argv[1] === 'guest') return routeGuestCommand(argv, node, input);
  return withInput(routeApiCommand(argv, node));
}

function routeApiCommand(argv: readonly string[], node: string): string[] {
  // `qm disk resize ID DISK SIZE` is `qm resize ID DISK SIZE`.
  const command =
    argv[1] === 'disk' && argv[2] === 'resize' ? [argv[0]!, 'resize', ...argv.slice(3)] : argv;
  const [tool, verb, id, ...rest] = command;
  if ((tool !== 'qm' && tool !== 'pct') || id === undefined) return [...argv];
  const kind = tool === 'qm' ? 'qemu' : 'lxc';
  const base = `/nodes/${node}/${kind}/${id}`;
  switch (verb) {
    case 'create':
      // `pct create ID OSTEMPLATE …`: the API names the template.
      return tool === 'pct' && rest[0] !== undefined && !rest[0].startsWith('-')
        ? ['pvesh', 'create', `/nodes/${node}/lxc`, '--vmid', id, '--ostemplate', ...rest]
        : ['pvesh', 'create', `/nodes/${node}/${kind}`, '--vmid', id, ...rest];
    case 'cloudinit':
      return rest[0] === 'update' ? ['pvesh', 'set', `${base}/cloudinit`] : [...argv];
    case 'set':
      return ['pvesh', 'set', `${base}/config`, ...withInlineSshKeys(rest)];
    case 'start':
    case 'stop':
    case 'shutdown':
    case 'reboot':
      return ['pvesh', 'create', `${base}/status/${verb}`, ...rest];
    case 'snapshot':
      return ['pvesh', 'create', `${base}/snapshot`, '--snapname', rest[0]!, ...rest.slice(1)];
    case 'template':
      return ['pvesh', 'create', `${base}/template`, ...rest];
    case 'resize':
      return ['pvesh', 'set', `${base}/resize`, '--disk', rest[0]!, '--size', rest[1]!];
    case 'agent':
      return ['pvesh', 'create', `${base}/agent/${rest[0]}`];
    default:
      return [...argv];
  }
}

/**
 * `qm guest exec ID [--timeout N] [--pass-stdin 1] -- CMD…` runs and waits; the API starts the
 * command and hands back its pid (`{"pid": N}`), which `qm guest exec-status ID PID` — routed to
 * `…/agent/exec-status` — polls (see guest-exec.ts). What `--pass-stdin` reads from stdin the API
 * takes as `input-data`, up to AGENT_INPUT_LIMIT (guest-exec.ts stages more in chunks).
 */
function routeGuestCommand(
  argv: readonly string[],
  node: string,
  input: string | undefined,
): RoutedCommand {
  const [, , sub, id, ...rest] = argv;
  const base = `/nodes/${node}/qemu/${id}/agent`;
  if (sub === 'exec') {
    const separator = rest.indexOf('--');
    const command = separator === -1 ? [] : rest.slice(separator + 1);
    const options = separator === -1 ? rest : rest.slice(0, separator);
    const stdinAt = options.indexOf('--pass-stdin');
    const passStdin = stdinAt !== -1 && options[stdinAt + 1] === '1';
    if (passStdin && input !== undefined && Buffer.byteLength(input) > AGENT_INPUT_LIMIT) {
      throw new Error(
        `input for VM ${id} is ${Buffer.byteLength(input)} bytes; the agent API takes ${AGENT_INPUT_LIMIT} (stage it in chunks)`,
      );
    }
    return {
      argv: [
        'pvesh',
        'create',
        `${base}/exec`,
        ...command.flatMap((word) => ['--command', word]),
        ...(passStdin && input !== undefined ? ['--input-data', input] : []),
        '--output-format',
        'json',
      ],
    };
  }
  if (sub === 'exec-status') {
    return {
      argv: ['pvesh', 'get', `${base}/exec-status`, '--pid', rest[0]!, '--output-format', 'json'],
    };
  }
  return { argv: [...argv] };
}

/**
 * `qm set --sshkeys` takes a file; the config API takes the keys themselves, URL-encoded
 * (everything but A-Za-z0-9-._~ escaped).
 */
function withInlineSshKeys(options: readonly string[]): string[] {
  const index = options.indexOf('--sshkeys');
  if (index === -1 || options[index + 1] === undefined) return [...options];
  const keys = readFileSync(options[index + 1]!, 'utf8');
  const encoded = encodeURIComponent(keys).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return [...options.slice(0, index + 1), encoded, ...options.slice(index + 2)];
}
