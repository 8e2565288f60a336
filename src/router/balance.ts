// The balancer's choice: which ready instance gets the next request. Pure; the router keeps the cursor.

export type Balance = 'round-robin' | 'least-connections';

export interface Candidate {
  readonly inflight: number;
}

export interface Choice {
  /** Index into the candidates. */
  index: number;
  /** The cursor to pass next time, so that ties rotate instead of always landing on the first. */
  cursor: number;
}

/**
 * Round robin takes the candidate at the cursor. Least connections takes the one with the fewest
 * requests in flight, scanning from the cursor so that equal counts still rotate (under an even load
 * it behaves as round robin; a slow instance gets fewer new requests).
 */
export function chooseInstance(candidates: readonly Candidate[], balance: Balance, cursor: number): Choice | undefined {
  const count = candidates.length;
  if (count === 0) return undefined;
  const start = ((cursor % count) + count) % count;
  let best = start;
  if (balance === 'least-connections') {
    for (let step = 1; step < count; step++) {
      const index = (start + step) % count;
      if (candidates[index]!.inflight < candidates[best]!.inflight) best = index;
    }
  }
  return { index: best, cursor: best + 1 };
}
