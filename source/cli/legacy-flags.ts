/**
 * The original bash Phoenix was driven by flags (`phoenix_orchestrator.sh --start-vm 8001`,
 * `phoenix 8001`, `--LetsGo`). They keep working: each is rewritten to today's verb before
 * argument parsing, so there is one implementation per action.
 */
const flagToVerb: Record<string, string[]> = {
  '--create-vm': ['create', '--name'],
  '--start-vm': ['start'],
  '--stop-vm': ['stop'],
  '--delete-vm': ['delete'],
  '--provision-template': ['template', 'provision'],
  '--setup-hypervisor': ['setup'],
  '--LetsGo': ['apply', '--all', '--start'],
};

/** Global options that take a value: their value is not the verb. */
const globalOptionsWithValue = new Set(['-c', '--config-dir']);

function firstVerbIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (globalOptionsWithValue.has(arg)) i++;
    else if (!arg.startsWith('-') || arg in flagToVerb) return i;
  }
  return -1;
}

export function translateLegacyArgs(argv: readonly string[]): string[] {
  const first = firstVerbIndex(argv);
  if (first === -1) return [...argv];
  const head = argv[first]!;
  const before = argv.slice(0, first);
  const after = argv.slice(first + 1);
  const verb = flagToVerb[head];
  if (verb) return [...before, ...verb, ...after];
  // `phoenix 8001 8002` (the orchestrator's bare IDs) means "create these guests".
  if (/^\d+$/.test(head)) return [...before, 'create', head, ...after];
  return [...argv];
}
