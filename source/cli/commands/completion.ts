import type { Argument, Command, Option } from 'commander';
import { loadConfig } from '../../config/load.js';
import type { Spec } from '../../config/types.js';
import { version } from '../../version.js';
import { UserError } from '../../util/user-error.js';
import { configDirOf } from '../load-spec.js';
import type { CommandContext } from './index.js';

/** What a positional argument or an option value completes to. */
export type ValueKind = 'ids' | 'dir' | 'file' | 'none';

/** One command of the tree, as the completion script sees it. */
export interface CompletionEntry {
  /** Canonical names from the top, space-joined: '' for the program, 'sim init'. */
  path: string;
  /** Name and aliases, for matching typed words. */
  names: string[];
  subcommands: string[];
  /** Every flag spelling (short and long) the command accepts. */
  flags: string[];
  /** Flags that take a value, with what the value completes to. */
  valueFlags: { flag: string; kind: ValueKind }[];
  /** What each positional argument completes to; the last repeats when variadic. */
  positionals: ValueKind[];
  variadic: boolean;
}

/** Commands that exist for the completion script itself and are not listed anywhere. */
const HIDDEN_PREFIX = '__';

function valueKind(name: string, topLevel: boolean): ValueKind {
  // `runs show <id>` takes a run id: only commands directly under the program take guest IDs.
  if (/^ids?$/.test(name)) return topLevel ? 'ids' : 'none';
  if (/dir/.test(name)) return 'dir';
  if (/file|path/.test(name)) return 'file';
  return 'none';
}

function optionValueName(option: Option): string | undefined {
  return /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1];
}

function visible(command: Command): boolean {
  return !command.name().startsWith(HIDDEN_PREFIX);
}

/** Walks the program's commands (options, aliases, arguments) into a flat table. */
export function completionTable(program: Command): CompletionEntry[] {
  const entries: CompletionEntry[] = [];
  const walk = (command: Command, path: string, depth: number) => {
    const options = command.options.filter((option: Option) => !option.hidden);
    const flags = options.flatMap((option: Option) =>
      [option.short, option.long].filter((flag): flag is string => Boolean(flag)),
    );
    flags.push('-h', '--help');
    const valueFlags = options
      .filter((option: Option) => option.required || option.optional)
      .flatMap((option: Option) => {
        const kind = valueKind(optionValueName(option) ?? '', false);
        return [option.short, option.long]
          .filter((flag): flag is string => Boolean(flag))
          .map((flag) => ({ flag, kind }));
      });
    const args = command.registeredArguments;
    const children = command.commands.filter(visible);
    entries.push({
      path,
      names: [command.name(), ...command.aliases()],
      subcommands: children.flatMap((child) => [child.name(), ...child.aliases()]),
      flags,
      valueFlags,
      positionals: args.map((arg: Argument) => valueKind(arg.name(), depth === 1)),
      variadic: args.at(-1)?.variadic ?? false,
    });
    for (const child of children)
      walk(child, path ? `${path} ${child.name()}` : child.name(), depth + 1);
  };
  walk(program, '', 0);
  return entries;
}

const quote = (words: readonly string[]) => words.join(' ');

/**
 * The bash completion script: commands and subcommands, every flag (global ones anywhere),
 * directories for `<dir>` values, and guest IDs from the config through `phoenix __complete-ids`
 * (reads the config only; no host call, so it answers at once).
 */
