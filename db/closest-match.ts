/**
 * Returns the optimal string alignment distance from a to b, which counts single-character
 * insertions, deletions, substitutions and swaps of two adjacent characters.
 */
export function editDistance(a: string, b: string): number {
  // rows[i][j] is the distance from the first i characters of a to the first j of b.
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = rows[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      let distance = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, rows[i - 2]![j - 2]! + 1);
      }
      row.push(distance);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/**
 * Returns the name in `names` closest to `value`, ignoring case, or undefined when none is
 * close. A name is close when the two differ by at most two edits, or one edit for names of
 * three to five characters, or only in case for shorter names. Swapping two adjacent
 * characters counts as one edit, so "epr" finds "erp". A name also counts as close when the
 * two share all but the last character of the shorter, and at least four characters, so
 * "identity" finds "identities".
 */
export function closestMatch(value: string, names: readonly string[]): string | undefined {
  const lower = value.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const candidate = name.toLowerCase();
    const distance = editDistance(lower, candidate);
    const shorter = Math.min(lower.length, candidate.length);
    let shared = 0;
    while (shared < shorter && lower[shared] === candidate[shared]) shared++;
    const sameStem = shorter >= 4 && shared >= shorter - 1;
    if (!sameStem && distance > Math.min(2, Math.floor(name.length / 3))) continue;
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best?.name;
}

/**
 * Describes a key that a schema does not allow. Names the closest allowed key when one is
 * close (see closestMatch), or else lists the allowed keys.
 */
export function describeUnknownKey(key: string, allowed: readonly string[]): string {
  const match = closestMatch(key, allowed);
  if (match) return `unknown key; did you mean ${match}?`;
  return allowed.length
    ? `unknown key; remove it or use one of ${allowed.join(', ')}`
    : 'unknown key; remove it';
}
