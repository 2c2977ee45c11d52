// Reciprocal rank fusion (Cormack et al., 2009): each list contributes 1 / (k + rank) for every item it ranks, so an
// item near the top of either list rises, and one both lists agree on rises most. Only ranks count, never the raw
// scores, which is why a cosine distance and a ts_rank can be combined at all.
export const RRF_K = 60;

export interface Fused<T> {
  id: T;
  score: number;
  /** 1-based rank in each input list (undefined: not in that list). */
  ranks: (number | undefined)[];
}

export function fuseRanks<T>(lists: readonly (readonly T[])[], k: number = RRF_K): Fused<T>[] {
  const byId = new Map<T, Fused<T>>();
  lists.forEach((list, l) =>
    list.forEach((id, i) => {
      const entry = byId.get(id) ?? { id, score: 0, ranks: lists.map(() => undefined) };
      if (entry.ranks[l] !== undefined) return; // an id listed twice counts once, at its better rank
      entry.ranks[l] = i + 1;
      entry.score += 1 / (k + i + 1);
      byId.set(id, entry);
    }),
  );
  // Ties (the same ranks) keep the order of the first list they appear in, so answers are stable.
  return [...byId.values()].sort((a, b) => b.score - a.score);
}
