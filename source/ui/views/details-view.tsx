import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import type { GuestId } from '../../engine/types.js';
import { useApp } from '../contexts/app-context.js';
import { useDetails } from '../hooks/use-details.js';
import { fit, pad } from '../model/columns.js';

/** Merged config vs live config field by field (drift highlighted), snapshots, runs, the plan. */
export function DetailsView({
  id,
  scroll,
  width,
  height,
  maxScroll,
}: {
  id: GuestId;
  scroll: number;
  width: number;
  height: number;
  /** Told how far the view can scroll, so keys stop at the end. */
  maxScroll?: { current: number };
}) {
  const { theme } = useApp();
  const { details, error } = useDetails(id);
  if (error) return <Text color={theme.tone('error')}>{`Cannot read ${id}: ${error}`}</Text>;
  if (!details) return <Text color={theme.tone('muted')}>{`Reading ${id}…`}</Text>;
  const e = theme.glyphs.ellipsis;
  const keyWidth = 12;
  const valueWidth = Math.max(8, Math.floor((width - keyWidth - 4) / 2));
  const lines: ReactNode[] = [];
  const add = (node: ReactNode) => lines.push(<Box key={lines.length}>{node}</Box>);
  add(
    <Text wrap="truncate">
      <Text bold>{`${details.id} ${details.name}`}</Text>
      {`  ${details.type === 'qemu' ? 'VM' : 'container'}  `}
      <Text color={theme.tone(details.specState)}>{details.specState}</Text>
      {details.source ? `  from ${details.source}` : '  not in the config'}
    </Text>,
  );
  add(
    <Text bold color={theme.tone('muted')} wrap="truncate">
      {`  ${pad('FIELD', keyWidth)}${pad('CONFIG', valueWidth)}  LIVE`}
    </Text>,
  );
  for (const f of details.fields) {
    const desired = f.desired ?? '-';
    const live = f.live ?? '-';
    add(
      <Text wrap="truncate" color={f.drifted ? theme.tone('drifted') : undefined} bold={f.drifted}>
        {f.drifted ? (theme.ascii ? '! ' : '≠ ') : '  '}
        {pad(fit(f.key, keyWidth - 1, e), keyWidth)}
        {pad(fit(desired, valueWidth - 1, e), valueWidth)}
        {'  '}
        {fit(live, valueWidth, e)}
      </Text>,
    );
  }
  add(<Text> </Text>);
  add(<Text bold>{`Snapshots (${details.snapshots.length})`}</Text>);
  if (details.snapshots.length === 0) add(<Text color={theme.tone('muted')}> none</Text>);
  for (const s of details.snapshots)
    add(
      <Text wrap="truncate">
        {`  ${s.name}`}
        {s.takenAt !== undefined
          ? `  ${new Date(s.takenAt).toISOString().slice(0, 16).replace('T', ' ')}`
          : ''}
        {s.description ? `  ${s.description}` : ''}
      </Text>,
    );
  add(<Text bold>{`Last runs (${details.recentRuns.length})`}</Text>);
  if (details.recentRuns.length === 0) add(<Text color={theme.tone('muted')}> none</Text>);
  for (const r of details.recentRuns)
    add(
      <Text wrap="truncate">
        {`  ${r.id}  ${r.title}  `}
        <Text
          color={theme.tone(
            r.status === 'succeeded' ? 'ok' : r.status === 'running' ? 'accent' : 'error',
          )}
        >
          {r.status}
        </Text>
      </Text>,
    );
  add(
    <Text bold>
      {details.plan.length === 0 ? 'Plan: nothing to do' : `Plan (${details.plan.length} steps)`}
    </Text>,
  );
  details.plan.forEach((step, i) => {
    add(<Text wrap="truncate">{`  ${i + 1}. ${step.title}`}</Text>);
    for (const command of step.commands)
      add(
        <Text wrap="truncate" color={theme.tone('muted')}>
          {`     $ ${command}`}
        </Text>,
      );
  });
  const last = Math.max(0, lines.length - height);
  if (maxScroll) maxScroll.current = last;
  const start = Math.min(scroll, last);
  return (
    <Box flexDirection="column" width={width} height={height}>
      {lines.slice(start, start + height)}
    </Box>
  );
}
