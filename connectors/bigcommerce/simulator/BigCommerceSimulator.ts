/**
 * A local BigCommerce store over real HTTP on 127.0.0.1: `X-Auth-Token` auth, the shared 30 s
 * request quota with its `X-Rate-Limit-*` headers, v3/v2 error bodies, and webhook callbacks.
 * Tests tune the fault knobs and read back every exchange (for contract validation) and the
 * number of writes per endpoint (for API-economy assertions).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Context, Effect, Layer } from "effect"
import { control } from "./ControlApi.js"
import { RateLimitWindow, type RateLimitSettings } from "./RateLimitWindow.js"
import { routes, v2Error, v3Error, type Reply } from "./routes.js"
import { Shopper } from "./Shopper.js"
import { SimulatorStore } from "./SimulatorStore.js"
import { WebhookDispatcher, type WebhookFaults } from "./WebhookDispatcher.js"

export interface SimulatorOptions {
  readonly storeHash?: string
  readonly storeId?: string
  readonly accessToken?: string
  readonly port?: number
  /** Standard plan: 150 requests per 30 s (api-rate-limits.mdx). */
  readonly rateLimit?: Partial<RateLimitSettings>
  /** Seed of the fault dice, so a failing run can be replayed. */
  readonly seed?: number
  /** Keep every exchange for contract checks (tests); a long-running sandbox turns it off. */
  readonly recordExchanges?: boolean
}

export interface Faults {
  /** Added before each request is answered. */
  latencyMs: number
  /** Probability that a request is answered 500 without being executed. */
  serverErrorRate: number
  /** The next N requests are answered with this status without being executed (deterministic 5xx). */
  failNext: { count: number; status: number }
  webhooks: WebhookFaults
}

/** One request and its answer as they crossed the wire, for contract checks. */
export interface RecordedExchange {
  readonly method: string
  /** Path below `/stores/{hash}`, with the query string: `/v3/catalog/products?sku=A`. */
  readonly path: string
  readonly template: string | undefined
  readonly requestBody: unknown
  readonly status: number
  readonly responseContentType: string | undefined
  readonly responseBody: unknown
  /** Whether the request was answered without running it (429, injected fault, auth). */
  readonly executed: boolean
}

const mulberry32 = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

export class BigCommerceSimulator {
  readonly store: SimulatorStore
  readonly webhooks: WebhookDispatcher
  readonly rateLimit: RateLimitSettings
  readonly quota: RateLimitWindow
  readonly faults: Faults
  readonly exchanges: Array<RecordedExchange> = []
  readonly storeHash: string
  readonly accessToken: string
  /** Places storefront orders on a schedule; off until started (control API or `--shopper`). */
  readonly shopper: Shopper
  private readonly random: () => number
  private server: Server | undefined
  private port = 0
  private readonly recording: boolean
  private readonly writes = new Map<string, number>()
  private quotaRefusals = 0
  private handling = 0
  private handledWaiters: Array<() => void> = []

  constructor(options: SimulatorOptions = {}) {
    this.storeHash = options.storeHash ?? "simstore1"
    this.accessToken = options.accessToken ?? "sim-access-token"
    this.random = mulberry32(options.seed ?? 42)
    this.recording = options.recordExchanges ?? true
    this.rateLimit = { enabled: true, quota: 150, windowMs: 30_000, ...options.rateLimit }
    this.quota = new RateLimitWindow(this.rateLimit)
    this.faults = { latencyMs: 0, serverErrorRate: 0, failNext: { count: 0, status: 500 }, webhooks: { dropRate: 0, duplicateRate: 0, retryScale: 1 } }
    this.webhooks = new WebhookDispatcher(options.storeId ?? "1025646", this.storeHash, this.faults.webhooks, this.random)
    this.store = new SimulatorStore(this.storeHash, (scope, data) => this.webhooks.emit(this.store.hooks.values(), scope, data))
    // Its own dice, seeded from the run's seed: which orders are placed does not depend on how
    // many fault draws the requests before happened to make.
    this.shopper = new Shopper(this.store, mulberry32(((options.seed ?? 42) ^ 0x5eed) | 0))
  }

  static async start(options: SimulatorOptions = {}): Promise<BigCommerceSimulator> {
    const sim = new BigCommerceSimulator(options)
    await sim.listen(options.port ?? 0)
    return sim
  }

