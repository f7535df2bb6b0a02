// A node's own file commands over root SSH: `mkdir`, `chown` and `stat` as the shell that ssh
// starts on another node finds them (dist/sim-node-bin/ comes first on its PATH, see ssh.ts).
// They act on that node's files (node-root.ts) with GNU coreutils' options, messages and exit
// codes for what they cover: `mkdir [-p] [-m MODE] DIR…`, `chown OWNER[:GROUP] FILE…` (numeric
// ids, or root) and `stat -c FORMAT FILE…` (%u %g %U %G %a %F %n %s %%). Paths are the node's
// (a relative one is taken from root's home, /root); anything else is refused with exit 1.
import { chmodSync, chownSync, lstatSync, mkdirSync, statSync, type Stats } from 'node:fs';
import { join, posix } from 'node:path';
import type { Ctx } from './context.js';
import { nodeRoot } from './node-root.js';

/** The node path as given, and where it is in the state dir. */
function locate(ctx: Ctx, path: string): { shown: string; real: string } {
  const absolute = posix.resolve('/root', path);
  return { shown: path, real: join(nodeRoot(ctx.env), absolute) };
}

const errnoText: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EEXIST: 'File exists',
  ENOTDIR: 'Not a directory',
  EPERM: 'Operation not permitted',
  EACCES: 'Permission denied',
};

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return errnoText[code] ?? (error as Error).message;
}

/** Splits `-p -m 700 --mode=755 -- a b` into flags/values and operands. */
function parse(
  args: string[],
  withValue: Record<string, string>,
  flags: Record<string, string>,
): { options: Map<string, string>; operands: string[] } | string {
  const options = new Map<string, string>();
  const operands: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--') {
      operands.push(...args.slice(index + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const [name, value] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      const key = Object.entries({ ...withValue, ...flags }).find(([, long]) => long === name)?.[0];
      if (!key) return `unrecognized option '${arg}'`;
      if (key in withValue) {
        const given = value ?? args[++index];
        if (given === undefined) return `option '--${name}' requires an argument`;
        options.set(key, given);
      } else options.set(key, '');
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let at = 1; at < arg.length; at++) {
        const flag = arg[at]!;
        if (flag in withValue) {
          const given = arg.slice(at + 1) || args[++index];
          if (given === undefined) return `option requires an argument -- '${flag}'`;
          options.set(flag, given);
          break;
        }
        if (!(flag in flags)) return `invalid option -- '${flag}'`;
        options.set(flag, '');
      }
      continue;
    }
    operands.push(arg);
  }
  return { options, operands };
}

function mkdir(ctx: Ctx, args: string[]): number {
  const parsed = parse(args, { m: 'mode' }, { p: 'parents', v: 'verbose' });
  if (typeof parsed === 'string') return usage(ctx, 'mkdir', parsed);
  const { options, operands } = parsed;
  if (operands.length === 0) return usage(ctx, 'mkdir', 'missing operand');
  const modeText = options.get('m');
  if (modeText !== undefined && !/^[0-7]{1,4}$/.test(modeText)) {
    ctx.err(`mkdir: invalid mode '${modeText}'\n`);
    return 1;
  }
  let status = 0;
  for (const operand of operands) {
    const { shown, real } = locate(ctx, operand);
    try {
      const existing = statOrUndefined(real);
      if (existing && options.has('p') && existing.isDirectory()) continue;
      if (existing) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
      mkdirSync(real, { recursive: options.has('p'), mode: 0o755 });
      if (modeText !== undefined) chmodSync(real, parseInt(modeText, 8));
      if (options.has('v')) ctx.out(`mkdir: created directory '${shown}'\n`);
    } catch (error) {
      ctx.err(`mkdir: cannot create directory '${shown}': ${reason(error)}\n`);
      status = 1;
    }
  }
  return status;
}

function idOf(name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  return name === 'root' ? 0 : undefined;
}

