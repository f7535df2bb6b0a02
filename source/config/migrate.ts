import { analyseConfig } from './load.js';
import type { ConfigFileKind } from './files.js';
import { detectIndent, readConfigText, writeFileAtomic, ConfigChangedError } from './writer.js';
import type { Diagnostic } from './types.js';
import { UserError } from '../util/user-error.js';

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
        writeFileAtomic(file, `${JSON.stringify(doc, null, 2)}\n`);
      }
      changes.push({ file, action: 'created' });
      continue;
    }
    const before = JSON.stringify(JSON.parse(source.text));
    if (JSON.stringify(doc) === before) {
      changes.push({ file, action: 'unchanged' });
      continue;
    }
    if (!options.dryRun) {
      const indent = detectIndent(source.text);
      const text = `${JSON.stringify(doc, null, indent.insertSpaces ? indent.tabSize : '\t')}\n`;
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
