/**
 * Expands edges of the form "every holder of entitlement S also has E" into per-principal
 * holdings, as Baton's grant expansion does. Cycles (S grants E and E grants S) are safe,
 * because the propagation stops when no holder set grows any more.
 */

/** Holders of each entitlement and, for each holder, the entitlements it came through. */
export type Holdings = Map<string, Map<string, Set<string>>>;

/**
 * Returns, for every entitlement, its holders with their sources. `direct` maps an
 * entitlement to the principals holding it directly; `edges` lists `[source, target]` pairs.
 * A direct holder has no sources, even when an edge also reaches it, because around a
 * cycle every member would otherwise list itself as its own source.
 */
export function expandHoldings(
  direct: Map<string, Set<string>>,
  edges: [string, string][],
): Holdings {
  const holdings: Holdings = new Map();
  const holdersOf = (entitlement: string) => {
    let holders = holdings.get(entitlement);
    if (!holders) {
      holders = new Map();
      holdings.set(entitlement, holders);
    }
    return holders;
  };
  for (const [entitlement, principals] of direct) {
    const holders = holdersOf(entitlement);
    for (const principal of principals) holders.set(principal, new Set());
  }

  const outgoing = new Map<string, string[]>();
  for (const [source, target] of edges) {
    if (source === target) continue;
    const targets = outgoing.get(source) ?? [];
    targets.push(target);
    outgoing.set(source, targets);
  }

  // Work list of entitlements whose holders changed. Each push adds at least one new
  // (holder, target) pair and there are finitely many, so the loop ends.
  const pending = [...holdings.keys()];
  const queued = new Set(pending);
  while (pending.length > 0) {
    const source = pending.pop()!;
    queued.delete(source);
    const sourceHolders = holdings.get(source);
    if (!sourceHolders) continue;
    for (const target of outgoing.get(source) ?? []) {
      const targetHolders = holdersOf(target);
      let grew = false;
      for (const principal of sourceHolders.keys()) {
        const sources = targetHolders.get(principal);
        if (sources) {
          if (!direct.get(target)?.has(principal)) sources.add(source);
        } else {
          targetHolders.set(principal, new Set([source]));
          grew = true;
        }
      }
      if (grew && !queued.has(target)) {
        pending.push(target);
        queued.add(target);
      }
    }
  }
  return holdings;
}
