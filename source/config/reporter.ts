import { formatPath, nodePath, positionOf, type Locator } from './source.js';
import type { Diagnostic } from './types.js';

/** A canonical document and the file it belongs to (used when nothing inside it can be located). */
export interface DocRef {
  value: Record<string, unknown>;
  file: string;
  /** Set by normalisation when the canonical form differs from the file (config migrate rewrites it). */
  modified?: boolean;
}

export interface ReportOptions {
  /** Point at the property name rather than its value (unknown or renamed keys). */
  atKey?: boolean;
  hint?: string;
}

/** Collects diagnostics, turning canonical paths into file, line:column and the file's own JSON path. */
export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  private readonly suppressed = new WeakMap<object, Set<string>>();

  constructor(private readonly locator: Locator) {}

  error(
    doc: DocRef,
    segments: readonly (string | number)[],
    message: string,
    options: ReportOptions = {},
  ): void {
    this.add('error', doc, segments, message, options);
  }

  warning(
    doc: DocRef,
    segments: readonly (string | number)[],
    message: string,
    options: ReportOptions = {},
  ): void {
    this.add('warning', doc, segments, message, options);
  }

  add(
    severity: Diagnostic['severity'],
    doc: DocRef,
    segments: readonly (string | number)[],
    message: string,
    options: ReportOptions = {},
  ): void {
    this.diagnostics.push(this.build(severity, doc, segments, message, options));
  }

  build(
    severity: Diagnostic['severity'],
    doc: DocRef,
    segments: readonly (string | number)[],
    message: string,
    options: ReportOptions = {},
  ): Diagnostic {
    const { location, depth } = this.locator.locate(doc.value, segments);
    const finish = (file: string, line: number, column: number, path: string): Diagnostic => {
      const diagnostic: Diagnostic = { file, line, column, path, severity, message };
      if (options.hint) diagnostic.hint = options.hint;
      return diagnostic;
    };
    if (!location) return finish(doc.file, 0, 0, formatPath(segments));
    const node =
      options.atKey && depth === segments.length && location.keyNode
        ? location.keyNode
        : location.valueNode;
    const { line, column } = positionOf(location.source, node.offset);
    const rawPath = location.valueNode.parent || depth > 0 ? nodePath(location.valueNode) : [];
    return finish(
      location.source.file,
      line,
      column,
      formatPath([...rawPath, ...segments.slice(depth)]),
    );
  }

  /** Marks a key as already reported so the schema pass does not report it again. */
  suppress(container: object, key: string): void {
    let keys = this.suppressed.get(container);
    if (!keys) this.suppressed.set(container, (keys = new Set()));
    keys.add(key);
  }

  isSuppressed(container: unknown, key: string): boolean {
    return (
      typeof container === 'object' &&
      container !== null &&
      (this.suppressed.get(container)?.has(key) ?? false)
    );
  }
}