export function bashCompletion(program: Command): string {
  const table = completionTable(program);
  const root = table[0]!;
  const caseOf = (entry: CompletionEntry) => `"${entry.path}")`.padEnd(24);
  const lines = (pick: (entry: CompletionEntry) => string) =>
    table
      .map((entry) => ({ entry, value: pick(entry) }))
      .filter(({ value }) => value !== '')
      .map(({ entry, value }) => `    ${caseOf(entry)} echo "${value}" ;;`)
      .join('\n');
  // Child name or alias → canonical path, per parent.
  const children = table
    .filter((entry) => entry.path !== '')
    .map((entry) => {
      const parent = entry.path.split(' ').slice(0, -1).join(' ');
      return (
        `    "${parent}/${entry.names.join(`" | "${parent}/`)}")`.padEnd(40) +
        ` echo "${entry.path}" ;;`
      );
    })
    .join('\n');
  const globalValueFlags = root.valueFlags;
  // Global options work after a subcommand too (commander's default), except --version.
  const globalFlags = root.flags.filter(
    (flag) => !['-V', '--version', '-h', '--help'].includes(flag),
  );
  const flagsOf = (entry: CompletionEntry) =>
    entry === root ? entry.flags : [...new Set([...entry.flags, ...globalFlags])];
  const valueFlagsOf = (entry: CompletionEntry) =>
    entry === root ? entry.valueFlags : [...entry.valueFlags, ...globalValueFlags];
  const dirFlags = [
    ...new Set(
      table
        .flatMap((entry) => entry.valueFlags)
        .filter((f) => f.kind === 'dir')
        .map((f) => f.flag),
    ),
  ];
  const fileFlags = [
    ...new Set(
      table
        .flatMap((entry) => entry.valueFlags)
        .filter((f) => f.kind === 'file')
        .map((f) => f.flag),
    ),
  ];
  const valueCases = [
    dirFlags.length
      ? `      ${dirFlags.join(' | ')}) mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;`
      : '',
    fileFlags.length
      ? `      ${fileFlags.join(' | ')}) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;`
      : '',
  ]
    .filter(Boolean)
    .join('\n');
  return `# bash completion for phoenix ${version}, generated by \`phoenix completion bash\`.
# Install: phoenix completion bash > /usr/share/bash-completion/completions/phoenix
# (install.sh does this), or: source <(phoenix completion bash)

# Canonical path of a child command: _phoenix_child "PARENT" WORD
_phoenix_child() {
  case "$1/$2" in
${children}
  esac
}

_phoenix_subcommands() {
  case "$1" in
${lines((entry) => quote(entry.subcommands))}
  esac
}

_phoenix_flags() {
  case "$1" in
${lines((entry) => quote(flagsOf(entry)))}
  esac
}

# Flags that take a value (global ones included): the next word is that value.
_phoenix_value_flags() {
  case "$1" in
${lines((entry) => quote(valueFlagsOf(entry).map((f) => f.flag)))}
  esac
}

# What the Nth positional argument (from 1) completes to: ids, dir, file or nothing.
_phoenix_positional() {
  local kinds variadic
  case "$1" in
${table
  .filter((entry) => entry.positionals.some((kind) => kind !== 'none'))
  .map(
    (entry) =>
      `    ${caseOf(entry)} kinds=(${entry.positionals.join(' ')}) variadic=${entry.variadic ? 1 : 0} ;;`,
  )
  .join('\n')}
    *) return ;;
  esac
  if (($2 <= \${#kinds[@]})); then
    echo "\${kinds[$2 - 1]}"
  elif ((variadic)); then
    echo "\${kinds[\${#kinds[@]} - 1]}"
  fi
}

# Guest IDs of the config (honours --config-dir on the command line); no host call.
_phoenix_ids() {
  local i dir=""
  for ((i = 1; i < \${#COMP_WORDS[@]}; i++)); do
    case "\${COMP_WORDS[i]}" in
      -c | --config-dir) dir="\${COMP_WORDS[i + 1]}" ;;
      --config-dir=*) dir="\${COMP_WORDS[i]#--config-dir=}" ;;
    esac
  done
  "\${COMP_WORDS[0]}" \${dir:+--config-dir "$dir"} __complete-ids 2>/dev/null
}

_phoenix() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD - 1]}"
  local path="" position=0 i word child skip=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    if ((skip)); then
      skip=0
      continue
    fi
    case "$word" in
      --*=*) ;;
      -*) [[ " $(_phoenix_value_flags "$path") " == *" $word "* ]] && skip=1 ;;
      *)
        child="$(_phoenix_child "$path" "$word")"
        if [[ -n "$child" && $position -eq 0 ]]; then
          path="$child"
        else
          position=$((position + 1))
        fi
        ;;
    esac
  done
  COMPREPLY=()
  if [[ " $(_phoenix_value_flags "$path") " == *" $prev "* ]]; then
    case "$prev" in
${valueCases}
    esac
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    local flags
    flags="$(_phoenix_flags "$path")"
    mapfile -t COMPREPLY < <(compgen -W "$flags" -- "$cur")
    return 0
  fi
  if ((position == 0)); then
    local subcommands
    subcommands="$(_phoenix_subcommands "$path")"
    if [[ -n "$subcommands" ]]; then
      mapfile -t COMPREPLY < <(compgen -W "$subcommands" -- "$cur")
      return 0
    fi
  fi
  case "$(_phoenix_positional "$path" $((position + 1)))" in
    ids) mapfile -t COMPREPLY < <(compgen -W "$(_phoenix_ids)" -- "$cur") ;;
    dir) mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
    file) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
  esac
  return 0
}

complete -F _phoenix phoenix
`;
}

/** Every guest ID of the config, sorted (templates, VMs and containers alike). */
export function configIds(spec: Spec): number[] {
  const ids = [
    ...spec.vms.flatMap((vm) => (vm.vm_id === undefined ? [] : [vm.vm_id])),
    ...spec.containers.map((container) => container.ctid),
  ];
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** `phoenix completion bash` and the hidden `phoenix __complete-ids` the script calls. */
export function registerCompletion(program: Command, context: CommandContext): void {
  program
    .command('completion')
    .description('print the shell completion script (bash): commands, flags and guest IDs')
    .argument('[shell]', 'the shell; only bash is supported', 'bash')
    .addHelpText(
      'after',
      '\nExamples:\n  phoenix completion bash > /usr/share/bash-completion/completions/phoenix\n  source <(phoenix completion bash)',
    )
    .action((shell: string) => {
      if (shell !== 'bash') {
        throw new UserError(`no completion for ${shell}`, {
          hint: 'bash is supported: phoenix completion bash',
        });
      }
      context.output.out(bashCompletion(program));
    });
  program
    .command(`${HIDDEN_PREFIX}complete-ids`, { hidden: true })
    .description('guest IDs of the config, one per line (for shell completion)')
    .action((_options: unknown, command: Command) => {
      // A broken config still completes the IDs that could be read; completion never complains.
      const { spec } = loadConfig(configDirOf(command));
      const ids = configIds(spec);
      if (ids.length > 0) context.output.out(ids.join('\n'));
    });
}
