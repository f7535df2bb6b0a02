import { Text } from 'ink';
import { useApp } from '../contexts/app-context.js';
import { useTick } from '../contexts/ticker-context.js';

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${(ms / 1000).toFixed(1)}s`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}

/** A spinner driven by the shared ticker. */
export function Spinner() {
  const { theme } = useApp();
  const frame = useTick();
  const glyph = theme.glyphs.spinner[frame % theme.glyphs.spinner.length];
  return <Text color={theme.tone('accent')}>{glyph}</Text>;
}

/** Time since `since`, redrawn on the shared ticker. */
export function Elapsed({ since }: { since?: number }) {
  const { now } = useApp();
  useTick();
  return <Text>{since !== undefined ? formatDuration(Math.max(0, now() - since)) : ''}</Text>;
}
