import { Box, Text } from 'ink';
import type { EngineSnapshot, SpecState } from '../../engine/types.js';
import { useApp } from '../contexts/app-context.js';

const order: SpecState[] = ['in-sync', 'drifted', 'missing', 'unmanaged', 'template'];

export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ago` : `${Math.floor(m / 60)}h ago`;
}

export function Header({
  snapshot,
  width,
  title,
}: {
  snapshot: EngineSnapshot;
  width: number;
  title: string;
}) {
  const { theme, now, readonly } = useApp();
  const { host, machines } = snapshot;
  const running = machines.filter((m) => m.status === 'running').length;
  const sep = ` ${theme.glyphs.separator} `;
  const counts = order
    .map((state) => ({ state, count: machines.filter((m) => m.specState === state).length }))
    .filter((c) => c.count > 0);
  const age = snapshot.refreshing
    ? 'refreshing'
    : snapshot.refreshedAt !== undefined
      ? `refreshed ${formatAge(now() - snapshot.refreshedAt)}`
      : 'not refreshed yet';
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text bold color={theme.tone('accent')}>
          Phoenix
        </Text>
        {` ${title}`}
        {sep}
        {host.node}
        {host.cluster ? ` @ ${host.cluster}` : ''}
        {sep}
        {`PVE ${host.pveVersion}`}
        {sep}
        <Text color={snapshot.refreshError ? theme.tone('error') : theme.tone('muted')}>
          {snapshot.refreshError ? `refresh failed: ${snapshot.refreshError}` : age}
        </Text>
        {readonly ? <Text color={theme.tone('warn')}>{`${sep}READ-ONLY`}</Text> : null}
      </Text>
      <Text wrap="truncate">
        {`${machines.length} guests ${theme.glyphs.separator} ${running} running`}
        {counts.map((c) => (
          <Text key={c.state}>
            {sep}
            <Text color={theme.tone(c.state)}>{`${c.count} ${c.state}`}</Text>
          </Text>
        ))}
        <Text color={theme.tone('muted')}>{`${sep}config ${host.configDir}`}</Text>
      </Text>
    </Box>
  );
}
