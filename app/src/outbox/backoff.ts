export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * Exponential backoff with "equal jitter": after n consecutive failures the delay is uniform in
 * [c/2, c] with c = min(max, base * 2^(n-1)). The jitter keeps replicas from retrying in lockstep;
 * the lower bound keeps a failing broker from being hammered.
 */
export function backoffDelayMs(failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
