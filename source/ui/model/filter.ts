// The `/` filter: free words match id, name and tags; `type:`, `state:`, `tag:`, `node:` narrow by
// field. Every term must match (AND); several values of one key (`tag:web tag:db`) match either.
import type { MachineRow } from '../../engine/types.js';

export interface FilterQuery {
  words: string[];
  type: string[];
  state: string[];
  tag: string[];
  node: string[];
}

const keys = ['type', 'state', 'tag', 'node'] as const;

export function parseFilter(text: string): FilterQuery {
  const query: FilterQuery = { words: [], type: [], state: [], tag: [], node: [] };
  for (const term of text.trim().toLowerCase().split(/\s+/)) {
    if (!term) continue;
    const colon = term.indexOf(':');
    const key = colon > 0 ? term.slice(0, colon) : '';
    const value = term.slice(colon + 1);
    if ((keys as readonly string[]).includes(key)) {
      if (value) query[key as (typeof keys)[number]].push(value);
    } else query.words.push(term);
  }
  return query;
}

/** `type:vm` and `type:ct` are accepted next to Proxmox's own qemu/lxc. */
function typeMatches(row: MachineRow, value: string): boolean {
  if (value === 'vm' || value === 'qemu') return row.type === 'qemu' && !row.template;
  if (value === 'ct' || value === 'lxc' || value === 'container')
    return row.type === 'lxc' && !row.template;
  if (value === 'template' || value === 'tmpl') return row.template;
  return row.type.startsWith(value);
}

/** `state:` matches the spec state or the live status (state:running, state:drifted). */
function stateMatches(row: MachineRow, value: string): boolean {
  return row.specState.startsWith(value) || row.status.startsWith(value);
}

export function matchesFilter(row: MachineRow, query: FilterQuery): boolean {
  const haystack = `${row.id} ${row.name} ${row.tags.join(' ')}`.toLowerCase();
  if (!query.words.every((w) => haystack.includes(w))) return false;
  if (query.type.length && !query.type.some((v) => typeMatches(row, v))) return false;
  if (query.state.length && !query.state.some((v) => stateMatches(row, v))) return false;
  if (query.tag.length && !query.tag.some((v) => row.tags.some((t) => t.toLowerCase() === v)))
    return false;
  if (query.node.length && !query.node.some((v) => row.node.toLowerCase().startsWith(v)))
    return false;
  return true;
}

export function isEmptyFilter(query: FilterQuery): boolean {
  return keys.every((k) => query[k].length === 0) && query.words.length === 0;
}
