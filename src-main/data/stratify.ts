// Seeded, class-stratified ways to divide a set of samples: into parts of given fractions (per sample, or per
// group so that no group - patient, scan - lands in two parts), and into a smaller subset. Pure functions of
// their inputs and the random source, so the same seed always gives the same division.

export type Random = () => number;

export function shuffleInPlace<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}

/** Sample indices by class, each list in ascending index order. */
function indicesByClass(labels: Int32Array, indices: number[]): Map<number, number[]> {
  const byClass = new Map<number, number[]>();
  for (const i of [...indices].sort((a, b) => a - b)) {
    const c = labels[i];
    let list = byClass.get(c);
    if (!list) byClass.set(c, (list = []));
    list.push(i);
  }
  return new Map([...byClass.entries()].sort((a, b) => a[0] - b[0]));
}

const ascending = (a: number, b: number): number => a - b;

/** push(...items) overflows the call stack for very large classes; a loop does not. */
function appendAll(target: number[], items: number[]): void {
  for (const i of items) target.push(i);
}

/**
 * Divides `indices` into fractions.length parts plus a remainder (returned last), stratified by class: every
 * class gives round(fraction x its size) of its samples to each part.
 */
export function stratifiedPartition(labels: Int32Array, indices: number[], fractions: number[], random: Random): number[][] {
  const parts: number[][] = [...fractions.map(() => [] as number[]), []];
  for (const members of indicesByClass(labels, indices).values()) {
    shuffleInPlace(members, random);
    let offset = 0;
    fractions.forEach((f, p) => {
      const take = Math.min(Math.round(members.length * f), members.length - offset);
      appendAll(parts[p], members.slice(offset, offset + take));
      offset += take;
    });
    appendAll(parts[fractions.length], members.slice(offset));
  }
  return parts.map((p) => p.sort(ascending));
}

/** The most frequent label among a group's samples; ties go to the lower label, so the result is stable. */
function majorityLabel(labels: Int32Array, members: number[]): number {
  const counts = new Map<number, number>();
  for (const i of members) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  let best = -1;
  let bestCount = -1;
  for (const [label, count] of counts) {
    if (count > bestCount || (count === bestCount && label < best)) {
      best = label;
      bestCount = count;
    }
  }
  return best;
}

/**
 * Like stratifiedPartition, but whole groups move together. Groups are stratified by their majority label;
 * within a stratum, groups are taken in random order and each goes to the first part whose sample count it
 * brings closer to that part's target (round(fraction x the stratum's samples)), else to the remainder.
 * Counting samples, not groups, keeps the fractions right when group sizes differ (1 to many stacks).
 */
export function groupedPartition(
  labels: Int32Array,
  groups: string[],
  indices: number[],
  fractions: number[],
  random: Random,
): number[][] {
  const members = new Map<string, number[]>();
  for (const i of [...indices].sort(ascending)) {
    let list = members.get(groups[i]);
    if (!list) members.set(groups[i], (list = []));
    list.push(i);
  }
  const strata = new Map<number, string[]>();
  for (const [group, list] of members) {
    const label = majorityLabel(labels, list);
    let stratum = strata.get(label);
    if (!stratum) strata.set(label, (stratum = []));
    stratum.push(group);
  }

  const parts: number[][] = [...fractions.map(() => [] as number[]), []];
  for (const [, stratumGroups] of [...strata.entries()].sort((a, b) => a[0] - b[0])) {
    // Sorted first so that the shuffle, and hence the split, does not depend on the order of the file.
    stratumGroups.sort();
    shuffleInPlace(stratumGroups, random);
    const total = stratumGroups.reduce((n, g) => n + members.get(g)!.length, 0);
    const targets = fractions.map((f) => Math.round(total * f));
    const counts = fractions.map(() => 0);
    for (const g of stratumGroups) {
      const size = members.get(g)!.length;
      const p = targets.findIndex((t, k) => Math.abs(counts[k] + size - t) < Math.abs(counts[k] - t));
      const target = p === -1 ? fractions.length : p;
      if (p !== -1) counts[p] += size;
      appendAll(parts[target], members.get(g)!);
    }
  }
  return parts.map((p) => p.sort(ascending));
}

/**
 * How many samples each class contributes to a subset of `total`: proportional (largest remainder), but every
 * class present keeps at least one sample when total allows, so that tiny subsets still have every class.
 */
export function classQuotas(counts: number[], total: number): number[] {
  const n = counts.reduce((a, b) => a + b, 0);
  if (total >= n) return counts.slice();
  const exact = counts.map((c) => (c * total) / n);
  const quotas = exact.map(Math.floor);
  const byRemainder = exact.map((e, c) => ({ c, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.c - b.c);
  const leftOver = total - quotas.reduce((a, b) => a + b, 0);
  for (let k = 0; k < leftOver; k++) quotas[byRemainder[k].c]++;
  const present = counts.filter((c) => c > 0).length;
  if (total >= present) {
    counts.forEach((count, c) => {
      if (count > 0 && quotas[c] === 0) {
        const donor = quotas.indexOf(Math.max(...quotas));
        quotas[donor]--;
        quotas[c] = 1;
      }
    });
  }
  return quotas;
}

/** A random subset of at most `limit` of `indices`, stratified by class, in ascending index order. */
export function stratifiedSubset(labels: Int32Array, indices: number[], limit: number, random: Random): number[] {
  if (limit >= indices.length) return [...indices].sort(ascending);
  const byClass = [...indicesByClass(labels, indices).values()];
  const quotas = classQuotas(byClass.map((m) => m.length), limit);
  const chosen: number[] = [];
  byClass.forEach((members, k) => appendAll(chosen, shuffleInPlace(members, random).slice(0, quotas[k])));
  return chosen.sort(ascending);
}
