/**
 * lexoffice's rate limit: 2 requests/second per API key with a bucket of 2 (DOC #API Rate
 * Limits). A refused request is answered 429 and "the actual call will not be performed".
 */
export class TokenBucket {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  /** Spends one token of this key; false when the key's bucket is empty. */
  take(token: string): boolean {
    const now = performance.now()
    const bucket = this.buckets.get(token) ?? { tokens: 2, at: now }
    bucket.tokens = Math.min(2, bucket.tokens + ((now - bucket.at) / 1000) * 2)
    bucket.at = now
    this.buckets.set(token, bucket)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }
}