  /** `http://127.0.0.1:{port}/stores/{hash}`; append `/v3` or `/v2`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/stores/${this.storeHash}`
  }

  private listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      this.handling++
      this.handle(req, res)
        .catch((e) => {
          res.statusCode = 500
          res.end(JSON.stringify({ status: 500, title: String(e), type: "about:blank" }))
        })
        .finally(() => {
          if (--this.handling === 0) for (const w of this.handledWaiters.splice(0)) w()
        })
    })
    this.server = server
    return new Promise((resolve) => server.listen(port, "127.0.0.1", () => {
      this.port = (server.address() as AddressInfo).port
      resolve()
    }))
  }

  async stop(): Promise<void> {
    this.shopper.stop()
    this.webhooks.stop()
    const server = this.server
    if (server === undefined) return
    this.server = undefined
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** Resolves once no request is being handled, e.g. one whose client already gave up waiting. */
  requestsSettled(): Promise<void> {
    return this.handling === 0 ? Promise.resolve() : new Promise((r) => this.handledWaiters.push(r))
  }

  /**
   * Write calls (POST/PUT/DELETE) received per endpoint template, e.g. `PUT /v3/catalog/products`,
   * whatever their answer: each one cost quota, which is what API-economy tests measure.
   */
  writeCounts(): Record<string, number> {
    return Object.fromEntries(this.writes)
  }

  /** Requests answered 429 because the window's quota was spent. */
  rejectedForQuota(): number {
    return this.quotaRefusals
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const method = (req.method ?? "GET").toUpperCase()
    const raw = await readBody(req)
    const prefix = `/stores/${this.storeHash}`
    const inner = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname
    const controlled = control(this, method, url.pathname, raw.length > 0 ? safeJson(raw) : undefined)
    if (controlled !== undefined) {
      // The control API is the harness's, not BigCommerce's: no quota, no faults, not recorded.
      res.statusCode = controlled.status
      res.setHeader("Content-Type", "application/json")
      res.end(JSON.stringify(controlled.body))
      return
    }
    const isV2 = inner.startsWith("/v2/")
    const error = (status: number, text: string): Reply => (isV2 ? v2Error(status, text) : v3Error(status, text))
    const match = routes.map((r) => ({ r, m: r.method === method ? r.regex.exec(inner) : null })).find((x) => x.m !== null)
    let requestBody: unknown = undefined
    let parseFailed = false
    if (raw.length > 0) {
      try {
        requestBody = JSON.parse(raw)
      } catch {
        parseFailed = true
      }
    }

    if (this.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, this.faults.latencyMs))

    let executed = false
    let reply: Reply
    let quotaHeaders: Record<string, string> = {}
    if (!url.pathname.startsWith(prefix) || match === undefined) {
      reply = error(404, "The requested resource was not found.")
    } else if (req.headers["x-auth-token"] !== this.accessToken) {
      reply = error(401, "Unauthorized - the v3 Auth client ID or token in the request are not a valid combination for this store.")
    } else {
      const verdict = this.quota.take()
      quotaHeaders = verdict.headers
      if (!verdict.allowed) {
        this.quotaRefusals++
        reply = error(429, "Too many requests")
      }
      else if (this.faults.failNext.count > 0) {
        this.faults.failNext.count--
        reply = error(this.faults.failNext.status, "Internal Server Error")
      } else if (this.random() < this.faults.serverErrorRate) reply = error(500, "Internal Server Error")
      else if (parseFailed) reply = isV2 ? v2Error(400, "The request body is not valid JSON.") : v3Error(400, "Input is invalid")
      else {
        executed = true
        reply = match.r.handle({
          store: this.store,
          params: { ...match.m!.groups },
          query: url.searchParams,
          body: requestBody,
          baseUrl: this.baseUrl,
          clientId: "sim-client",
        })
      }
    }
    if (Object.keys(quotaHeaders).length === 0) quotaHeaders = this.quota.peek()

    if (method !== "GET" && match !== undefined && reply.status !== 401) {
      const key = `${method} ${match.r.template}`
      this.writes.set(key, (this.writes.get(key) ?? 0) + 1)
    }
    if (this.recording) this.exchanges.push({
      method,
      path: inner + url.search,
      template: match?.r.template,
      requestBody,
      status: reply.status,
      responseContentType: reply.body === undefined ? undefined : reply.contentType ?? "application/json",
      responseBody: reply.body,
      executed,
    })
    for (const [k, v] of Object.entries(quotaHeaders)) res.setHeader(k, v)
    res.statusCode = reply.status
    if (reply.body === undefined) {
      res.end()
      return
    }
    res.setHeader("Content-Type", reply.contentType ?? "application/json")
    res.end(JSON.stringify(reply.body))
  }
}

/** The simulator as a scoped Effect resource: started on acquire, stopped on release. */
export class BigCommerceSim extends Context.Tag("connectors/bigcommerce/BigCommerceSim")<BigCommerceSim, BigCommerceSimulator>() {}

export const BigCommerceSimLive = (options: SimulatorOptions = {}): Layer.Layer<BigCommerceSim> =>
  Layer.scoped(
    BigCommerceSim,
    Effect.acquireRelease(Effect.promise(() => BigCommerceSimulator.start(options)), (sim) => Effect.promise(() => sim.stop())),
  )
