import { BigDecimal, Effect, type Scope } from "effect"
import { createHash, randomBytes, randomUUID } from "node:crypto"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { formatLexofficeDateTime, htmlDecode } from "../Wire.js"
import { renderPdf } from "./PdfRenderer.js"
import { decimal, type Issue, validateArticle, validateContact, validateVoucher, type Violation } from "./Validation.js"
import { computeTotals } from "./VoucherTotals.js"
import { control } from "./ControlApi.js"
import { type DeliveryRecord, WebhookDispatcher } from "./WebhookDispatcher.js"

/**
 * A local lexoffice: the endpoints Vortex uses, with the documented behaviour (lexoffice-dhl.md
 * part A) — Bearer auth, a 2 req/s token bucket per key that answers 429 without executing the
 * call, 406 validation in both error formats, optimistic locking, paging, voucher numbering,
 * computed totals, PDFs of finalized vouchers, signed webhooks — plus fault knobs for tests.
 */

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

type Json = Record<string, unknown>

interface Stored {
  readonly id: string
  version: number
  readonly createdDate: string
  updatedDate: string
  body: Json
}

type VoucherKind = "order-confirmations" | "invoices" | "credit-notes"

interface StoredVoucher extends Stored {
  readonly kind: VoucherKind
  status: "draft" | "open" | "paid" | "paidoff" | "voided"
  voucherNumber: string | undefined
  contactId: string | undefined
  contactName: string
  totalGross: BigDecimal.BigDecimal
  openAmount: BigDecimal.BigDecimal
  precedingId: string | undefined
  creditNoteId: string | undefined
}

const VOUCHER_META: Record<VoucherKind, { prefix: string; listType: string; aliases: ReadonlyArray<string>; event: string; title: string }> = {
  "order-confirmations": { prefix: "AB", listType: "orderconfirmation", aliases: ["orderconfirmation"], event: "order-confirmation", title: "Auftragsbestaetigung" },
  invoices: { prefix: "RE", listType: "invoice", aliases: ["invoice", "salesinvoice"], event: "invoice", title: "Rechnung" },
  "credit-notes": { prefix: "GS", listType: "creditnote", aliases: ["creditnote", "salescreditnote"], event: "credit-note", title: "Gutschrift" },
}

export const EVENT_TYPES = new Set(
  [
    ["article", ["created", "changed", "deleted"]],
    ["contact", ["created", "changed", "deleted"]],
    ["credit-note", ["created", "changed", "deleted", "status.changed"]],
    ["delivery-note", ["created", "changed", "deleted", "status.changed"]],
    ["down-payment-invoice", ["created", "changed", "deleted", "status.changed"]],
    ["dunning", ["created", "changed", "deleted"]],
    ["invoice", ["created", "changed", "deleted", "status.changed"]],
    ["order-confirmation", ["created", "changed", "deleted", "status.changed"]],
    ["quotation", ["created", "changed", "deleted", "status.changed"]],
    ["recurring-template", ["created", "changed", "deleted"]],
    ["voucher", ["created", "changed", "deleted", "status.changed"]],
  ].flatMap(([resource, verbs]) => (verbs as Array<string>).map((v) => `${resource as string}.${v}`)).concat(["payment.changed", "token.revoked"]),
)

const MAX_PAGE_SIZE = 250
/** lexoffice's gateway answers 504 after 30 s (DOC #HTTP Status Codes). */
const GATEWAY_TIMEOUT_MS = 30_000

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
const seededRandom = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const SEARCH_WINDOW = 10_000
const fingerprint = (token: string) => createHash("sha256").update(token).digest("hex").slice(0, 12)
const money = (d: BigDecimal.BigDecimal) => Number(BigDecimal.format(BigDecimal.normalize(d)))

/** lexoffice stamps dates in German local time. */
const offsetFormat = new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Berlin", timeZoneName: "longOffset" })
const dayFormat = new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Berlin", year: "numeric", month: "2-digit", day: "2-digit" })
const berlinOffsetMinutes = (at: Date): number => {
  const name = offsetFormat
    .formatToParts(at).find((p) => p.type === "timeZoneName")?.value ?? "GMT+01:00"
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name)
  return match === null ? 0 : (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]))
}
const nowStamp = () => {
  const now = new Date()
  return formatLexofficeDateTime(now, berlinOffsetMinutes(now))
}
/** The CET/CEST calendar day of a lexoffice timestamp, for voucherlist day filters. */
const berlinDay = (stamp: string) => dayFormat.format(new Date(stamp))

