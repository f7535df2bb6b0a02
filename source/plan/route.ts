import { readFileSync } from 'node:fs';

/**
 * qm and pct act only on guests of the node they run on. Pipelines write their commands in the
 * local form; for a guest on another node of the cluster this rewrites them to the pvesh API of
 * that node (pvesh forwards the call), which takes the same option names.
 */
export function routeCommand(argv: readonly string[], node: string, localNode: string): string[] {
  if (node === localNode) return [...argv];
  // `qm disk resize ID DISK SIZE` is `qm resize ID DISK SIZE`.
  const command =
    argv[1] === 'disk' && argv[2] === 'resize' ? [argv[0]!, 'resize', ...argv.slice(3)] : argv;
  const [tool, verb, id, ...rest] = command;
  if ((tool !== 'qm' && tool !== 'pct') || id === undefined) return [...argv];
  const kind = tool === 'qm' ? 'qemu' : 'lxc';
  const base = `/nodes/${node}/${kind}/${id}`;
  if (tool === 'qm' && verb === 'guest') return routeGuestCommand(command, node);
  switch (verb) {
    case 'create':
      return ['pvesh', 'create', `/nodes/${node}/${kind}`, '--vmid', id, ...rest];
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
 * `qm guest exec ID [--timeout N] -- CMD…` runs and waits; the API starts the command and hands
 * back its pid (`{"pid": N}`), which `qm guest exec-status ID PID` — routed to
 * `…/agent/exec-status` — polls (see guest-exec.ts). Input on stdin is not routed.
 */
function routeGuestCommand(argv: readonly string[], node: string): string[] {
  const [, , sub, id, ...rest] = argv;
  const base = `/nodes/${node}/qemu/${id}/agent`;
  if (sub === 'exec') {
    const separator = rest.indexOf('--');
    const command = separator === -1 ? [] : rest.slice(separator + 1);
    return [
      'pvesh',
      'create',
      `${base}/exec`,
      ...command.flatMap((word) => ['--command', word]),
      '--output-format',
      'json',
    ];
  }
  if (sub === 'exec-status')
    return ['pvesh', 'get', `${base}/exec-status`, '--pid', rest[0]!, '--output-format', 'json'];
  return [...argv];
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
