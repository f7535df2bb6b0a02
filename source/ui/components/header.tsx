import { Box } from 'ink';
import { useEffect, useState } from 'react';
import { Line, type Segment } from './line.js';
import type { EngineSnapshot, SpecState } from '../../engine/types.js';
import { useApp } from '../contexts/app-context.js';

const order: SpecState[] = ['in-sync', 'drifted', 'missing', 'unmanaged', 'template'];

/** The refresh age is redrawn this often even when nothing else changes. */
const AGE_TICK_MS = 5000;

/** Re-renders the caller every `ms`. */
function useClock(ms: number): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (ms <= 0) return;
    const timer = setInterval(() => setTick((t) => t + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
}

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
  ageTicks,
}: {
  snapshot: EngineSnapshot;
  width: number;
  title: string;
  /** Redraw the refresh age on a timer (when no auto-refresh redraws it anyway). */
  ageTicks: boolean;
}) {
  const { theme, now, readonly } = useApp();
  useClock(ageTicks ? AGE_TICK_MS : 0);
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
      <Line
        width={width}
        segments={[
          { text: 'Phoenix', tone: 'accent', bold: true },
          {
            text: ` ${title}${sep}${host.node}${host.cluster ? ` @ ${host.cluster}` : ''}${sep}PVE ${host.pveVersion}${sep}`,
          },
          snapshot.refreshError
            ? { text: `refresh failed: ${snapshot.refreshError}`, tone: 'error' }
            : { text: age, tone: 'muted' },
          readonly && { text: `${sep}READ-ONLY`, tone: 'warn', bold: true },
        ]}
      />
      <Line
        width={width}
        segments={[
          { text: `${machines.length} guests${sep}${running} running` },
          ...counts.flatMap((c, i): Segment[] => [
            { text: i === 0 ? sep : '  ' },
            { text: `${c.count} ${c.state}`, tone: c.state },
          ]),
          { text: `${sep}config ${host.configDir}`, tone: 'muted' },
        ]}
      />
    </Box>
  );
}
