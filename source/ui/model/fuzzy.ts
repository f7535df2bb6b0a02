// Fuzzy matching for the command palette: the query's characters in order, words starts and
// consecutive runs score higher. Returns undefined when the query does not match.
export function fuzzyScore(query: string, text: string): number | undefined {
  const q = query.toLowerCase().replace(/\s+/g, '');
  const t = text.toLowerCase();
  if (!q) return 0;
  let score = 0;
  let from = 0;
  let previous = -2;
  for (const ch of q) {
    const at = t.indexOf(ch, from);
    if (at < 0) return undefined;
    score += 1;
    if (at === previous + 1) score += 2;
    if (at === 0 || t[at - 1] === ' ' || t[at - 1] === '-') score += 3;
    previous = at;
    from = at + 1;
  }
  return score - t.length * 0.01;
}

export function fuzzyFilter<T>(query: string, items: readonly T[], text: (item: T) => string): T[] {
  return items
    .map((item, index) => ({ item, index, score: fuzzyScore(query, text(item)) }))
    .filter((x): x is { item: T; index: number; score: number } => x.score !== undefined)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map((x) => x.item);
}
