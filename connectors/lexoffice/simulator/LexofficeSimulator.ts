import { Effect, type Scope } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { nowStamp } from "./BerlinTime.js"
import { control } from "./ControlApi.js"
import { FaultDice, GATEWAY_TIMEOUT_MS, noFaults, seededRandom, type SimulatorFaults } from "./Faults.js"
import { HttpAnswer, route, routeTemplate } from "./routes.js"
import { type Json, SimulatorStore, type VoucherKind } from "./SimulatorStore.js"
import { TokenBucket } from "./TokenBucket.js"
import { type DeliveryRecord, WebhookDispatcher } from "./WebhookDispatcher.js"

/**
 * A local lexoffice: the endpoints Vortex uses, with the documented behaviour (lexoffice-dhl.md
 * part A) — Bearer auth, a 2 req/s token bucket per key that answers 429 without executing the
 * call, 406 validation in both error formats, optimistic locking, paging, voucher numbering,
 * computed totals, PDFs of finalized vouchers, signed webhooks — plus fault knobs for tests.
 *
 * This module is the server and its request pipeline (control API, log, auth, rate limit,
 * faults); the endpoints are in routes.ts, the account's state in SimulatorStore.ts, the JSON
 * it answers in WireViews.ts.
 */

export type { SimulatorFaults } from "./Faults.js"
export { EVENT_TYPES } from "./SimulatorStore.js"

export interface SimulatorOptions {
  readonly port?: number
  readonly host?: string
  /** Accepted API keys; one random key if omitted. */
  readonly tokens?: ReadonlyArray<string>
  readonly rateLimit?: boolean
  /** Webhook retry delays are multiplied by this (1 = the documented schedule). */
  readonly webhookTimeScale?: number
  /** Check callback URLs with a HEAD request on subscription create, as lexoffice does. */
  readonly checkCallbacks?: boolean
  /** Seed of the fault dice (rates), so a failing fault run replays. */
  readonly seed?: number
}

export interface LoggedRequest {
  /** Arrival time, ms since the epoch with sub-ms precision. */
  readonly at: number
  readonly method: string
  /** Path with query string. */
  readonly url: string
  /** The matched route template, e.g. "GET /v1/articles/{id}"; undefined if none matched. */
  route: string | undefined
  status: number
  /** First 12 hex digits of sha256(token): which key was used, without keeping it. */
  readonly key: string | undefined
  readonly requestBody: unknown
  responseBody: unknown
}

const fingerprint = (token: string) => createHash("sha256").update(token).digest("hex").slice(0, 12)

export class LexofficeSimulator {
  readonly requestLog: Array<LoggedRequest> = []
  readonly faults: SimulatorFaults = noFaults()
  readonly webhooks: WebhookDispatcher
  private readonly store: SimulatorStore
  private readonly tokens: Set<string>
  private readonly bucket = new TokenBucket()
  private readonly dice: FaultDice
  private server: Server | undefined
  url = ""

  private constructor(private readonly options: SimulatorOptions) {
    this.tokens = new Set(options.tokens ?? [randomBytes(24).toString("hex")])
    this.dice = new FaultDice(this.faults, seededRandom(options.seed ?? randomBytes(4).readUInt32LE(0)))
    this.faults.rateLimit = options.rateLimit ?? true
    this.webhooks = new WebhookDispatcher(options.webhookTimeScale ?? 1, this.faults, (id) => this.store.subscriptions.delete(id))
    this.store = new SimulatorStore((subscription, event) => this.webhooks.dispatch(subscription, event))
  }

  get organizationId(): string {
    return this.store.organizationId
  }

  /** The first accepted API key. */
  get token(): string {
    return [...this.tokens][0]!
  }

  get publicKeyPem(): string {
    return this.webhooks.publicKeyPem
  }

  get webhookDeliveries(): ReadonlyArray<DeliveryRecord> {
    return this.webhooks.deliveries
  }

