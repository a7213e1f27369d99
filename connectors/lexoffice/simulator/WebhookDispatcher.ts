import { generateKeyPairSync, type KeyObject, sign } from "node:crypto"

/**
 * Delivers signed event callbacks the way lexoffice documents it (DOC #Event Subscriptions):
 * POST of a compact JSON body, `X-Lxo-Signature` = base64 RSA-SHA512 over those bytes, 5 s read
 * timeout; 2xx ok; 401/403/429/5xx and 404/network errors retried on the documented schedule
 * (10, 20, 40, 80, 160 s; then a 30 min pause and 20 retries 2 h apart); 404 or a network failure
 * deletes the subscription once retries run out; 410 deletes it at once; other 4xx/3xx: no retry.
 */
export const RETRY_SCHEDULE_SECONDS: ReadonlyArray<number> = [
  10, 20, 40, 80, 160, 30 * 60, ...Array.from({ length: 19 }, () => 2 * 60 * 60),
]

export interface WebhookTarget {
  readonly subscriptionId: string
  readonly callbackUrl: string
}

export interface DeliveryRecord {
  readonly at: number
  readonly subscriptionId: string
  readonly eventType: string
  readonly resourceId: string
  readonly attempt: number
  readonly status?: number
  readonly error?: string
  readonly dropped?: boolean
}

export interface DispatcherFaults {
  /** The next N deliveries are silently lost (never sent, never retried). */
  dropWebhooks: number
  /** The next N deliveries are sent twice. */
  duplicateWebhooks: number
}

// UNCONFIRMED how many callbacks lexoffice has in flight at once; a sender opening a connection
// per event would flood any receiver after a bulk import, so deliveries queue behind a few.
const MAX_IN_FLIGHT = 8

export class WebhookDispatcher {
  readonly publicKeyPem: string
  private readonly privateKey: KeyObject
  readonly deliveries: Array<DeliveryRecord> = []
  /** Time spent computing RSA-SHA512 signatures, ms: the sender's cost per event, for benchmarks. */
  signingMs = 0
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly waiting: Array<() => void> = []
  private inFlight = 0
  private stopped = false

  constructor(
    /** 1 = real time; 0.001 makes the 10 s first retry 10 ms, for tests. */
    private readonly timeScale: number,
    readonly faults: DispatcherFaults,
    private readonly onRemove: (subscriptionId: string) => void,
  ) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
    this.privateKey = privateKey
    this.publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString()
  }

  /** Signs exactly these bytes; exposed so tests can forge or check signatures. */
  signature(body: string): string {
    const start = performance.now()
    const signature = sign("sha512", Buffer.from(body), this.privateKey).toString("base64")
    this.signingMs += performance.now() - start
    return signature
  }

  /** Deliveries sent or waiting to be sent (retries scheduled later are not counted). */
  get pending(): number {
    return this.inFlight + this.waiting.length
  }

  dispatch(target: WebhookTarget, event: { organizationId: string; eventType: string; resourceId: string; eventDate: string }) {
    const body = JSON.stringify(event)
    if (this.faults.dropWebhooks > 0) {
      this.faults.dropWebhooks--
      this.deliveries.push({ at: Date.now(), subscriptionId: target.subscriptionId, eventType: event.eventType, resourceId: event.resourceId, attempt: 1, dropped: true })
      return
    }
    const copies = this.faults.duplicateWebhooks > 0 ? (this.faults.duplicateWebhooks--, 2) : 1
    for (let i = 0; i < copies; i++) void this.attempt(target, event, body, 1)
  }

  private async attempt(target: WebhookTarget, event: { eventType: string; resourceId: string }, body: string, attempt: number): Promise<void> {
    if (this.stopped) return
    if (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => this.waiting.push(resolve))
    if (this.stopped) return
    this.inFlight++
    try {
      await this.send(target, event, body, attempt)
    } finally {
      this.inFlight--
      this.waiting.shift()?.()
    }
  }

  private async send(target: WebhookTarget, event: { eventType: string; resourceId: string }, body: string, attempt: number): Promise<void> {
    const base = { at: Date.now(), subscriptionId: target.subscriptionId, eventType: event.eventType, resourceId: event.resourceId, attempt }
    let status: number | undefined
    let error: string | undefined
    try {
      const response = await fetch(target.callbackUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "x-lxo-signature": this.signature(body) },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(5_000),
      })
      await response.arrayBuffer()
      status = response.status
    } catch (e) {
      error = e instanceof Error ? `${e.name}: ${e.message}` : String(e)
    }
    this.deliveries.push(status === undefined ? { ...base, error: error ?? "unknown" } : { ...base, status })
    if (status !== undefined && status >= 200 && status < 300) return
    if (status === 410) return this.onRemove(target.subscriptionId)
    const retried = status === undefined || status === 401 || status === 403 || status === 404 || status === 429 || status >= 500
    if (!retried) return
    const delaySeconds = RETRY_SCHEDULE_SECONDS[attempt - 1]
    if (delaySeconds === undefined) {
      if (status === undefined || status === 404) this.onRemove(target.subscriptionId)
      return
    }
    this.schedule(delaySeconds * 1000 * this.timeScale, () => this.attempt(target, event, body, attempt + 1))
  }

  private schedule(ms: number, run: () => Promise<void>) {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      void run()
    }, ms)
    timer.unref()
    this.timers.add(timer)
  }

  stop() {
    this.stopped = true
    for (const resume of this.waiting.splice(0)) resume()
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
  }
}
