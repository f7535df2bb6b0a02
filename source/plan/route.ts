import { readFileSync } from 'node:fs';
import { NODE_FILE_TOOLS } from '../host/index.js';

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

/** How to route: for a run (default), or for a plan, which shows commands before they run. */
export interface RouteOptions {
  /**
   * For `phoenix plan`: what exists only when the command runs stays a placeholder — the SSH
   * keys of `--sshkeys FILE` (written just before), the stdin that `--input-data` carries.
   */
  preview?: boolean;
}

/** What stands for a VM's stdin in a plan (redaction shows it as <redacted> anyway). */
const PREVIEW_INPUT = '<stdin>';

/**
 * qm, pct and pveam act only on the node they run on. Pipelines write their commands in the
 * local form; for a guest on another node of the cluster this rewrites them to the pvesh API of
 * that node (pvesh forwards the call), which takes the same option names. `pct exec` has no API:
 * it runs as it is on the guest's node.
 */
export function routeCommand(
  argv: readonly string[],
  node: string,
  localNode: string,
  input?: string,
  options: RouteOptions = {},
): RoutedCommand {
  const withInput = (routed: string[]): RoutedCommand =>
    input === undefined ? { argv: routed } : { argv: routed, input };
  if (node === localNode) return withInput([...argv]);
  if (argv[0] === 'pct' && argv[1] === 'exec') return { ...withInput([...argv]), onNode: node };
  // A node's own files (a bind mount's directory): no API reaches them either.
  if ((NODE_FILE_TOOLS as readonly string[]).includes(argv[0] ?? ''))
    return { ...withInput([...argv]), onNode: node };
  if (argv[0] === 'qm' && argv[1] === 'guest')
    return routeGuestCommand(
      argv,
      node,
      options.preview && input === undefined ? PREVIEW_INPUT : input,
    );
  if (argv[0] === 'pveam') return withInput(routeTemplateCommand(argv, node));
  return withInput(routeApiCommand(argv, node, options));
}

/**
 * `pveam list|download` see this node's storages; a storage that is not shared (`local`) is a
 * different one on every node. The node's API: its storage content, and `aplinfo`, which starts
 * the download as a task on that node and answers with its UPID (the caller waits for the task).
 */
function routeTemplateCommand(argv: readonly string[], node: string): string[] {
  const [, verb, storage, template] = argv;
  if (verb === 'list' && storage !== undefined) {
    return [
      'pvesh',
      'get',
      `/nodes/${node}/storage/${storage}/content`,
      '--content',
      'vztmpl',
      '--output-format',
      'json',
    ];
  }
  if (verb === 'download' && storage !== undefined && template !== undefined) {
    return [
      'pvesh',
      'create',
      `/nodes/${node}/aplinfo`,
      '--storage',
      storage,
      '--template',
      template,
    ];
  }
  return [...argv];
}

function routeApiCommand(argv: readonly string[], node: string, options: RouteOptions): string[] {
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
      return ['pvesh', 'set', `${base}/config`, ...withInlineSshKeys(rest, options)];
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
function withInlineSshKeys(options: readonly string[], route: RouteOptions): string[] {
  const index = options.indexOf('--sshkeys');
  if (index === -1 || options[index + 1] === undefined) return [...options];
  if (route.preview) {
    const shown = `<the keys of ${options[index + 1]!}, URL-encoded>`;
    return [...options.slice(0, index + 1), shown, ...options.slice(index + 2)];
  }
  const keys = readFileSync(options[index + 1]!, 'utf8');
  const encoded = encodeURIComponent(keys).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return [...options.slice(0, index + 1), encoded, ...options.slice(index + 2)];
}
