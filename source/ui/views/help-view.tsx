// `?`: generated from the key-binding table, so it can never disagree with what the keys do.
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { helpLines } from '../keys/help.js';
import { useApp } from '../contexts/app-context.js';

export function HelpView({
  scroll,
  width,
  height,
}: {
  scroll: number;
  width: number;
  height: number;
}) {
  const { theme, readonly } = useApp();
  const lines = helpLines(readonly, theme.ascii);
  const start = Math.min(scroll, Math.max(0, lines.length - height));
  const shown: ReactNode[] = lines.slice(start, start + height).map((l, i) => (
    <Text
      key={start + i}
      wrap="truncate"
      bold={l.heading}
      color={l.heading ? theme.tone('accent') : undefined}
    >
      {l.text}
    </Text>
  ));
  return (
    <Box flexDirection="column" width={width} height={height}>
      {shown}
    </Box>
  );
}
