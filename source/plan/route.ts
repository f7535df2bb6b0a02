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
  const base = `/nodes/${node}/${tool === 'qm' ? 'qemu' : 'lxc'}/${id}`;
  switch (verb) {
    case 'set':
      return ['pvesh', 'set', `${base}/config`, ...rest];
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
