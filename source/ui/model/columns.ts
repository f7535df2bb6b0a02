// The machine table's columns: how each is shown, sorted and sized.
import type { MachineRow } from '../../engine/types.js';

export type ColumnId = 'id' | 'type' | 'name' | 'node' | 'status' | 'spec' | 'cpu' | 'mem' | 'tags';

export interface ColumnDef {
  id: ColumnId;
  title: string;
  /** Fixed width including the gap after it; flexible columns share what is left. */
  width?: number;
  flex?: number;
  minWidth?: number;
  align?: 'left' | 'right';
  text(row: MachineRow): string;
  sortKey(row: MachineRow): string | number;
}

export function formatBytes(bytes: number): string {
  if (bytes <= 0) return '0';
  const gib = bytes / 1024 ** 3;
  if (gib >= 1) return `${gib >= 10 ? gib.toFixed(0) : gib.toFixed(1)}G`;
  return `${Math.round(bytes / 1024 ** 2)}M`;
}

export function typeLabel(row: MachineRow): string {
  if (row.template) return row.type === 'qemu' ? 'vm-t' : 'ct-t';
  return row.type === 'qemu' ? 'vm' : 'ct';
}

export const columns: readonly ColumnDef[] = [
  { id: 'id', title: 'ID', width: 6, text: (r) => String(r.id), sortKey: (r) => r.id },
  { id: 'type', title: 'TYPE', width: 6, text: typeLabel, sortKey: typeLabel },
  {
    id: 'name',
    title: 'NAME',
    flex: 2,
    minWidth: 10,
    text: (r) => r.name,
    sortKey: (r) => r.name.toLowerCase(),
  },
  { id: 'node', title: 'NODE', width: 6, text: (r) => r.node, sortKey: (r) => r.node },
  {
    id: 'status',
    title: 'STATUS',
    width: 8,
    text: (r) => (r.status === 'absent' ? '-' : r.status),
    sortKey: (r) => r.status,
  },
  { id: 'spec', title: 'SPEC', width: 10, text: (r) => r.specState, sortKey: (r) => r.specState },
  {
    id: 'cpu',
    title: 'CPU',
    width: 5,
    align: 'right',
    text: (r) => (r.status === 'running' ? `${Math.round(r.cpu * 100)}%` : '-'),
    sortKey: (r) => r.cpu,
  },
  {
    id: 'mem',
    title: 'MEM',
    width: 10,
    align: 'right',
    text: (r) =>
      r.status === 'absent'
        ? '-'
        : r.status === 'running'
          ? `${formatBytes(r.mem)}/${formatBytes(r.maxmem)}`
          : formatBytes(r.maxmem),
    sortKey: (r) => r.mem,
  },
  {
    id: 'tags',
    title: 'TAGS',
    flex: 1,
    minWidth: 6,
    text: (r) => r.tags.join(','),
    sortKey: (r) => r.tags.join(','),
  },
];

export const columnIds: readonly ColumnId[] = columns.map((c) => c.id);

/** Width of every column for a table `total` characters wide (after the mark column). */
export function columnWidths(total: number): Record<ColumnId, number> {
  const fixed = columns.reduce((sum, c) => sum + (c.width ?? 0), 0);
  const flexible = columns.filter((c) => c.flex);
  const flexTotal = flexible.reduce((sum, c) => sum + (c.flex ?? 0), 0);
  let left = Math.max(0, total - fixed);
  const widths = {} as Record<ColumnId, number>;
  for (const c of columns) widths[c.id] = c.width ?? 0;
  flexible.forEach((c, i) => {
    const share =
      i === flexible.length - 1 ? left : Math.floor(((total - fixed) * (c.flex ?? 0)) / flexTotal);
    widths[c.id] = Math.max(0, Math.min(share, left));
    left -= widths[c.id];
  });
  return widths;
}

export interface SortOrder {
  column: ColumnId;
  descending: boolean;
}

/** Sorted copy; ties keep id order so rows never jump between refreshes. */
export function sortRows(rows: readonly MachineRow[], order: SortOrder): MachineRow[] {
  const column = columns.find((c) => c.id === order.column) ?? columns[0]!;
  const sign = order.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const ka = column.sortKey(a);
    const kb = column.sortKey(b);
    const cmp = ka < kb ? -1 : ka > kb ? 1 : 0;
    return cmp !== 0 ? cmp * sign : a.id - b.id;
  });
}

/** Cuts text to width, marking the cut with the ellipsis glyph. */
export function fit(text: string, width: number, ellipsis: string): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= ellipsis.length) return chars.slice(0, width).join('');
  return chars.slice(0, width - ellipsis.length).join('') + ellipsis;
}

export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const length = [...text].length;
  if (length >= width) return text;
  return align === 'right' ? ' '.repeat(width - length) + text : text + ' '.repeat(width - length);
}

/** First row of the visible window: moves only as far as needed to keep `selected` in view. */
export function windowStart(
  previous: number,
  selected: number,
  height: number,
  total: number,
): number {
  if (height <= 0 || total <= height) return 0;
  let start = Math.min(Math.max(previous, 0), total - height);
  if (selected < start) start = selected;
  if (selected >= start + height) start = selected - height + 1;
  return Math.max(0, Math.min(start, total - height));
}