  static async start(options: SimulatorOptions = {}): Promise<LexofficeSimulator> {
    const simulator = new LexofficeSimulator(options)
    const server = createServer((req, res) => void simulator.handle(req, res))
    server.keepAliveTimeout = 5_000
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve())
    })
    const address = server.address() as AddressInfo
    simulator.server = server
    simulator.url = `http://${options.host ?? "127.0.0.1"}:${address.port}`
    return simulator
  }

  /** Starts for the life of a Scope (tests). */
  static scoped(options: SimulatorOptions = {}): Effect.Effect<LexofficeSimulator, never, Scope.Scope> {
    return Effect.acquireRelease(
      Effect.promise(() => LexofficeSimulator.start(options)),
      (simulator) => Effect.promise(() => simulator.stop()),
    )
  }

  async stop(): Promise<void> {
    this.webhooks.stop()
    const server = this.server
    if (server === undefined) return
    this.server = undefined
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  clearLog() {
    this.requestLog.length = 0
  }

  // ---- seeding and reading back (tests, sandbox, control API) --------------------------------

  /**
   * Stores `count` articles at once. With `events`, each is announced as `article.created` to
   * the subscriptions, signed and delivered like an article made in the lexoffice app (a
   * catalog larger than the listing window reaches a subscriber no other way).
   */
  seedArticles(count: number, make: (i: number) => Partial<Json> = () => ({}), options: { readonly events?: boolean } = {}): Array<string> {
    const ids: Array<string> = []
    const stamp = nowStamp()
    for (let i = 0; i < count; i++) {
      const body: Json = {
        title: `Article ${i + 1}`,
        type: "PRODUCT",
        articleNumber: `A-${String(i + 1).padStart(5, "0")}`,
        unitName: "Stück",
        price: { leadingPrice: "NET", netPrice: 10 + (i % 90) + 0.5, taxRate: 19 },
        ...make(i),
      }
      ids.push(this.store.insertArticle(body, stamp).id)
    }
    if (options.events === true) for (const id of ids) this.store.emit("article.created", id)
    return ids
  }

  seedContacts(count: number, make: (i: number) => Partial<Json> = () => ({})): Array<string> {
    const ids: Array<string> = []
    for (let i = 0; i < count; i++) {
      const body: Json = {
        version: 0,
        roles: { customer: {} },
        person: { lastName: `Customer ${i + 1}` },
        emailAddresses: { business: [`customer${i + 1}@example.com`] },
        ...make(i),
      }
      ids.push(this.store.insertContact(body).id)
    }
    return ids
  }

  /** Test access to stored vouchers (e.g. "the voucher exists although the client saw 504"). */
  vouchersOf(kind: VoucherKind): ReadonlyArray<{ id: string; status: string; voucherNumber: string | undefined; body: Json }> {
    return [...this.store.vouchers.values()].filter((v) => v.kind === kind).map((v) => ({ id: v.id, status: v.status, voucherNumber: v.voucherNumber, body: v.body }))
  }

  /** A bumped version as if another user edited the article in the lexoffice app. */
  touchArticle(id: string) {
    const article = this.store.articles.get(id)
    if (article === undefined) return
    this.store.touchArticle(article)
    this.store.emit("article.changed", id)
  }

  /**
   * Every order confirmation as stored, with the text a fault run searches for Vortex's marker
   * (`remark`, and `introduction` where older versions wrote it).
   */
  orderConfirmations(): Array<{ id: string; voucherNumber: string | undefined; status: string; remark: string; introduction: string; createdDate: string }> {
    return [...this.store.vouchers.values()].filter((v) => v.kind === "order-confirmations").map((v) => ({
      id: v.id,
      voucherNumber: v.voucherNumber,
      status: v.status,
      remark: typeof v.body.remark === "string" ? v.body.remark : "",
      introduction: typeof v.body.introduction === "string" ? v.body.introduction : "",
      createdDate: v.createdDate,
    }))
  }

  // ---- request pipeline ------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const at = performance.timeOrigin + performance.now()
    const chunks: Array<Buffer> = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const rawBody = Buffer.concat(chunks).toString("utf8")
    const auth = req.headers.authorization
    const token = auth?.startsWith("Bearer ") ? auth.slice(7) : undefined
    let requestBody: unknown = undefined
    if (rawBody.length > 0) {
      try {
        requestBody = JSON.parse(rawBody)
      } catch {
        requestBody = rawBody
      }
    }
    const controlled = control(this, req.method ?? "GET", new URL(req.url ?? "/", "http://simulator").pathname, requestBody)
    if (controlled !== undefined) {
      // The harness's API, not lexoffice's: no auth, no faults, no rate limit, not logged.
      const text = JSON.stringify(controlled.body)
      res.writeHead(controlled.status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text)
      return
    }
    const entry: LoggedRequest = {
      at, method: req.method ?? "GET", url: req.url ?? "/", route: undefined, status: 0,
      key: token === undefined ? undefined : fingerprint(token), requestBody, responseBody: undefined,
    }
    this.requestLog.push(entry)
    if (this.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, this.faults.latencyMs))
    const delay = this.dice.delay()
    let answer: HttpAnswer
    if (delay >= GATEWAY_TIMEOUT_MS) {
      await new Promise((r) => setTimeout(r, GATEWAY_TIMEOUT_MS))
      // The gateway gave up; the backend may or may not have got to the call (DOC #HTTP Status Codes, 504).
      if (this.dice.performedDespiteTimeout()) this.answer(req, rawBody, token, entry)
      answer = new HttpAnswer(504, { message: "Endpoint request timed out" })
    } else {
      if (delay > 0) await new Promise((r) => setTimeout(r, delay))
      answer = this.answer(req, rawBody, token, entry)
    }
    entry.status = answer.status
    entry.responseBody = answer.raw === undefined ? answer.body : `<${answer.raw.bytes.length} bytes ${answer.raw.contentType}>`
    if (answer.raw !== undefined) {
      res.writeHead(answer.status, { "content-type": answer.raw.contentType, "content-length": answer.raw.bytes.length, ...answer.headers })
      res.end(answer.raw.bytes)
    } else if (answer.status === 204) {
      res.writeHead(204, answer.headers).end()
    } else {
      const text = JSON.stringify(answer.body)
      res.writeHead(answer.status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...answer.headers })
      res.end(text)
    }
  }

  /** Auth, rate limit and injected faults, in lexoffice's order, then the endpoint itself. */
  private answer(req: IncomingMessage, rawBody: string, token: string | undefined, entry: LoggedRequest): HttpAnswer {
    const method = req.method ?? "GET"
    const url = new URL(req.url ?? "/", "http://simulator")
    // Named before auth and faults, so refused calls are attributed to their endpoint in the log.
    entry.route = routeTemplate(method, url.pathname)
    if (token === undefined || !this.tokens.has(token)) return new HttpAnswer(401, { message: "Unauthorized" })
    if (this.dice.rateLimitStorm()) return new HttpAnswer(429, { message: "Rate limit exceeded" })
    // "the actual call will not be performed"
    if (this.faults.rateLimit && !this.bucket.take(token)) return new HttpAnswer(429, { message: "Rate limit exceeded" })
    const serverError = this.dice.serverError()
    if (serverError !== undefined) return new HttpAnswer(serverError, { message: serverError === 500 ? null : "Service Unavailable" })
    const answer = route({
      store: this.store,
      method,
      url,
      contentType: req.headers["content-type"],
      accept: req.headers.accept,
      rawBody,
      key: fingerprint(token),
      baseUrl: this.url,
      checkCallbacks: this.options.checkCallbacks === true,
    })
    // The create is committed; only the gateway gave up (DOC #HTTP Status Codes, 504).
    if (answer.status === 201 && this.dice.commitThen504()) return new HttpAnswer(504, { message: "Endpoint request timed out" })
    return answer
  }
}
