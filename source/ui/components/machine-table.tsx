// The VM / container / template table: own component from <Box width> + <Text wrap="truncate">,
// windowed (only the visible rows are rendered), rows memoised so a refresh redraws only changes.
import { Box, Text } from 'ink';
import { memo, useMemo, useRef } from 'react';
import type { GuestId, MachineRow } from '../../engine/types.js';
import {
  columnWidths,
  columns,
  fit,
  pad,
  windowStart,
  type ColumnId,
  type SortOrder,
} from '../model/columns.js';
import type { Theme, Tone } from '../theme.js';

interface RowProps {
  row: MachineRow;
  selected: boolean;
  marked: boolean;
  widths: Record<ColumnId, number>;
  theme: Theme;
}

function cellTone(row: MachineRow, column: ColumnId): Tone | undefined {
  if (
    column === 'status' &&
    (row.status === 'running' || row.status === 'stopped' || row.status === 'paused')
  )
    return row.status;
  if (column === 'spec') return row.specState;
  return undefined;
}

const Row = memo(function Row({ row, selected, marked, widths, theme }: RowProps) {
  return (
    <Text wrap="truncate" inverse={selected} bold={marked}>
      {marked ? `${theme.glyphs.marked} ` : '  '}
      {columns.map((c) => {
        const width = widths[c.id];
        if (width <= 0) return null;
        const text =
          pad(fit(c.text(row), width - 1, theme.glyphs.ellipsis), width - 1, c.align) + ' ';
        const tone = cellTone(row, c.id);
        return (
          <Text key={c.id} color={tone ? theme.tone(tone) : undefined}>
            {text}
          </Text>
        );
      })}
    </Text>
  );
});

export interface MachineTableProps {
  rows: readonly MachineRow[];
  selectedIndex: number;
  marked: readonly GuestId[];
  sort: SortOrder;
  width: number;
  /** Lines for the table including its header line. */
  height: number;
  theme: Theme;
  emptyText: string;
}

export function MachineTable({
  rows,
  selectedIndex,
  marked,
  sort,
  width,
  height,
  theme,
  emptyText,
}: MachineTableProps) {
  const startRef = useRef(0);
  const bodyHeight = Math.max(1, height - 1);
  const start = windowStart(startRef.current, Math.max(0, selectedIndex), bodyHeight, rows.length);
  startRef.current = start;
  // One object per width, so memoised rows skip re-rendering when only other rows change.
  const widths = useMemo(() => columnWidths(width - 2), [width]);
  const arrow = sort.descending ? (theme.ascii ? 'v' : '▼') : theme.ascii ? '^' : '▲';
  const header = columns
    .map((c) => {
      const title = c.id === sort.column ? `${c.title}${arrow}` : c.title;
      return widths[c.id] > 0
        ? pad(fit(title, widths[c.id] - 1, theme.glyphs.ellipsis), widths[c.id] - 1, c.align) + ' '
        : '';
    })
    .join('');
  const visible = rows.slice(start, start + bodyHeight);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate" bold color={theme.tone('muted')}>
        {'  '}
        {header}
      </Text>
      {visible.length === 0 ? (
        <Text color={theme.tone('muted')}>{`  ${emptyText}`}</Text>
      ) : (
        visible.map((row, i) => (
          <Row
            key={row.id}
            row={row}
            selected={start + i === selectedIndex}
            marked={marked.includes(row.id)}
            widths={widths}
            theme={theme}
          />
        ))
      )}
    </Box>
  );
}
