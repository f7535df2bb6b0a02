import { Box } from 'ink';
import { Line, type Segment } from './line.js';
import { footerEntries, type FooterEntry, type Scope } from '../keys/bindings.js';
import { useApp } from '../contexts/app-context.js';
import type { Message } from '../model/app-state.js';

/** The most important entries that fit in `width`, shown in table order. */
export function fitEntries(entries: FooterEntry[], width: number): FooterEntry[] {
  const cost = (e: FooterEntry) => e.key.length + 1 + e.label.length + 2;
  const byRank = [...entries].sort((a, b) => (a.rank ?? 50) - (b.rank ?? 50));
  const keep = new Set<FooterEntry>();
  let left = width + 2;
  for (const e of byRank) {
    if (cost(e) > left) continue;
    keep.add(e);
    left -= cost(e);
  }
  return entries.filter((e) => keep.has(e));
}

/** The status line (message, filter being typed, counts) and the keys that work right here. */
export function Footer({
  scope,
  width,
  status,
  message,
  keysOverride,
}: {
  scope: Scope;
  width: number;
  status: string;
  message?: Message;
  keysOverride?: FooterEntry[];
}) {
  const { readonly } = useApp();
  const entries = fitEntries(keysOverride ?? footerEntries(scope, readonly), width);
  const tone = message?.tone === 'error' ? 'error' : message?.tone === 'ok' ? 'ok' : 'muted';
  return (
    <Box flexDirection="column" width={width}>
      {/* Never empty: an empty line has no height, and the keys line would move up a row. */}
      <Line
        width={width}
        segments={[message ? { text: message.text, tone } : { text: status || ' ' }]}
      />
      <Line
        width={width}
        segments={entries.flatMap((e, i): Segment[] => [
          { text: i > 0 ? '  ' : '' },
          { text: e.key, tone: 'key', bold: true },
          { text: ` ${e.label}` },
        ])}
      />
    </Box>
  );
}
