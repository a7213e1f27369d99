/**
 * Exponential backoff with "equal jitter": half the step is fixed, half random, so retries from
 * many clients spread out but never shrink to zero. A server-requested wait (Retry-After,
 * BigCommerce's reset header) is a floor, never shortened by jitter.
 */
export interface RetryPolicy {
  /** Total attempts including the first. 1 disables retries. */
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 15_000 }

/** `attempt` is the number of the attempt that just failed (1-based); `random` in [0, 1). */
export const backoffDelayMs = (
  policy: RetryPolicy,
  attempt: number,
  random: number,
  serverRequestedMs: number | undefined,
): number => {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
  const jittered = step / 2 + (random * step) / 2
  return Math.ceil(Math.max(jittered, serverRequestedMs ?? 0))
}

/**
 * The server's requested wait, in ms: `Retry-After` (seconds or an HTTP date) or a reset-ms
 * header such as BigCommerce's `X-Rate-Limit-Time-Reset-Ms`. Headers are lower-cased.
 */
export const serverRequestedDelayMs = (
  headers: Readonly<Record<string, string>>,
  now: number,
  resetMsHeader: string | undefined,
): number | undefined => {
  if (resetMsHeader !== undefined) {
    const reset = Number(headers[resetMsHeader])
    if (headers[resetMsHeader] !== undefined && Number.isFinite(reset) && reset >= 0) return reset
  }
  const retryAfter = headers["retry-after"]
  if (retryAfter === undefined) return undefined
  const seconds = Number(retryAfter)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(retryAfter)
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined
}
