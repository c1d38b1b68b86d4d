/**
 * The one retry loop for AWS batch calls that accept some items and refuse others (PutRecords,
 * BatchGetItem, BatchWriteItem): send what is pending, keep what was refused, wait with exponential
 * backoff and jitter, send that again. Returns what was still refused after the last attempt.
 */
export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Wait before the second attempt; doubles each time. */
  baseMs: number;
  /** Longest wait. */
  maxMs?: number;
  /** Injectable for tests: resolves after `ms`. */
  sleep?: (ms: number) => Promise<void>;
  /** 0..1 for the share of each wait that is random (default 0.5: between half and all of it). */
  jitter?: number;
  random?: () => number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How long to wait before attempt `n` (n ≥ 2). */
export function backoffMs(n: number, options: RetryOptions): number {
  const full = Math.min(options.maxMs ?? Number.POSITIVE_INFINITY, options.baseMs * 2 ** (n - 2));
  const jitter = options.jitter ?? 0.5;
  return full * (1 - jitter + jitter * (options.random ?? Math.random)());
}

export async function retryRemaining<T>(
  items: readonly T[],
  attempt: (pending: readonly T[], n: number) => Promise<readonly T[]>,
  options: RetryOptions,
): Promise<readonly T[]> {
  let pending = items;
  for (let n = 1; pending.length > 0; n++) {
    if (n > 1) await (options.sleep ?? sleep)(backoffMs(n, options));
    pending = await attempt(pending, n);
    if (n >= options.attempts) return pending;
  }
  return pending;
}
