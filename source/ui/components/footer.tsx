import { Box } from 'ink';
import { Line, type Segment } from './line.js';
import { footerEntries, type Scope } from '../keys/bindings.js';
import { useApp } from '../contexts/app-context.js';
import type { Message } from '../model/app-state.js';

/** As many entries as fit in `width`, in order; help and quit always stay. */
export function fitEntries(entries: { key: string; label: string }[], width: number) {
  const cost = (e: { key: string; label: string }) => e.key.length + 1 + e.label.length + 2;
  const always = entries.filter((e) => e.label === 'help' || e.label === 'quit');
  let left = width - always.reduce((sum, e) => sum + cost(e), 0);
  const keep = new Set(always);
  for (const e of entries) {
    if (keep.has(e)) continue;
    if (cost(e) <= left) {
      keep.add(e);
      left -= cost(e);
    } else left = 0;
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
  keysOverride?: { key: string; label: string }[];
}) {
  const { readonly } = useApp();
  const entries = fitEntries(keysOverride ?? footerEntries(scope, readonly), width);
  const tone = message?.tone === 'error' ? 'error' : message?.tone === 'ok' ? 'ok' : 'muted';
  return (
    <Box flexDirection="column" width={width}>
      <Line width={width} segments={[message ? { text: message.text, tone } : { text: status }]} />
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
