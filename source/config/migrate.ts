import { analyseConfig } from './load.js';
import type { ConfigFileKind } from './files.js';
import { detectIndent, readConfigText, writeFileAtomic, ConfigChangedError } from './writer.js';
import type { Diagnostic } from './types.js';
import { UserError } from '../util/user-error.js';
import type { Locator } from './source.js';

export interface MigrationChange {
  file: string;
  action: 'rewritten' | 'created' | 'unchanged';
}

export interface MigrationResult {
  changes: MigrationChange[];
  /** Findings of the config after migration would be applied (before: the caller may print them). */
  diagnostics: Diagnostic[];
}

/**
 * Rewrites the config files in canonical form (seed 001 spellings, VMs in phoenix_vm_configs.json,
 * numeric IDs). Unknown and site-specific keys, key order and indentation are kept; each rewritten
 * file keeps FILE.bak. Files already canonical are not touched. With `dryRun`, nothing is written.
 */
export function migrateConfig(
  configDir: string,
  options: { dryRun?: boolean } = {},
): MigrationResult {
  const analysis = analyseConfig(configDir);
  const fatal = analysis.diagnostics.filter(
    (d) =>
      d.severity === 'error' &&
      (d.line === 0 ||
        d.message.startsWith('JSON syntax error') ||
        d.message.includes('appears twice')),
  );
  if (analysis.unparsed.length || fatal.length) {
    throw new UserError(
      `cannot migrate ${configDir}: ${fatal[0]?.message ?? 'a file cannot be parsed'}`,
      {
        hint: 'run phoenix validate, fix the syntax errors it shows, then migrate',
      },
    );
  }
  const changes: MigrationChange[] = [];
  // VMs first: a VM moved out of the host file must be written before it is removed there.
  for (const kind of ['vm', 'lxc', 'hypervisor'] as ConfigFileKind[]) {
    const file = analysis.files[kind];
    const source = analysis.sources[kind];
    const doc = analysis.docs[kind].value;
    if (!source) {
      if (Object.keys(doc).length === 0) continue;
      if (!options.dryRun) {
        if (readConfigText(file) !== undefined) throw new ConfigChangedError(file);
        writeFileAtomic(file, `${serialise(doc, analysis.locator, 2)}\n`);
      }
      changes.push({ file, action: 'created' });
      continue;
    }
    if (!analysis.docs[kind].modified) {
      changes.push({ file, action: 'unchanged' });
      continue;
    }
    if (!options.dryRun) {
      const indent = detectIndent(source.text);
      const text = `${serialise(doc, analysis.locator, indent.insertSpaces ? indent.tabSize : '\t')}\n`;
      if (readConfigText(file) !== source.text) throw new ConfigChangedError(file);
      writeFileAtomic(file, source.text.includes('\r\n') ? text.replace(/\n/g, '\r\n') : text, {
        backup: true,
      });
    }
    changes.push({ file, action: 'rewritten' });
  }
  const after = options.dryRun ? analysis.diagnostics : analyseConfig(configDir).diagnostics;
  return { changes, diagnostics: after };
}

/**
 * JSON text of a canonical document with every object's keys in file order. JavaScript objects put
 * integer-like keys ("900", "101") first in ascending order; a migration must not reorder a user's
 * containers, so keys are ordered by their position in the file (new keys keep their place).
 */
export function serialise(
  value: unknown,
  locator: Locator,
  indent: number | string,
  level = 0,
): string {
  const unit = typeof indent === 'number' ? ' '.repeat(indent) : indent;
  const pad = unit.repeat(level + 1);
  const end = unit.repeat(level);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => pad + serialise(item, locator, indent, level + 1)).join(',\n')}\n${end}]`;
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const object = value as Record<string, unknown>;
  const keys = orderedKeys(object, locator).filter((key) => object[key] !== undefined);
  if (keys.length === 0) return '{}';
  const members = keys.map(
    (key) => `${pad}${JSON.stringify(key)}: ${serialise(object[key], locator, indent, level + 1)}`,
  );
  return `{\n${members.join(',\n')}\n${end}}`;
}

function orderedKeys(object: Record<string, unknown>, locator: Locator): string[] {
  const self = locator.self(object)?.valueNode;
  const keys = Object.keys(object);
  const offset = (key: string): number | undefined => {
    const keyNode = locator.member(object, key)?.keyNode;
    return keyNode && keyNode.parent?.parent === self ? keyNode.offset : undefined;
  };
  // Keys from the file sort by position; a key without one (moved in, added) keeps its neighbour's place.
  let last = -1;
  const ranked = keys.map((key, index) => {
    const at = offset(key);
    if (at !== undefined) last = at;
    return { key, index, rank: at ?? last + 0.5 };
  });
  return ranked.sort((a, b) => a.rank - b.rank || a.index - b.index).map(({ key }) => key);
}
