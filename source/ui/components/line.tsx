import { Text } from 'ink';
import { useApp } from '../contexts/app-context.js';
import { fit } from '../model/columns.js';
import type { Tone } from '../theme.js';

export interface Segment {
  text: string;
  tone?: Tone;
  bold?: boolean;
}

/**
 * One line of styled segments cut to `width` with the theme's ellipsis (ink's own truncation
 * would put a Unicode "…" even in --ascii mode).
 */
export function Line({
  segments,
  width,
}: {
  segments: readonly (Segment | false | undefined)[];
  width: number;
}) {
  const { theme } = useApp();
  let left = width;
  const parts = [];
  for (const [i, segment] of segments.entries()) {
    if (!segment || left <= 0) continue;
    const length = [...segment.text].length;
    const text = length <= left ? segment.text : fit(segment.text, left, theme.glyphs.ellipsis);
    left -= [...text].length;
    parts.push(
      <Text key={i} color={segment.tone ? theme.tone(segment.tone) : undefined} bold={segment.bold}>
        {text}
      </Text>,
    );
  }
  return <Text wrap="truncate">{parts}</Text>;
}
