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
