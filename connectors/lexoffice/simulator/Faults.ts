/**
 * The fault knobs a test or a fault run turns, and the seeded dice that decide, request by
 * request, whether a fault strikes. The request pipeline asks; the knobs' counters are consumed
 * here, so every fault is spent exactly where it is decided.
 */

/** Mutable from tests; each counter is consumed one request (or delivery) at a time. */
export interface SimulatorFaults {
  /** Added before every response. */
  latencyMs: number
  /** Probability of an injected server error (call not executed). */
  serverErrorRate: number
  serverErrorStatus: 500 | 502 | 503
  /** The next N requests fail with `serverErrorStatus` (call not executed). */
  failNext: number
  /** The next N creates are performed, then answered 504 "Endpoint request timed out". */
  commitThen504: number
  /** Probability that a performed create is answered 504 all the same. */
  commitThen504Rate: number
  /**
   * Slow answers: each request draws once; the first band whose rate it falls into delays it by
   * `ms`. Beyond the gateway's 30 s the caller gets 504 at 30 s, and the call is performed or not
   * (even odds): "It is possible that your request has been processed successfully".
   */
  delays: Array<{ rate: number; ms: number }>
  /** The next N requests get 429 whatever the bucket says (someone else spends the key). */
  rateLimitStorm: number
  /** The token bucket itself. */
  rateLimit: boolean
  /** The next N webhook deliveries are lost. */
  dropWebhooks: number
  /** The next N webhook deliveries arrive twice. */
  duplicateWebhooks: number
}

export const noFaults = (): SimulatorFaults => ({
  latencyMs: 0,
  serverErrorRate: 0,
  serverErrorStatus: 503,
  failNext: 0,
  commitThen504: 0,
  commitThen504Rate: 0,
  delays: [],
  rateLimitStorm: 0,
  rateLimit: true,
  dropWebhooks: 0,
  duplicateWebhooks: 0,
})

/** lexoffice's gateway answers 504 after 30 s (DOC #HTTP Status Codes). */
export const GATEWAY_TIMEOUT_MS = 30_000

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
export const seededRandom = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/**
 * The dice over the knobs. A knob left at zero draws nothing, so the same seed and the same knobs
 * replay the same faults.
 */
export class FaultDice {
  constructor(readonly faults: SimulatorFaults, private readonly random: () => number) {}

  /** How long this request is held before it is answered (0 = not delayed). */
  delay(): number {
    if (this.faults.delays.length === 0) return 0
    let roll = this.random()
    for (const band of this.faults.delays) {
      if (roll < band.rate) return band.ms
      roll -= band.rate
    }
    return 0
  }

  /** After a gateway timeout: whether the backend got to the call all the same (even odds). */
  performedDespiteTimeout(): boolean {
    return this.random() < 0.5
  }

  /** Whether the next request is taken by a 429 storm. */
  rateLimitStorm(): boolean {
    if (this.faults.rateLimitStorm <= 0) return false
    this.faults.rateLimitStorm--
    return true
  }

  /** The status of an injected server error for this request, or undefined. */
  serverError(): number | undefined {
    if (!(this.faults.failNext > 0 || (this.faults.serverErrorRate > 0 && this.random() < this.faults.serverErrorRate))) return undefined
    if (this.faults.failNext > 0) this.faults.failNext--
    return this.faults.serverErrorStatus
  }

  /** Whether a performed create is answered 504 all the same. */
  commitThen504(): boolean {
    if (!(this.faults.commitThen504 > 0 || (this.faults.commitThen504Rate > 0 && this.random() < this.faults.commitThen504Rate))) return false
    if (this.faults.commitThen504 > 0) this.faults.commitThen504--
    return true
  }
}
