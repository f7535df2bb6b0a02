// Output helpers: Perl-style printf padding and the JSON shapes pvesh and qm print.

export const padRight = (value: string | number, width: number) => String(value).padEnd(width);
export const padLeft = (value: string | number, width: number) => String(value).padStart(width);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined };

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const inner = (value as Record<string, unknown>)[key];
      if (inner !== undefined) out[key] = sortKeys(inner);
    }
    return out;
  }
  return value;
}

/** pvesh --output-format json: compact, canonical (sorted keys), trailing newline. */
export function jsonCompact(value: unknown): string {
  return JSON.stringify(sortKeys(value)) + '\n';
}

/** Perl JSON pretty+canonical: 3-space indent, `"key" : value`. */
export function jsonPretty(value: unknown, indent = ''): string {
  const inner = indent + '   ';
  if (Array.isArray(value)) {
    if (!value.length) return '[]';
    return `[\n${value.map((v) => inner + jsonPretty(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort();
    if (!keys.length) return '{}';
    return `{\n${keys
      .map(
        (k) =>
          `${inner}${JSON.stringify(k)} : ${jsonPretty((value as Record<string, Json>)[k], inner)}`,
      )
      .join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** pvesh text output for a simple value or hash (what scripts rarely rely on). */
export type { Json };

/**
 * pvesh's default `text` output: scalars as-is, hashes as a key/value table, arrays of hashes as
 * a table with one column per key (sorted), unicode borders unless --noborder.
 */
export function textTable(value: unknown, options: { border: boolean; header: boolean }): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return `${String(value)}\n`;
  let columns: string[];
  let rows: string[][];
  const cell = (v: unknown) =>
    v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (Array.isArray(value)) {
    if (value.length && value.every((v) => v && typeof v === 'object' && !Array.isArray(v))) {
      columns = [...new Set(value.flatMap((v) => Object.keys(v as object)))].sort();
      rows = value.map((v) => columns.map((c) => cell((v as Record<string, unknown>)[c])));
    } else {
      columns = ['value'];
      rows = value.map((v) => [cell(v)]);
    }
  } else {
    columns = ['key', 'value'];
    rows = Object.keys(value)
      .sort()
      .map((k) => [k, cell((value as Record<string, unknown>)[k])]);
  }
  const widths = columns.map((c, i) =>
    Math.max(options.header ? c.length : 0, ...rows.map((r) => r[i]!.length)),
  );
  if (!options.border) {
    const line = (cells: string[]) =>
      cells
        .map((c, i) => c.padEnd(widths[i]!))
        .join(' ')
        .trimEnd() + '\n';
    return (options.header ? line(columns) : '') + rows.map(line).join('');
  }
  const rule = (l: string, m: string, r: string, f: string) =>
    l + widths.map((w) => f.repeat(w + 2)).join(m) + r + '\n';
  const line = (cells: string[]) =>
    '│' + cells.map((c, i) => ` ${c.padEnd(widths[i]!)} `).join('│') + '│\n';
  let out = rule('┌', '┬', '┐', '─');
  if (options.header) out += line(columns) + rule('╞', '╪', '╡', '═');
  out += rows.map(line).join(rule('├', '┼', '┤', '─'));
  return out + rule('└', '┴', '┘', '─');
}