function chown(ctx: Ctx, args: string[]): number {
  const parsed = parse(args, {}, { h: 'no-dereference', v: 'verbose' });
  if (typeof parsed === 'string') return usage(ctx, 'chown', parsed);
  const [spec, ...files] = parsed.operands;
  if (spec === undefined) return usage(ctx, 'chown', 'missing operand');
  if (files.length === 0) return usage(ctx, 'chown', `missing operand after '${spec}'`);
  const [user = '', group] = spec.split(':', 2);
  const uid = user === '' ? undefined : idOf(user);
  if (user !== '' && uid === undefined) {
    ctx.err(`chown: invalid user: '${spec}'\n`);
    return 1;
  }
  const gid = group === undefined || group === '' ? undefined : idOf(group);
  if (group !== undefined && group !== '' && gid === undefined) {
    ctx.err(`chown: invalid group: '${spec}'\n`);
    return 1;
  }
  let status = 0;
  for (const file of files) {
    const { shown, real } = locate(ctx, file);
    try {
      const current = statSync(real);
      // `chown U: FILE` also sets the group to U's login group (here: the same number).
      const newGid = gid ?? (group === '' && uid !== undefined ? uid : current.gid);
      chownSync(real, uid ?? current.uid, newGid);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      ctx.err(
        code === 'ENOENT'
          ? `chown: cannot access '${shown}': ${reason(error)}\n`
          : `chown: changing ownership of '${shown}': ${reason(error)}\n`,
      );
      status = 1;
    }
  }
  return status;
}

function fileType(stats: Stats): string {
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symbolic link';
  if (stats.isFile()) return stats.size === 0 ? 'regular empty file' : 'regular file';
  if (stats.isCharacterDevice()) return 'character special file';
  if (stats.isBlockDevice()) return 'block special file';
  return 'unknown';
}

function stat(ctx: Ctx, args: string[]): number {
  const parsed = parse(args, { c: 'format' }, { L: 'dereference' });
  if (typeof parsed === 'string') return usage(ctx, 'stat', parsed);
  const { options, operands } = parsed;
  if (operands.length === 0) return usage(ctx, 'stat', 'missing operand');
  const format = options.get('c');
  if (format === undefined) {
    ctx.err('stat: only `stat -c FORMAT` is simulated on a node\n');
    return 1;
  }
  let status = 0;
  for (const operand of operands) {
    const { shown, real } = locate(ctx, operand);
    let stats: Stats;
    try {
      stats = options.has('L') ? statSync(real) : lstatSync(real);
    } catch (error) {
      ctx.err(`stat: cannot statx '${shown}': ${reason(error)}\n`);
      status = 1;
      continue;
    }
    const name = (id: number) => (id === 0 ? 'root' : 'UNKNOWN');
    const line = format.replace(/%(.)/g, (whole, directive: string) => {
      switch (directive) {
        case 'u':
          return String(stats.uid);
        case 'g':
          return String(stats.gid);
        case 'U':
          return name(stats.uid);
        case 'G':
          return name(stats.gid);
        case 'a':
          return (stats.mode & 0o7777).toString(8);
        case 'F':
          return fileType(stats);
        case 'n':
          return shown;
        case 's':
          return String(stats.size);
        case '%':
          return '%';
        default:
          return whole;
      }
    });
    ctx.out(`${line}\n`);
  }
  return status;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function usage(ctx: Ctx, tool: string, message: string): number {
  ctx.err(`${tool}: ${message}\nTry '${tool} --help' for more information.\n`);
  return 1;
}

const commands: Record<string, (ctx: Ctx, args: string[]) => number> = { mkdir, chown, stat };

/** `sim.js __node <mkdir|chown|stat> args…`, started by the launchers in dist/sim-node-bin/. */
export function nodeFileMain(ctx: Ctx): number {
  const [name = '', ...args] = ctx.args;
  const command = commands[name];
  if (!command) {
    ctx.err(`${name}: not a file command the simulated node has (mkdir, chown, stat)\n`);
    return 127;
  }
  return command(ctx, args);
}