const ROUTES = new Set([
  "GET /v1/articles", "POST /v1/articles", "GET /v1/articles/{id}", "PUT /v1/articles/{id}", "DELETE /v1/articles/{id}",
  "GET /v1/contacts", "POST /v1/contacts", "GET /v1/contacts/{id}",
  ...["order-confirmations", "invoices", "credit-notes"].flatMap((k) => [`POST /v1/${k}`, `GET /v1/${k}/{id}`, `GET /v1/${k}/{id}/file`]),
  "GET /v1/voucherlist",
  "POST /v1/event-subscriptions", "GET /v1/event-subscriptions", "GET /v1/event-subscriptions/{id}", "DELETE /v1/event-subscriptions/{id}",
])

/** "GET /v1/articles/{id}" for GET /v1/articles/123; undefined for paths the simulator does not serve. */
const routeTemplate = (method: string, pathname: string): string | undefined => {
  const parts = pathname.split("/").filter((p) => p.length > 0)
  if (parts[0] !== "v1" || parts[1] === undefined || parts.length > 4) return undefined
  const template = `${method} /v1/${parts[1]}${parts[2] === undefined ? "" : "/{id}"}${parts[3] === undefined ? "" : `/${parts[3]}`}`
  return ROUTES.has(template) ? template : undefined
}

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
    readonly raw?: { bytes: Uint8Array; contentType: string },
  ) {}
}

export class LexofficeSimulator {
  readonly organizationId = randomUUID()
  readonly requestLog: Array<LoggedRequest> = []
  readonly faults: SimulatorFaults = {
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
  }
  readonly webhooks: WebhookDispatcher
  private readonly tokens: Set<string>
  private readonly buckets = new Map<string, { tokens: number; at: number }>()
  private readonly articles = new Map<string, Stored>()
  private readonly contacts = new Map<string, Stored & { customerNumber: number | undefined }>()
  private readonly vouchers = new Map<string, StoredVoucher>()
  private readonly subscriptions = new Map<string, { subscriptionId: string; createdDate: string; eventType: string; callbackUrl: string; key: string }>()
  private readonly counters: Record<string, number> = { AB: 0, RE: 0, GS: 0, customer: 10_000 }
  private server: Server | undefined
  private readonly random: () => number
  url = ""

