import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  applyEdits,
  findNodeAtLocation,
  getNodeValue,
  modify,
  parseTree,
  type JSONPath,
  type Node,
} from 'jsonc-parser';
import { LXC_KEY_ALIASES, VM_KEY_ALIASES } from './aliases.js';
import { UserError } from '../util/user-error.js';
import { configFilePaths } from './files.js';
import { formatPath } from './source.js';
import type { GuestOrigin } from './types.js';

/** One change to a JSON file: set `value` at `path` (undefined removes it). */
export interface JsonEdit {
  path: JSONPath;
  value: unknown;
  /** For a new property: put it first in its object instead of last (IDs read best on top). */
  first?: boolean;
  /** For an array path ending in an index: insert there instead of replacing. */
  insert?: boolean;
}

/** The file changed on disk between reading it and writing it; nothing was written. */
export class ConfigChangedError extends UserError {
  constructor(file: string) {
    super(`${file} changed on disk since Phoenix read it; nothing was written`, {
      hint: 'reload (the file may have been edited in another window) and make the change again',
    });
    this.name = 'ConfigChangedError';
  }
}

/** The file's text, or undefined when it does not exist. */
export function readConfigText(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** The indentation the file already uses (2 spaces when it is new or flat). */
export function detectIndent(text: string | undefined): { insertSpaces: boolean; tabSize: number } {
  const match = text ? /^([ \t]+)"/m.exec(text) : null;
  if (!match) return { insertSpaces: true, tabSize: 2 };
  const indent = match[1]!;
  if (indent.startsWith('\t')) return { insertSpaces: false, tabSize: 1 };
  return { insertSpaces: true, tabSize: indent.length };
}

function eolOf(text: string | undefined): string {
  return text?.includes('\r\n') ? '\r\n' : '\n';
}

/**
 * Writes a file atomically: a temp file in the same directory, fsync, rename over the target, fsync
 * the directory. With `backup`, the previous content is kept as FILE.bak first. Keeps the file mode.
 */
export function writeFileAtomic(
  file: string,
  text: string,
  options: { backup?: boolean } = {},
): void {
  const dir = dirname(file);
  const exists = existsSync(file);
  const mode = exists ? statSync(file).mode & 0o777 : 0o600;
  if (exists && options.backup) {
    const backupTemp = join(
      dir,
      `.${basename(file)}.bak.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
    );
    copyFileSync(file, backupTemp);
    renameSync(backupTemp, `${file}.bak`);
  }
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, file);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
  try {
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some filesystems cannot fsync a directory; the rename itself is already atomic.
  }
}

/** Applies edits to JSON text in place: untouched bytes stay byte-identical, new parts use the file's indentation. */
export function applyJsonEdits(text: string, edits: readonly JsonEdit[]): string {
  const formattingOptions = { ...detectIndent(text), eol: eolOf(text) };
  let out = text;
  for (const edit of edits) {
    const changes = modify(out, edit.path, edit.value, {
      formattingOptions,
      ...(edit.insert ? { isArrayInsertion: true } : {}),
      ...(edit.first ? { getInsertionIndex: () => 0 } : {}),
    });
    out = applyEdits(out, changes);
  }
  return out;
}

/**
 * Edits a config file in place and writes it atomically, keeping FILE.bak. `expectedText` is the
 * text the caller read (undefined: the caller expects the file not to exist); if the file differs
 * now, nothing is written and ConfigChangedError is thrown. Returns the new text.
 */
export function editConfigFile(
  file: string,
  expectedText: string | undefined,
  edits: readonly JsonEdit[],
): string {
  const current = readConfigText(file);
  if (current !== expectedText) throw new ConfigChangedError(file);
  const base = current ?? '{}\n';
  let text = applyJsonEdits(base, edits);
  if (current === undefined && !text.endsWith('\n')) text += '\n';
  writeFileAtomic(file, text, { backup: current !== undefined });
  return text;
}

/** A guest as the wizards hand it over: canonical keys, as they should appear in the file. */
export type GuestInput =
  | { kind: 'qemu'; entry: Record<string, unknown> & { vm_name: string; vm_id?: number } }
  | { kind: 'lxc'; ctid: number; entry: Record<string, unknown> & { name: string } };

/**
 * Adds a guest to its file, or updates the entry with the same ID (VMs: same vm_id, or same vm_name
 * when the entry has no ID). An update sets only the keys given (`undefined` removes a key) and keeps
 * every other key of the entry as written, unknown and site keys included; an older spelling of a
 * key being set is replaced by the canonical one. Creates the file when missing.
 */
export function upsertGuest(
  configDir: string,
  guest: GuestInput,
  expectedText?: string,
): { file: string; text: string; path: JSONPath } {
  const files = configFilePaths(configDir);
  const file = guest.kind === 'qemu' ? files.vm : files.lxc;
  const current = readConfigText(file);
  const expected = expectedText === undefined ? current : expectedText;
  const base = current ?? '{}\n';
  const root = parseTree(base, [], { disallowComments: true });
  if (current !== undefined && !root) {
    throw new UserError(`${file} is not valid JSON; fix it before adding guests`, {
      hint: 'phoenix validate shows where',
    });
  }
  const aliases = guest.kind === 'qemu' ? VM_KEY_ALIASES : LXC_KEY_ALIASES;
  const update = (path: JSONPath, existing: Node): JsonEdit[] => {
    const edits: JsonEdit[] = [];
    for (const [key, value] of Object.entries(guest.entry)) {
      const legacy = Object.keys(aliases).filter(
        (old) => aliases[old] === key && findNodeAtLocation(existing, [old]),
      );
      const node =
        findNodeAtLocation(existing, [key]) ??
        (legacy[0] ? findNodeAtLocation(existing, [legacy[0]]) : undefined);
      // Unchanged values are left exactly as written (old spellings included).
      if (node && JSON.stringify(getNodeValue(node)) === JSON.stringify(value)) continue;
      for (const old of legacy) edits.push({ path: [...path, old], value: undefined });
      edits.push({ path: [...path, key], value });
    }
    return edits;
  };
  if (guest.kind === 'lxc') {
    const path = ['lxc_configs', String(guest.ctid)];
    const existing = root ? findNodeAtLocation(root, path) : undefined;
    const edits =
      existing?.type === 'object' ? update(path, existing) : [{ path, value: guest.entry }];
    return { file, text: editConfigFile(file, expected, edits), path };
  }
  const section =
    root && findNodeAtLocation(root, ['vms']) && !findNodeAtLocation(root, ['virtual_machines'])
      ? 'vms'
      : 'virtual_machines';
  const list = root ? findNodeAtLocation(root, [section]) : undefined;
  if (!list || list.type !== 'array') {
    const text = editConfigFile(file, expected, [{ path: [section], value: [guest.entry] }]);
    return { file, text, path: [section, 0] };
  }
  const items = list.children ?? [];
  const index = items.findIndex((item) => {
    const id =
      findNodeAtLocation(item, ['vm_id'])?.value ?? findNodeAtLocation(item, ['vmid'])?.value;
    const name =
      findNodeAtLocation(item, ['vm_name'])?.value ?? findNodeAtLocation(item, ['name'])?.value;
    return guest.entry.vm_id !== undefined
      ? Number(id) === guest.entry.vm_id
      : id === undefined && name === guest.entry.vm_name;
  });
  if (index >= 0) {
    const path = [section, index];
    return { file, text: editConfigFile(file, expected, update(path, items[index]!)), path };
  }
  const path = [section, items.length];
  return {
    file,
    text: editConfigFile(file, expected, [{ path, value: guest.entry, insert: true }]),
    path,
  };
}

/**
 * Writes the ID the plan assigned to a VM back into its entry (as `vm_id`, first key). Refuses when
 * the entry at `origin` is no longer that VM (renamed, moved) or already has an ID.
 */
export function writeBackVmId(
  origin: GuestOrigin,
  vmName: string,
  vmId: number,
  expectedText?: string,
): string {
  const current = readConfigText(origin.file);
  if (current === undefined || (expectedText !== undefined && current !== expectedText)) {
    throw new ConfigChangedError(origin.file);
  }
  const root = parseTree(current, [], { disallowComments: true });
  const node = root ? findNodeAtLocation(root, origin.segments) : undefined;
  const name =
    node &&
    (findNodeAtLocation(node, ['vm_name'])?.value ?? findNodeAtLocation(node, ['name'])?.value);
  const hasId = node && (findNodeAtLocation(node, ['vm_id']) ?? findNodeAtLocation(node, ['vmid']));
  if (!node || node.type !== 'object' || name !== vmName || hasId) {
    throw new UserError(
      `cannot record ID ${vmId} for VM "${vmName}": ${formatPath(origin.segments)} in ${origin.file} is no longer that VM without an ID`,
      { hint: `add "vm_id": ${vmId} to the VM's entry by hand` },
    );
  }
  return editConfigFile(origin.file, current, [
    { path: [...origin.segments, 'vm_id'], value: vmId, first: true },
  ]);
}
