import { isAbsolute, relative } from 'node:path';
import type { Diagnostic } from './types.js';

/** A file name as the user should read it: relative to the working directory when inside it. */
export function displayFile(file: string, cwd = process.cwd()): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/**
 * One line per finding, e.g.
 * `etc/phoenix_vm_configs.json:12:7 error $.virtual_machines[0].cpu_cores: must be an integer ≥ 1 (got "two") — hint`.
 */
export function formatDiagnostic(diagnostic: Diagnostic, cwd = process.cwd()): string {
  const where =
    diagnostic.line > 0
      ? `${displayFile(diagnostic.file, cwd)}:${diagnostic.line}:${diagnostic.column}`
      : displayFile(diagnostic.file, cwd);
  const hint = diagnostic.hint ? ` — ${diagnostic.hint}` : '';
  return `${where} ${diagnostic.severity} ${diagnostic.path}: ${diagnostic.message}${hint}`;
}

/** `{ valid, errors, warnings }` as `phoenix validate --json` prints it. */
export function diagnosticsJson(diagnostics: Diagnostic[]): {
  valid: boolean;
  errors: Diagnostic[];
  warnings: Diagnostic[];
} {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  return {
    valid: errors.length === 0,
    errors,
    warnings: diagnostics.filter((d) => d.severity === 'warning'),
  };
}
