import { Box, Text } from 'ink';
import type { SetupItem, SetupItemState } from '../../engine/types.js';
import { useApp } from '../contexts/app-context.js';
import { fit, pad } from '../model/columns.js';
import type { Tone } from '../theme.js';

const tones: Record<SetupItemState, Tone> = {
  done: 'ok',
  missing: 'missing',
  drifted: 'drifted',
  unknown: 'muted',
};

/** What the host config asks for and whether the host has it. */
export function SetupView({
  items,
  error,
  scroll,
  width,
  height,
}: {
  items?: readonly SetupItem[];
  error?: string;
  scroll: number;
  width: number;
  height: number;
}) {
  const { theme } = useApp();
  if (error)
    return (
      <Text color={theme.tone('error')}>
        {fit(`Cannot read the host setup: ${error}`, width, theme.glyphs.ellipsis)}
      </Text>
    );
  if (!items) return <Text color={theme.tone('muted')}>Reading the host setup…</Text>;
  const titleWidth = Math.max(16, Math.min(40, width - 46));
  const detailWidth = Math.max(0, width - 2 - 10 - titleWidth - 9);
  const bodyHeight = Math.max(1, height - 1);
  const start = Math.min(scroll, Math.max(0, items.length - bodyHeight));
  const e = theme.glyphs.ellipsis;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color={theme.tone('muted')} wrap="truncate">
        {`  ${pad('AREA', 10)}${pad('ITEM', titleWidth)}${pad('STATE', 9)}DETAIL`}
      </Text>
      {items.length === 0 ? (
        <Text color={theme.tone('muted')}> The config asks nothing of the host.</Text>
      ) : null}
      {items.slice(start, start + bodyHeight).map((item) => (
        <Text key={item.id} wrap="truncate">
          {`  ${pad(fit(item.area, 9, e), 10)}${pad(fit(item.title, titleWidth - 1, e), titleWidth)}`}
          <Text color={theme.tone(tones[item.state])}>{pad(item.state, 9)}</Text>
          <Text color={theme.tone('muted')}>{fit(item.detail ?? '', detailWidth, e)}</Text>
        </Text>
      ))}
    </Box>
  );
}
