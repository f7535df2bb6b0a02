// `?`: generated from the key-binding table, so it can never disagree with what the keys do.
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { activeBindings, keyLabel, type Group } from '../keys/bindings.js';
import { useApp } from '../contexts/app-context.js';
import { pad } from '../model/columns.js';

const groups: Group[] = ['Move', 'Find', 'Act', 'Views', 'Pipeline', 'App'];

export function helpLines(
  readonly: boolean,
  ascii: boolean,
): { text: string; heading?: boolean }[] {
  const lines: { text: string; heading?: boolean }[] = [];
  for (const group of groups) {
    const list = activeBindings(readonly).filter((b) => b.group === group);
    if (list.length === 0) continue;
    lines.push({ text: group, heading: true });
    for (const b of list) {
      const keys = b.keys.map((k) => keyLabel(k, ascii)).join(' ');
      const where = b.scopes.includes('global') ? '' : `  (${b.scopes.join(', ')})`;
      lines.push({ text: `  ${pad(keys, 16)}${b.help}${where}` });
    }
  }
  lines.push({ text: 'Filter', heading: true });
  lines.push({ text: '  words match ID, name and tags; every term must match' });
  lines.push({
    text: '  type:vm|ct|template  state:running|drifted|missing|…  tag:web  node:pve1',
  });
  if (readonly)
    lines.push({
      text: 'Read-only session: actions that change the host are hidden.',
      heading: true,
    });
  return lines;
}

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
