/**
 * Delivers BigCommerce's lightweight webhook callbacks: `{scope, store_id, data, hash, created_at,
 * producer}` POSTed with the hook's custom `headers`; any non-2xx or network failure is retried on
 * the documented schedule, after which the hook is deactivated
 * (docs/integrations/webhooks/overview.mdx, "Callback retry mechanism").
 */
import { createHash } from "node:crypto"

/** Seconds after a failed attempt, per the docs. */
export const documentedRetryScheduleSeconds = [60, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 50400, 86400] as const

export interface Hook {
  id: number
  client_id: string
  store_hash: string
  scope: string
  destination: string
  is_active: boolean
  headers: Record<string, string>
  created_at: number
  updated_at: number
}

export interface WebhookFaults {
  /** Probability that an event's delivery is lost entirely. */
  dropRate: number
  /** Probability that a delivered callback is sent a second time. */
  duplicateRate: number
  /** Multiplies the documented retry delays (1 = real seconds; tests use e.g. 0.0001). */
  retryScale: number
}

export interface DeliveryAttempt {
  readonly hookId: number
  readonly scope: string
  readonly hash: string
  readonly attempt: number
  readonly status: number | "network-error"
}

export const hookMatches = (hookScope: string, eventScope: string): boolean =>
  hookScope === eventScope || (hookScope.endsWith("/*") && eventScope.startsWith(hookScope.slice(0, -1)))

export class WebhookDispatcher {
  readonly attempts: Array<DeliveryAttempt> = []
  /** Every event the store announced, whether or not any hook listened or a fault dropped it. */
  readonly announced: Array<{ readonly scope: string; readonly data: Record<string, unknown> }> = []
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly observers = new Set<(event: { readonly scope: string; readonly data: Record<string, unknown> }) => void>()
  private inFlight = 0
  private waiters: Array<() => void> = []

  constructor(
    private readonly storeId: string,
    private readonly storeHash: string,
    private readonly faults: WebhookFaults,
    private readonly random: () => number,
  ) {}

  /**
   * Calls `observer` synchronously with every event the store announces from now on, the moment
   * the store changes (benchmarks time a write's arrival with it). Returns the unsubscribe.
   */
  observe(observer: (event: { readonly scope: string; readonly data: Record<string, unknown> }) => void): () => void {
    this.observers.add(observer)
    return () => { this.observers.delete(observer) }
  }

  emit(hooks: Iterable<Hook>, scope: string, data: Record<string, unknown>): void {
    this.announced.push({ scope, data })
    for (const observer of this.observers) observer({ scope, data })
    const payload = {
      scope,
      store_id: this.storeId,
      data,
      hash: createHash("sha1").update(JSON.stringify(data)).digest("hex"),
      created_at: Math.floor(Date.now() / 1000),
      producer: `stores/${this.storeHash}`,
    }
    for (const hook of hooks) {
      if (!hook.is_active || !hookMatches(hook.scope, scope)) continue
      if (this.random() < this.faults.dropRate) continue
      this.deliver(hook, payload, 0)
      if (this.random() < this.faults.duplicateRate) this.deliver(hook, payload, 0)
    }
  }

  private deliver(hook: Hook, payload: { scope: string; hash: string }, attempt: number): void {
    this.inFlight++
    const body = JSON.stringify(payload)
    fetch(hook.destination, { method: "POST", headers: { ...hook.headers, "content-type": "application/json" }, body })
      .then(async (res) => {
        await res.arrayBuffer().catch(() => undefined)
        return res.status
      }, () => "network-error" as const)
      .then((status) => {
        this.attempts.push({ hookId: hook.id, scope: payload.scope, hash: payload.hash, attempt, status })
        const ok = typeof status === "number" && status >= 200 && status < 300
        if (!ok) {
          const delay = documentedRetryScheduleSeconds[attempt]
          if (delay === undefined) hook.is_active = false
          else this.later(delay * 1000 * this.faults.retryScale, () => this.deliver(hook, payload, attempt + 1))
        }
      })
      .finally(() => this.settle())
  }

  private later(ms: number, run: () => void): void {
    this.inFlight++
    const t = setTimeout(() => {
      this.timers.delete(t)
      run()
      this.settle()
    }, ms)
    t.unref()
    this.timers.add(t)
  }

  private settle(): void {
    this.inFlight--
    if (this.inFlight === 0) {
      const ws = this.waiters
      this.waiters = []
      for (const w of ws) w()
    }
  }

  /** Resolves when no delivery or scheduled retry is pending. */
  idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((r) => this.waiters.push(r))
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    this.inFlight = 0
    const ws = this.waiters
    this.waiters = []
    for (const w of ws) w()
  }
}