  private constructor(private readonly options: SimulatorOptions) {
    this.tokens = new Set(options.tokens ?? [randomBytes(24).toString("hex")])
    this.random = seededRandom(options.seed ?? randomBytes(4).readUInt32LE(0))
    this.faults.rateLimit = options.rateLimit ?? true
    this.webhooks = new WebhookDispatcher(options.webhookTimeScale ?? 1, this.faults, (id) => this.subscriptions.delete(id))
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

  // ---- seeding (tests, sandbox) ----------------------------------------------------------

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
      ids.push(this.insertArticle(body, stamp).id)
    }
    if (options.events === true) for (const id of ids) this.emit("article.created", id)
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
      ids.push(this.insertContact(body).id)
    }
    return ids
  }

  /** Test access to stored vouchers (e.g. "the voucher exists although the client saw 504"). */
  vouchersOf(kind: VoucherKind): ReadonlyArray<{ id: string; status: string; voucherNumber: string | undefined; body: Json }> {
    return [...this.vouchers.values()].filter((v) => v.kind === kind).map((v) => ({ id: v.id, status: v.status, voucherNumber: v.voucherNumber, body: v.body }))
  }

  /** A bumped version as if another user edited the article in the lexoffice app. */
  touchArticle(id: string) {
    const article = this.articles.get(id)
    if (article === undefined) return
    article.version++
    article.updatedDate = nowStamp()
    this.emit("article.changed", id)
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
    const delay = this.drawDelay()
    let answer: HttpAnswer
    if (delay >= GATEWAY_TIMEOUT_MS) {
      await new Promise((r) => setTimeout(r, GATEWAY_TIMEOUT_MS))
      // The gateway gave up; the backend may or may not have got to the call (DOC #HTTP Status Codes, 504).
      if (this.random() < 0.5) this.answer(req, rawBody, token, entry)
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

  private takeToken(token: string): boolean {
    if (!this.faults.rateLimit) return true
    // 2 requests/second per key, bucket of 2 (DOC #API Rate Limits).
    const now = performance.now()
    const bucket = this.buckets.get(token) ?? { tokens: 2, at: now }
    bucket.tokens = Math.min(2, bucket.tokens + ((now - bucket.at) / 1000) * 2)
    bucket.at = now
    this.buckets.set(token, bucket)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }

  private answer(req: IncomingMessage, rawBody: string, token: string | undefined, entry: LoggedRequest): HttpAnswer {
    // Named before auth and faults, so refused calls are attributed to their endpoint in the log.
    entry.route = routeTemplate(req.method ?? "GET", new URL(req.url ?? "/", "http://simulator").pathname)
    if (token === undefined || !this.tokens.has(token)) return new HttpAnswer(401, { message: "Unauthorized" })
    if (this.faults.rateLimitStorm > 0) {
      this.faults.rateLimitStorm--
      return new HttpAnswer(429, { message: "Rate limit exceeded" })
    }
    // "the actual call will not be performed"
    if (!this.takeToken(token)) return new HttpAnswer(429, { message: "Rate limit exceeded" })
    if (this.faults.failNext > 0 || (this.faults.serverErrorRate > 0 && this.random() < this.faults.serverErrorRate)) {
      if (this.faults.failNext > 0) this.faults.failNext--
      const status = this.faults.serverErrorStatus
      return new HttpAnswer(status, { message: status === 500 ? null : "Service Unavailable" })
    }
    const url = new URL(req.url ?? "/", "http://simulator")
    const method = req.method ?? "GET"
    let body: Json | undefined
    if (method === "POST" || method === "PUT") {
      if (!(req.headers["content-type"] ?? "").includes("application/json")) {
        return this.regularError(415, "Unsupported Media Type", url.pathname, "Content-Type must be application/json")
      }
      try {
        const parsed: unknown = JSON.parse(rawBody)
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object")
        body = parsed as Json
      } catch {
        return this.regularError(400, "Bad Request", url.pathname, "Malformed JSON")
      }
    }
    const answer = this.route(method, url, body, req, token)
    if (answer.status === 201 && (this.faults.commitThen504 > 0 || (this.faults.commitThen504Rate > 0 && this.random() < this.faults.commitThen504Rate))) {
      if (this.faults.commitThen504 > 0) this.faults.commitThen504--
      // The create is committed; only the gateway gave up (DOC #HTTP Status Codes, 504).
      return new HttpAnswer(504, { message: "Endpoint request timed out" })
    }
    return answer
  }

  private drawDelay(): number {
    if (this.faults.delays.length === 0) return 0
    let roll = this.random()
    for (const band of this.faults.delays) {
      if (roll < band.rate) return band.ms
      roll -= band.rate
    }
    return 0
  }

  /**
   * Every order confirmation as stored, with the text a fault run searches for Vortex's marker
   * (`remark`, and `introduction` where older versions wrote it).
   */
  orderConfirmations(): Array<{ id: string; voucherNumber: string | undefined; status: string; remark: string; introduction: string; createdDate: string }> {
    return [...this.vouchers.values()].filter((v) => v.kind === "order-confirmations").map((v) => ({
      id: v.id,
      voucherNumber: v.voucherNumber,
      status: v.status,
      remark: typeof v.body.remark === "string" ? v.body.remark : "",
      introduction: typeof v.body.introduction === "string" ? v.body.introduction : "",
      createdDate: v.createdDate,
    }))
  }

  private regularError(status: number, error: string, path: string, message: string, details?: ReadonlyArray<Violation>): HttpAnswer {
    return new HttpAnswer(status, {
      timestamp: nowStamp(), status, error, path, traceId: randomBytes(6).toString("hex"), message,
      ...(details === undefined ? {} : { details }),
    })
  }

  private validationError(path: string, details: ReadonlyArray<Violation>) {
    return this.regularError(406, "Not Acceptable", path, "Validation failed for request. Please see details list for specific causes.", details)
  }

  private legacyError(status: number, issues: ReadonlyArray<Issue>) {
    return new HttpAnswer(status, { IssueList: issues.map((i) => ({ ...i, additionalData: null, args: null })) })
  }

  private created(resource: string, stored: Stored): HttpAnswer {
    const resourceUri = `${this.url}/v1/${resource}/${stored.id}`
    return new HttpAnswer(
      201,
      { id: stored.id, resourceUri, createdDate: stored.createdDate, updatedDate: stored.updatedDate, version: stored.version },
      { location: resourceUri },
    )
  }

  private route(method: string, url: URL, body: Json | undefined, req: IncomingMessage, token: string): HttpAnswer {
    const parts = url.pathname.split("/").filter((p) => p.length > 0)
    if (parts[0] !== "v1" || parts[1] === undefined) return this.regularError(404, "Not Found", url.pathname, "Resource not found")
    const [, resource] = parts
    const [id, sub] = [parts[2], parts[3]]
    const template = routeTemplate(method, url.pathname) ?? ""
    const q = url.searchParams
    switch (template) {
      case "GET /v1/articles": return this.listArticles(q, url.pathname)
      case "POST /v1/articles": return this.createArticle(body!, url.pathname)
      case "GET /v1/articles/{id}": return this.getArticle(id!, url.pathname)
      case "PUT /v1/articles/{id}": return this.updateArticle(id!, body!, url.pathname)
      case "DELETE /v1/articles/{id}": return this.deleteArticle(id!, url.pathname)
      case "GET /v1/contacts": return this.listContacts(q)
      case "POST /v1/contacts": return this.createContact(body!)
      case "GET /v1/contacts/{id}": return this.getContact(id!)
      case "POST /v1/order-confirmations":
      case "POST /v1/invoices":
      case "POST /v1/credit-notes": return this.createVoucher(resource as VoucherKind, body!, q, url.pathname)
      case "GET /v1/order-confirmations/{id}":
      case "GET /v1/invoices/{id}":
      case "GET /v1/credit-notes/{id}": return this.getVoucher(resource as VoucherKind, id!, url.pathname)
      case "GET /v1/order-confirmations/{id}/file":
      case "GET /v1/invoices/{id}/file":
      case "GET /v1/credit-notes/{id}/file": return this.voucherFile(resource as VoucherKind, id!, req.headers.accept, url.pathname)
      case "GET /v1/voucherlist": return this.voucherlist(q, url.pathname)
      case "POST /v1/event-subscriptions": return this.createSubscription(body!, token, url.pathname)
      case "GET /v1/event-subscriptions": return this.listSubscriptions(token)
      case "GET /v1/event-subscriptions/{id}": return this.getSubscription(id!, token, url.pathname)
      case "DELETE /v1/event-subscriptions/{id}": return this.deleteSubscription(id!, token, url.pathname)
    }
    const known = ["articles", "contacts", "order-confirmations", "invoices", "credit-notes", "voucherlist", "event-subscriptions"]
    return known.includes(resource!)
      ? this.regularError(405, "Method Not Allowed", url.pathname, `${method} is not supported here`)
      : this.regularError(404, "Not Found", url.pathname, "Resource not found")
  }

  // ---- paging ------------------------------------------------------------------------------

  private page<T>(items: ReadonlyArray<T>, q: URLSearchParams, path: string, render: (t: T) => unknown): HttpAnswer {
    // UNCONFIRMED what lexoffice does with size > 250; we cap it, as the documented maximum.
    const size = Math.min(MAX_PAGE_SIZE, Math.max(1, Number(q.get("size") ?? 25) || 25))
    const number = Math.max(0, Number(q.get("page") ?? 0) || 0)
    if ((number + 1) * size > SEARCH_WINDOW && number * size < items.length) {
      return this.regularError(400, "Bad Request", path, "Maximum search window size exceeded")
    }
    const content = items.slice(number * size, (number + 1) * size)
    const totalPages = Math.ceil(items.length / size)
    return new HttpAnswer(200, {
      content: content.map(render),
      first: number === 0,
      last: number >= totalPages - 1,
      totalPages,
      totalElements: items.length,
      numberOfElements: content.length,
      size,
      number,
      sort: [],
    })
  }

  // ---- articles ------------------------------------------------------------------------------

  private renderArticle(a: Stored) {
    return { id: a.id, organizationId: this.organizationId, createdDate: a.createdDate, updatedDate: a.updatedDate, archived: false, ...a.body, version: a.version }
  }

  /** The non-leading price is computed from the leading one and the tax rate, half-up to 2 places. */
  private withDerivedPrice(body: Json): Json {
    const price = body.price as Json
    const rate = decimal(price.taxRate)!
    const factor = BigDecimal.unsafeDivide(BigDecimal.sum(BigDecimal.fromBigInt(100n), rate), BigDecimal.fromBigInt(100n))
    const round = (d: BigDecimal.BigDecimal) => BigDecimal.round(d, { scale: 2, mode: "half-from-zero" })
    const derived = price.leadingPrice === "GROSS"
      ? { netPrice: money(round(BigDecimal.unsafeDivide(decimal(price.grossPrice)!, factor))), grossPrice: price.grossPrice }
      : { netPrice: price.netPrice, grossPrice: money(round(BigDecimal.multiply(decimal(price.netPrice)!, factor))) }
    const { version: _version, id: _id, ...rest } = body
    return { ...rest, price: { ...derived, leadingPrice: price.leadingPrice, taxRate: price.taxRate } }
  }

  private insertArticle(body: Json, stamp: string = nowStamp()): Stored {
    const stored: Stored = { id: randomUUID(), version: 0, createdDate: stamp, updatedDate: stamp, body: this.withDerivedPrice(body) }
    this.articles.set(stored.id, stored)
    return stored
  }

  private listArticles(q: URLSearchParams, path: string) {
    for (const key of ["articleNumber", "gtin", "type"]) {
      if (q.getAll(key).length > 1) return this.regularError(400, "Bad Request", path, `filter ${key} given twice`)
    }
    const articleNumber = q.get("articleNumber")
    const gtin = q.get("gtin")
    const type = q.get("type")
    const matches = [...this.articles.values()].filter((a) =>
      (articleNumber === null || a.body.articleNumber === articleNumber) &&
      (gtin === null || a.body.gtin === gtin) &&
      (type === null || a.body.type === type))
    return this.page(matches, q, path, (a) => this.renderArticle(a))
  }

  private createArticle(body: Json, path: string) {
    const violations = validateArticle(body)
    if (violations.length > 0) return this.validationError(path, violations)
    const stored = this.insertArticle(body)
    this.emit("article.created", stored.id)
    return this.created("articles", stored)
  }

  private getArticle(id: string, path: string) {
    const article = this.articles.get(id)
    return article === undefined ? this.regularError(404, "Not Found", path, "Resource not found") : new HttpAnswer(200, this.renderArticle(article))
  }

  private updateArticle(id: string, body: Json, path: string) {
    const article = this.articles.get(id)
    if (article === undefined) return this.regularError(404, "Not Found", path, "Resource not found")
    if (body.version !== article.version) {
      // DOC #Optimistic Locking: a stale version is a conflict; the client must GET and merge.
      return this.regularError(409, "Conflict", path, `version ${String(body.version)} is outdated; current version is ${article.version}`)
    }
    const violations = validateArticle(body)
    if (violations.length > 0) return this.validationError(path, violations)
    article.body = this.withDerivedPrice(body)
    article.version++
    article.updatedDate = nowStamp()
    this.emit("article.changed", id)
    return new HttpAnswer(200, { id, resourceUri: `${this.url}/v1/articles/${id}`, createdDate: article.createdDate, updatedDate: article.updatedDate, version: article.version })
  }

  private deleteArticle(id: string, path: string) {
    if (!this.articles.delete(id)) return this.regularError(404, "Not Found", path, "Resource not found")
    this.emit("article.deleted", id)
    return new HttpAnswer(204, undefined)
  }

  // ---- contacts (legacy error format) ----------------------------------------------------------

  private renderContact(c: Stored & { customerNumber: number | undefined }) {
    const roles = c.body.roles as Json
    return {
      id: c.id, organizationId: this.organizationId, version: c.version, archived: false,
      ...c.body,
      roles: { ...(roles.customer !== undefined ? { customer: { number: c.customerNumber } } : {}), ...(roles.vendor !== undefined ? { vendor: {} } : {}) },
    }
  }

  private insertContact(body: Json) {
    const stamp = nowStamp()
    const isCustomer = (body.roles as Json | undefined)?.customer !== undefined
    const { version: _version, ...rest } = body
    const stored = {
      id: randomUUID(), version: 1, createdDate: stamp, updatedDate: stamp, body: rest,
      customerNumber: isCustomer ? ++this.counters.customer! : undefined,
    }
    this.contacts.set(stored.id, stored)
    return stored
  }

  private listContacts(q: URLSearchParams) {
    const email = q.get("email")
    const name = q.get("name")
    if (name !== null && name.length < 3) return this.legacyError(400, [{ i18nKey: "bad_request_error", source: "name", type: "validation_failure" }])
    // Search strings arrive HTML-encoded (DOC FAQ "Search string encoding"); `_` and `%` are wildcards.
    const namePattern = name === null ? undefined : new RegExp(
      htmlDecode(name).replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/%/g, ".*").replace(/_/g, "."), "i")
    const wantedEmail = email === null ? undefined : htmlDecode(email).toLowerCase()
    const number = q.get("number")
    const customer = q.get("customer")
    const vendor = q.get("vendor")
    const matches = [...this.contacts.values()].filter((c) => {
      const b = c.body
      const roles = b.roles as Json
      const displayName = ((b.company as Json | undefined)?.name as string | undefined) ??
        [((b.person as Json | undefined)?.firstName as string | undefined), ((b.person as Json | undefined)?.lastName as string | undefined)].filter(Boolean).join(" ")
      const emails = Object.values((b.emailAddresses as Record<string, Array<string>> | undefined) ?? {}).flat().map((e) => e.toLowerCase())
      return (namePattern === undefined || namePattern.test(displayName)) &&
        (wantedEmail === undefined || emails.includes(wantedEmail)) &&
        (number === null || String(c.customerNumber) === number) &&
        (customer === null || (roles.customer !== undefined) === (customer === "true")) &&
        (vendor === null || (roles.vendor !== undefined) === (vendor === "true"))
    })
    return this.page(matches, q, "/v1/contacts", (c) => this.renderContact(c))
  }

  private createContact(body: Json) {
    const issues = validateContact(body)
    if (issues.length > 0) return this.legacyError(406, issues)
    const stored = this.insertContact(body)
    this.emit("contact.created", stored.id)
    return this.created("contacts", stored)
  }

  private getContact(id: string) {
    const contact = this.contacts.get(id)
    return contact === undefined
      ? this.legacyError(404, [{ i18nKey: "missing_entity", source: "id", type: "entity_not_found" }])
      : new HttpAnswer(200, this.renderContact(contact))
  }

  // ---- sales vouchers ----------------------------------------------------------------------------

  private createVoucher(kind: VoucherKind, body: Json, q: URLSearchParams, path: string): HttpAnswer {
    const finalize = q.get("finalize") === "true"
    const precedingId = q.get("precedingSalesVoucherId") ?? undefined
    const violations = validateVoucher(body, {
      requireShipping: kind !== "credit-notes",
      contactIsCustomer: (id) => {
        const contact = this.contacts.get(id)
        return contact === undefined ? undefined : (contact.body.roles as Json).customer !== undefined
      },
    })
    if (violations.length > 0) return this.validationError(path, violations)

    let preceding: StoredVoucher | undefined
    if (precedingId !== undefined) {
      preceding = this.vouchers.get(precedingId)
      // Valid chains: order confirmation → invoice → credit note; a draft predecessor is refused (DOC).
      const expected: VoucherKind | undefined = kind === "invoices" ? "order-confirmations" : kind === "credit-notes" ? "invoices" : undefined
      const reason = preceding === undefined || preceding.kind !== expected
        ? "invalid preceding voucher"
        : preceding.status === "draft"
          ? "preceding voucher is a draft"
          : kind === "credit-notes" && preceding.creditNoteId !== undefined
            ? "the invoice already has a credit note"
            : undefined
      if (reason !== undefined) {
        return this.validationError(path, [{ field: "precedingSalesVoucherId", violation: "INVALID", message: reason }])
      }
    }

    const gross = (body.taxConditions as Json).taxType === "gross"
    const priced = (body.lineItems as Array<Json>).map((line) => {
      if (line.type === "text") return undefined
      const price = line.unitPrice as Json
      return {
        quantity: decimal(line.quantity)!,
        unitAmount: decimal(gross ? price.grossAmount : price.netAmount)!,
        taxRatePercentage: decimal(price.taxRatePercentage)!,
        discountPercentage: decimal(line.discountPercentage) ?? BigDecimal.fromBigInt(0n),
      }
    })
    const totals = computeTotals(priced.filter((p) => p !== undefined), gross)
    let amountIndex = 0
    const lineItems = (body.lineItems as Array<Json>).map((line, i) =>
      priced[i] === undefined ? line : { ...line, lineItemAmount: money(totals.lineAmounts[amountIndex++]!) })

    const stamp = nowStamp()
    const address = body.address as Json
    const contactId = typeof address.contactId === "string" ? address.contactId : undefined
    const contact = contactId === undefined ? undefined : this.contacts.get(contactId)
    const contactName = contact === undefined
      ? String(address.name ?? "")
      : String(((contact.body.company as Json | undefined)?.name) ?? ((contact.body.person as Json | undefined)?.lastName) ?? "")
    const meta = VOUCHER_META[kind]
    const status: StoredVoucher["status"] = !finalize
      ? "draft"
      : kind === "credit-notes" && preceding !== undefined ? "paidoff" : "open"
    const voucher: StoredVoucher = {
      id: randomUUID(),
      kind,
      version: 1,
      createdDate: stamp,
      updatedDate: stamp,
      status,
      // Numbers are assigned on finalization only; drafts have none.
      voucherNumber: finalize ? `${meta.prefix}${String(++this.counters[meta.prefix]!).padStart(4, "0")}` : undefined,
      contactId,
      contactName,
      totalGross: totals.totalGrossAmount,
      openAmount: status === "open" ? totals.totalGrossAmount : BigDecimal.fromBigInt(0n),
      precedingId,
      creditNoteId: undefined,
      body: {
        ...body,
        lineItems,
        totalPrice: {
          currency: "EUR",
          totalNetAmount: money(totals.totalNetAmount),
          totalGrossAmount: money(totals.totalGrossAmount),
          totalTaxAmount: money(totals.totalTaxAmount),
        },
        taxAmounts: totals.byRate.map((r) => ({ taxRatePercentage: money(r.taxRatePercentage), taxAmount: money(r.taxAmount), netAmount: money(r.netAmount) })),
      },
    }
    this.vouchers.set(voucher.id, voucher)
    if (preceding !== undefined && kind === "credit-notes") {
      preceding.creditNoteId = voucher.id
      if (finalize) {
        // A finalized linked credit note reduces the invoice's open amount (DOC #Credit Notes).
        preceding.openAmount = BigDecimal.max(BigDecimal.fromBigInt(0n), BigDecimal.subtract(preceding.openAmount, voucher.totalGross))
        preceding.version++
        preceding.updatedDate = stamp
      }
    }
    this.emit(`${meta.event}.created`, voucher.id)
    return this.created(kind, voucher)
  }

  private renderVoucher(v: StoredVoucher) {
    const related = v.precedingId === undefined ? [] : [this.vouchers.get(v.precedingId)].filter((p) => p !== undefined)
      .map((p) => ({ id: p.id, voucherNumber: p.voucherNumber ?? "", voucherType: VOUCHER_META[p.kind].listType }))
    return {
      id: v.id, organizationId: this.organizationId, createdDate: v.createdDate, updatedDate: v.updatedDate, version: v.version,
      archived: false, voucherStatus: v.status, ...(v.voucherNumber === undefined ? {} : { voucherNumber: v.voucherNumber }),
      ...v.body,
      ...(related.length > 0 ? { relatedVouchers: related } : {}),
    }
  }

  private getVoucher(kind: VoucherKind, id: string, path: string) {
    const voucher = this.vouchers.get(id)
    return voucher === undefined || voucher.kind !== kind
      ? this.regularError(404, "Not Found", path, "Resource not found")
      : new HttpAnswer(200, this.renderVoucher(voucher))
  }

  private voucherFile(kind: VoucherKind, id: string, accept: string | undefined, path: string) {
    const voucher = this.vouchers.get(id)
    if (voucher === undefined || voucher.kind !== kind) return this.regularError(404, "Not Found", path, "Resource not found")
    const wanted = (accept ?? "*/*").split(",").map((a) => a.trim().split(";")[0])
    if (!wanted.some((a) => a === "*/*" || a === "application/pdf")) return this.regularError(406, "Not Acceptable", path, "Only application/pdf is available")
    if (voucher.status === "draft") return this.regularError(409, "Conflict", path, "No document for a draft voucher")
    const meta = VOUCHER_META[kind]
    const total = voucher.body.totalPrice as Json
    const lines = [
      `Nr. ${voucher.voucherNumber ?? ""}   Datum ${String(voucher.body.voucherDate).slice(0, 10)}`,
      `Kunde: ${voucher.contactName}`,
      ...(typeof voucher.body.introduction === "string" ? [voucher.body.introduction] : []),
      "",
      ...(voucher.body.lineItems as Array<Json>).map((l) =>
        `${String(l.quantity ?? "")} x ${String(l.name)}  ${l.lineItemAmount === undefined ? "" : `${String(l.lineItemAmount)} EUR`}`),
      "",
      `Netto ${String(total.totalNetAmount)} EUR   USt ${String(total.totalTaxAmount)} EUR   Brutto ${String(total.totalGrossAmount)} EUR`,
      ...(typeof voucher.body.remark === "string" ? [voucher.body.remark] : []),
    ]
    const bytes = renderPdf(`${meta.title} ${voucher.voucherNumber ?? ""}`, lines)
    return new HttpAnswer(200, undefined, { "content-disposition": `attachment; filename="${meta.title}_${voucher.voucherNumber}.pdf"` }, { bytes, contentType: "application/pdf" })
  }

  private voucherlist(q: URLSearchParams, path: string) {
    const types = q.get("voucherType")
    const statuses = q.get("voucherStatus")
    if (types === null || statuses === null) {
      return this.regularError(400, "Bad Request", path, "voucherType and voucherStatus are mandatory")
    }
    const typeList = types.split(",")
    const statusList = statuses.split(",")
    if (statusList.includes("overdue") && statusList.length > 1) return this.regularError(400, "Bad Request", path, "overdue cannot be combined")
    const inDay = (stamp: string, from: string | null, to: string | null) => {
      const day = berlinDay(stamp)
      return (from === null || day >= from) && (to === null || day <= to)
    }
    const sortSpec = (q.get("sort") ?? "voucherDate,DESC").split(",")
    const sortKey = sortSpec[0] ?? "voucherDate"
    const descending = (sortSpec[1] ?? "ASC").toUpperCase() === "DESC"
    const sortValue = (v: StoredVoucher) =>
      sortKey === "voucherNumber" ? v.voucherNumber ?? "" : sortKey === "createdDate" ? v.createdDate : sortKey === "updatedDate" ? v.updatedDate : String(v.body.voucherDate)
    const matches = [...this.vouchers.values()]
      .filter((v) =>
        (typeList.includes("any") || VOUCHER_META[v.kind].aliases.some((a) => typeList.includes(a))) &&
        (statusList.includes("any") || statusList.includes(v.status)) &&
        (q.get("contactId") === null || v.contactId === q.get("contactId")) &&
        (q.get("voucherNumber") === null || v.voucherNumber === q.get("voucherNumber")) &&
        (q.get("archived") === null || q.get("archived") === "false") &&
        inDay(String(v.body.voucherDate), q.get("voucherDateFrom"), q.get("voucherDateTo")) &&
        inDay(v.createdDate, q.get("createdDateFrom"), q.get("createdDateTo")) &&
        inDay(v.updatedDate, q.get("updatedDateFrom"), q.get("updatedDateTo")))
      .sort((a, b) => (sortValue(a) < sortValue(b) ? -1 : sortValue(a) > sortValue(b) ? 1 : 0) * (descending ? -1 : 1))
    return this.page(matches, q, path, (v) => ({
      id: v.id,
      voucherType: VOUCHER_META[v.kind].listType,
      voucherStatus: v.status,
      voucherNumber: v.voucherNumber ?? null,
      voucherDate: v.body.voucherDate,
      createdDate: v.createdDate,
      updatedDate: v.updatedDate,
      dueDate: null,
      contactId: v.contactId ?? null,
      contactName: v.contactName,
      totalAmount: money(v.totalGross),
      openAmount: money(v.openAmount),
      currency: "EUR",
      archived: false,
    }))
  }

  // ---- event subscriptions -------------------------------------------------------------------------

  private createSubscription(body: Json, token: string, path: string): HttpAnswer {
    const eventType = body.eventType
    const callbackUrl = body.callbackUrl
    const details: Array<Violation> = []
    if (typeof eventType !== "string" || !EVENT_TYPES.has(eventType)) details.push({ field: "eventType", violation: "INVALID", message: "unknown event type" })
    if (typeof callbackUrl !== "string" || !/^https?:\/\//.test(callbackUrl)) details.push({ field: "callbackUrl", violation: "INVALID", message: "not a URL" })
    if (details.length > 0) return this.validationError(path, details)
    const key = fingerprint(token)
    const duplicate = [...this.subscriptions.values()].some((s) => s.key === key && s.eventType === eventType && s.callbackUrl === callbackUrl)
    if (duplicate) return this.regularError(409, "Conflict", path, "subscription for this event type and callback exists")
    const stamp = nowStamp()
    const subscription = { subscriptionId: randomUUID(), createdDate: stamp, eventType: eventType as string, callbackUrl: callbackUrl as string, key }
    this.subscriptions.set(subscription.subscriptionId, subscription)
    if (this.options.checkCallbacks === true) {
      // lexoffice probes the callback with HEAD; a failure there is a 406 in the real API. Here
      // the probe runs after answering (a synchronous handler cannot await it) and drops the subscription.
      fetch(subscription.callbackUrl, { method: "HEAD", signal: AbortSignal.timeout(5_000) }).catch(() => this.subscriptions.delete(subscription.subscriptionId))
    }
    return this.created("event-subscriptions", { id: subscription.subscriptionId, version: 0, createdDate: stamp, updatedDate: stamp, body: {} })
  }

  private renderSubscription(s: { subscriptionId: string; createdDate: string; eventType: string; callbackUrl: string }) {
    return { subscriptionId: s.subscriptionId, organizationId: this.organizationId, createdDate: s.createdDate, eventType: s.eventType, callbackUrl: s.callbackUrl }
  }

  private listSubscriptions(token: string) {
    const key = fingerprint(token)
    return new HttpAnswer(200, { content: [...this.subscriptions.values()].filter((s) => s.key === key).map((s) => this.renderSubscription(s)) })
  }

  private getSubscription(id: string, token: string, path: string) {
    const s = this.subscriptions.get(id)
    return s === undefined || s.key !== fingerprint(token)
      ? this.regularError(404, "Not Found", path, "Resource not found")
      : new HttpAnswer(200, this.renderSubscription(s))
  }

  private deleteSubscription(id: string, token: string, path: string) {
    const s = this.subscriptions.get(id)
    if (s === undefined || s.key !== fingerprint(token)) return this.regularError(404, "Not Found", path, "Resource not found")
    this.subscriptions.delete(id)
    return new HttpAnswer(204, undefined)
  }

  private emit(eventType: string, resourceId: string) {
    for (const s of this.subscriptions.values()) {
      if (s.eventType !== eventType) continue
      this.webhooks.dispatch(s, { organizationId: this.organizationId, eventType, resourceId, eventDate: nowStamp() })
    }
  }
}
