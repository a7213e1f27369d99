/**
 * BigCommerce's quota: a fixed number of requests per 30 s window, shared by every app on the
 * store; a request over quota is answered 429 and not executed
 * (docs/api-docs/getting-started/api-rate-limits.mdx).
 */
export interface RateLimitSettings {
  enabled: boolean
  quota: number
  windowMs: number
}

export interface QuotaVerdict {
  readonly allowed: boolean
  readonly headers: Record<string, string>
}

export class RateLimitWindow {
  private windowStart = 0
  private used = 0

  constructor(private readonly settings: RateLimitSettings, private readonly now: () => number = Date.now) {}

  private roll(): number {
    const t = this.now()
    if (t - this.windowStart >= this.settings.windowMs) {
      this.windowStart = t
      this.used = 0
    }
    return t
  }

  /** Spends one unit if any is left. The headers describe the window after this request. */
  take(): QuotaVerdict {
    const t = this.roll()
    const allowed = !this.settings.enabled || this.used < this.settings.quota
    if (allowed && this.settings.enabled) this.used++
    return { allowed, headers: this.headers(t) }
  }

  /** The window's state without spending, for answers that cost no quota (401, unknown path). */
  peek(): Record<string, string> {
    return this.headers(this.roll())
  }

  /** Another app on the same store spending the shared quota. */
  spend(units: number): void {
    this.roll()
    this.used = Math.min(this.settings.quota, this.used + units)
  }

  private headers(t: number): Record<string, string> {
    const left = this.settings.enabled ? Math.max(0, this.settings.quota - this.used) : this.settings.quota
    return {
      "X-Rate-Limit-Time-Window-Ms": String(this.settings.windowMs),
      "X-Rate-Limit-Time-Reset-Ms": String(Math.max(0, this.settings.windowMs - (t - this.windowStart))),
      "X-Rate-Limit-Requests-Quota": String(this.settings.quota),
      "X-Rate-Limit-Requests-Left": String(left),
    }
  }
}
