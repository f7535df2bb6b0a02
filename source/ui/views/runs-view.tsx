import { Box, Text } from 'ink';
import type { RunSummary } from '../../engine/types.js';
import { useApp } from '../contexts/app-context.js';
import { fit, pad, windowStart } from '../model/columns.js';
import { formatDuration } from '../components/spinner.js';
import { useRef } from 'react';

export function RunsView({
  runs,
  selected,
  width,
  height,
}: {
  runs: readonly RunSummary[];
  selected: number;
  width: number;
  height: number;
}) {
  const { theme, now } = useApp();
  const startRef = useRef(0);
  const bodyHeight = Math.max(1, height - 1);
  const start = windowStart(startRef.current, selected, bodyHeight, runs.length);
  startRef.current = start;
  // Live run ids are timestamps (23 characters): the column is as wide as the longest one.
  const idWidth = Math.min(24, Math.max(3, ...runs.map((r) => r.id.length))) + 1;
  const titleWidth = Math.max(10, width - idWidth - 42);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color={theme.tone('muted')} wrap="truncate">
        {`  ${pad('RUN', idWidth)}${pad('WHAT', titleWidth)}${pad('STATUS', 12)}${pad('STARTED', 21)}TOOK`}
      </Text>
      {runs.length === 0 ? (
        <Text color={theme.tone('muted')}> No runs yet: select guests and press a to apply.</Text>
      ) : null}
      {runs.slice(start, start + bodyHeight).map((r, i) => {
        const tone =
          r.status === 'succeeded'
            ? 'ok'
            : r.status === 'running'
              ? 'accent'
              : r.status === 'waiting'
                ? 'warn'
                : 'error';
        return (
          <Text key={r.id} wrap="truncate" inverse={start + i === selected}>
            {`  ${pad(fit(r.id, idWidth - 1, theme.glyphs.ellipsis), idWidth)}${pad(fit(r.title, titleWidth - 1, theme.glyphs.ellipsis), titleWidth)}`}
            <Text color={theme.tone(tone)}>{pad(r.status, 12)}</Text>
            {pad(new Date(r.startedAt).toISOString().slice(0, 19).replace('T', ' '), 21)}
            {formatDuration((r.finishedAt ?? now()) - r.startedAt)}
          </Text>
        );
      })}
    </Box>
  );
}
