// The `?` screen's text, generated from the key-binding table so it can never disagree with
// what the keys do.
import { activeBindings, keyLabel, type Group } from './bindings.js';
import { pad } from '../model/columns.js';

const groups: Group[] = ['Move', 'Find', 'Act', 'Views', 'Pipeline', 'Wizard', 'App'];

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
