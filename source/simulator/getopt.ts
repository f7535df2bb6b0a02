// Command-line parsing like PVE::CLIHandler + Getopt::Long (reference §A.1): `--opt v`,
// `-opt v`, `--opt=v`, unique prefixes, optional boolean values, repeated list options, `--`.
import { ParamError, UsageError } from './errors.js';
import { checkParam, parseBoolean, type Errors } from './schema/validate.js';
import { endpoint, expandProperties, type PropSchema } from './schema/schema.js';

/** Joins the repeated values of an array parameter. */
export const ARRAY_SEPARATOR = '\u0000';

export interface CommandSpec {
  /** Usage prefix, e.g. `qm set`. */
  name: string;
  /** Schema endpoint key (`PUT /nodes/{node}/qemu/{vmid}/config`). */
  endpoint?: string;
  /** Positional parameter names, in order. */
  positional?: string[];
  /** Extra CLI-only options, or overrides of schema ones. */
  options?: Record<string, PropSchema>;
  /** Schema parameters the CLI does not expose (path params handled elsewhere, ...). */
  hide?: string[];
  /** Collects everything after the positionals (`qm guest exec ID -- cmd args`). */
  rest?: string;
  /** Options whose value names a file whose content replaces it (`--sshkeys <file>`). */
  readFile?: Record<string, (path: string) => string>;
}

export interface ParsedArgs {
  params: Record<string, string>;
  rest: string[];
}

export function usageLine(spec: CommandSpec, hasOptions = true): string {
  const pos = (spec.positional ?? []).map((p) => `<${p}>`);
  if (spec.rest) pos.push(`[<${spec.rest}>]`);
  return [spec.name, ...pos].join(' ') + (hasOptions ? ' [OPTIONS]' : '');
}

export function optionSchemas(spec: CommandSpec): Map<string, PropSchema> {
  const base = spec.endpoint
    ? expandProperties(endpoint(spec.endpoint).properties)
    : new Map<string, PropSchema>();
  for (const hidden of ['node', ...(spec.hide ?? [])]) base.delete(hidden);
  for (const [name, schema] of Object.entries(spec.options ?? {})) base.set(name, schema);
  return base;
}

function isList(schema: PropSchema): boolean {
  return (
    schema.type === 'array' ||
    (typeof schema.format === 'string' && schema.format.endsWith('-list'))
  );
}

export function parseArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const schemas = optionSchemas(spec);
  const positionalNames = spec.positional ?? [];
  const optionNames = [...schemas.keys()].filter((n) => !positionalNames.includes(n));
  const hasOptions = optionNames.length > 0;
  const usage = usageLine(spec, hasOptions);
  const params: Record<string, string> = {};
  const positional: string[] = [];
  const rest: string[] = [];
  const lists = new Map<string, string[]>();

  let i = 0;
  let dashdash = false;
  while (i < argv.length) {
    const arg = argv[i++]!;
    if (dashdash || !arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      if (positional.length < positionalNames.length) positional.push(arg);
      else if (spec.rest) rest.push(arg);
      else positional.push(arg);
      continue;
    }
    if (arg === '--') {
      dashdash = true;
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const given = eq >= 0 ? body.slice(0, eq) : body;
    let name = optionNames.includes(given) ? given : undefined;
    if (!name) {
      const matches = optionNames.filter((n) => n.startsWith(given));
      if (matches.length > 1) {
        throw new UsageError(
          `400 unable to parse option\n${usage}`,
          `Option ${given} is ambiguous (${matches.join(', ')})\n`,
        );
      }
      name = matches[0];
    }
    if (!name)
      throw new UsageError(`400 unable to parse option\n${usage}`, `Unknown option: ${given}\n`);
    const schema = schemas.get(name)!;
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else if (schema.type === 'boolean') {
      const next = argv[i];
      if (next !== undefined && !next.startsWith('-')) {
        value = next;
        i++;
      } else value = '1';
    } else {
      const next = argv[i];
      if (next === undefined) {
        throw new UsageError(
          `400 unable to parse option\n${usage}`,
          `Option ${name} requires an argument\n`,
        );
      }
      value = next;
      i++;
    }
    if (schema.type === 'boolean') {
      const parsed = parseBoolean(value);
      if (parsed === undefined)
        throw new UsageError(`400 unable to parse boolean option\n${usage}`);
      value = String(parsed);
    }
    if (isList(schema)) {
      const list = lists.get(name) ?? [];
      list.push(value);
      lists.set(name, list);
      // array parameters keep their items apart (a command line may contain commas)
      params[name] = list.join(schema.type === 'array' ? ARRAY_SEPARATOR : ',');
    } else params[name] = value;
  }
  if (positional.length < positionalNames.length)
    throw new UsageError(`400 not enough arguments\n${usage}`);
  if (positional.length > positionalNames.length)
    throw new UsageError(`400 too many arguments\n${usage}`);
  positionalNames.forEach((n, index) => (params[n] = positional[index]!));

  for (const [name, read] of Object.entries(spec.readFile ?? {})) {
    if (params[name] !== undefined) params[name] = read(params[name]);
  }
  const errors: Errors = {};
  for (const [name, value] of Object.entries(params)) {
    const schema = schemas.get(name);
    if (schema) checkParam(name, value, schema, errors);
  }
  for (const [name, schema] of schemas) {
    if (
      !schema.optional &&
      params[name] === undefined &&
      !(name in errors) &&
      schema.type !== undefined
    ) {
      errors[name] = 'property is missing and it is not optional';
    }
  }
  if (Object.keys(errors).length) throw withUsage(new ParamError(errors), usage);
  return { params, rest };
}

/** Usage line attached to a parameter error, printed after the param lines. */
export function withUsage<T extends ParamError>(error: T, usage: string): T {
  (error as ParamError & { usage?: string }).usage = usage;
  return error;
}

/** Resolves an abbreviated subcommand (`conf` → `config`); ambiguity counts as unknown. */
export function resolveCommand(word: string, names: string[]): string | undefined {
  if (names.includes(word)) return word;
  const matches = names.filter((n) => n.startsWith(word));
  return matches.length === 1 ? matches[0] : undefined;
}
