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

/**
 * Whole seconds since `since`, read on the shared ticker. The text changes once a second, so
 * ink writes nothing on the other ticks (bytes matter over SSH).
 */
export function Elapsed({ since }: { since?: number }) {
  const { now } = useApp();
  useTick();
  if (since === undefined) return null;
  const seconds = Math.floor(Math.max(0, now() - since) / 1000);
  return <Text>{seconds < 60 ? `${seconds}s` : formatDuration(seconds * 1000)}</Text>;
}
