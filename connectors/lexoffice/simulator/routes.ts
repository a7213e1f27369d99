import { randomBytes } from "node:crypto"
import { berlinDay, nowStamp } from "./BerlinTime.js"
import { EVENT_TYPES, type Json, type SimulatorStore, type StoredRecord, type StoredVoucher, type VoucherKind, VOUCHER_META } from "./SimulatorStore.js"
import { type Issue, validateArticle, validateContact, validateVoucher, type Violation } from "./Validation.js"
import { articleView, contactView, subscriptionView, voucherDocument, voucherListView, voucherView } from "./WireViews.js"

/**
 * lexoffice's HTTP contract for the endpoints Vortex uses (lexoffice-dhl.md part A): the paths,
 * their status codes, both error formats (regular, and the legacy IssueList of contacts), paging
 * and its search window, optimistic locking, voucher chains. Each handler checks the request,
 * then reads or changes the SimulatorStore. Auth, rate limit and faults happen before a request
 * gets here (LexofficeSimulator's pipeline).
 */

export class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
    readonly raw?: { bytes: Uint8Array; contentType: string },
  ) {}
}

/** One authenticated request that survived the rate limit and the fault dice. */
export interface RouteContext {
  readonly store: SimulatorStore
  readonly method: string
  readonly url: URL
  readonly contentType: string | undefined
  readonly accept: string | undefined
  readonly rawBody: string
  /** Fingerprint of the caller's API key: event subscriptions belong to a key. */
  readonly key: string
  /** The simulator's base URL, for `resourceUri` and `location`. */
  readonly baseUrl: string
  /** Probe a new subscription's callback URL with HEAD, as lexoffice does. */
  readonly checkCallbacks: boolean
}

const MAX_PAGE_SIZE = 250
const SEARCH_WINDOW = 10_000

const ROUTES = new Set([
  "GET /v1/articles", "POST /v1/articles", "GET /v1/articles/{id}", "PUT /v1/articles/{id}", "DELETE /v1/articles/{id}",
  "GET /v1/contacts", "POST /v1/contacts", "GET /v1/contacts/{id}",
  ...["order-confirmations", "invoices", "credit-notes"].flatMap((k) => [`POST /v1/${k}`, `GET /v1/${k}/{id}`, `GET /v1/${k}/{id}/file`]),
  "GET /v1/voucherlist",
  "POST /v1/event-subscriptions", "GET /v1/event-subscriptions", "GET /v1/event-subscriptions/{id}", "DELETE /v1/event-subscriptions/{id}",
])

/** "GET /v1/articles/{id}" for GET /v1/articles/123; undefined for paths the simulator does not serve. */
export const routeTemplate = (method: string, pathname: string): string | undefined => {
  const parts = pathname.split("/").filter((p) => p.length > 0)
  if (parts[0] !== "v1" || parts[1] === undefined || parts.length > 4) return undefined
  const template = `${method} /v1/${parts[1]}${parts[2] === undefined ? "" : "/{id}"}${parts[3] === undefined ? "" : `/${parts[3]}`}`
  return ROUTES.has(template) ? template : undefined
}

// ---- error bodies and common answers ------------------------------------------------------------

const regularError = (status: number, error: string, path: string, message: string, details?: ReadonlyArray<Violation>): HttpAnswer =>
  new HttpAnswer(status, {
    timestamp: nowStamp(), status, error, path, traceId: randomBytes(6).toString("hex"), message,
    ...(details === undefined ? {} : { details }),
  })

const notFound = (path: string) => regularError(404, "Not Found", path, "Resource not found")

const validationError = (path: string, details: ReadonlyArray<Violation>) =>
  regularError(406, "Not Acceptable", path, "Validation failed for request. Please see details list for specific causes.", details)

/** Contacts answer in the older IssueList format. */
const legacyError = (status: number, issues: ReadonlyArray<Issue>) =>
  new HttpAnswer(status, { IssueList: issues.map((i) => ({ ...i, additionalData: null, args: null })) })

const created = (ctx: RouteContext, resource: string, stored: Pick<StoredRecord, "id" | "createdDate" | "updatedDate" | "version">): HttpAnswer => {
  const resourceUri = `${ctx.baseUrl}/v1/${resource}/${stored.id}`
  return new HttpAnswer(
    201,
    { id: stored.id, resourceUri, createdDate: stored.createdDate, updatedDate: stored.updatedDate, version: stored.version },
    { location: resourceUri },
  )
}

const page = <T>(items: ReadonlyArray<T>, q: URLSearchParams, path: string, render: (t: T) => unknown): HttpAnswer => {
  // UNCONFIRMED what lexoffice does with size > 250; we cap it, as the documented maximum.
  const size = Math.min(MAX_PAGE_SIZE, Math.max(1, Number(q.get("size") ?? 25) || 25))
  const number = Math.max(0, Number(q.get("page") ?? 0) || 0)
  if ((number + 1) * size > SEARCH_WINDOW && number * size < items.length) {
    return regularError(400, "Bad Request", path, "Maximum search window size exceeded")
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

// ---- the table ----------------------------------------------------------------------------------

/** Answers one request: its JSON body checked for POST/PUT, then the endpoint's handler. */
export const route = (ctx: RouteContext): HttpAnswer => {
  const { method, url } = ctx
  const path = url.pathname
  let body: Json | undefined
  if (method === "POST" || method === "PUT") {
    if (!(ctx.contentType ?? "").includes("application/json")) {
      return regularError(415, "Unsupported Media Type", path, "Content-Type must be application/json")
    }
    try {
      const parsed: unknown = JSON.parse(ctx.rawBody)
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object")
      body = parsed as Json
    } catch {
      return regularError(400, "Bad Request", path, "Malformed JSON")
    }
  }
  const parts = path.split("/").filter((p) => p.length > 0)
  if (parts[0] !== "v1" || parts[1] === undefined) return notFound(path)
  const [, resource, id] = parts
  const template = routeTemplate(method, path) ?? ""
  const q = url.searchParams
  switch (template) {
    case "GET /v1/articles": return listArticles(ctx, q, path)
    case "POST /v1/articles": return createArticle(ctx, body!, path)
    case "GET /v1/articles/{id}": return getArticle(ctx, id!, path)
    case "PUT /v1/articles/{id}": return updateArticle(ctx, id!, body!, path)
    case "DELETE /v1/articles/{id}": return deleteArticle(ctx, id!, path)
    case "GET /v1/contacts": return listContacts(ctx, q)
    case "POST /v1/contacts": return createContact(ctx, body!)
    case "GET /v1/contacts/{id}": return getContact(ctx, id!)
    case "POST /v1/order-confirmations":
    case "POST /v1/invoices":
    case "POST /v1/credit-notes": return createVoucher(ctx, resource as VoucherKind, body!, q, path)
    case "GET /v1/order-confirmations/{id}":
    case "GET /v1/invoices/{id}":
    case "GET /v1/credit-notes/{id}": return getVoucher(ctx, resource as VoucherKind, id!, path)
    case "GET /v1/order-confirmations/{id}/file":
    case "GET /v1/invoices/{id}/file":
    case "GET /v1/credit-notes/{id}/file": return voucherFile(ctx, resource as VoucherKind, id!, path)
    case "GET /v1/voucherlist": return voucherlist(ctx, q, path)
    case "POST /v1/event-subscriptions": return createSubscription(ctx, body!, path)
    case "GET /v1/event-subscriptions": return listSubscriptions(ctx)
    case "GET /v1/event-subscriptions/{id}": return getSubscription(ctx, id!, path)
    case "DELETE /v1/event-subscriptions/{id}": return deleteSubscription(ctx, id!, path)
  }
  const known = ["articles", "contacts", "order-confirmations", "invoices", "credit-notes", "voucherlist", "event-subscriptions"]
  return known.includes(resource!)
    ? regularError(405, "Method Not Allowed", path, `${method} is not supported here`)
    : notFound(path)
}

// ---- articles -----------------------------------------------------------------------------------

const listArticles = (ctx: RouteContext, q: URLSearchParams, path: string) => {
  for (const key of ["articleNumber", "gtin", "type"]) {
    if (q.getAll(key).length > 1) return regularError(400, "Bad Request", path, `filter ${key} given twice`)
  }
  const articleNumber = q.get("articleNumber")
  const gtin = q.get("gtin")
  const type = q.get("type")
  const matches = [...ctx.store.articles.values()].filter((a) =>
    (articleNumber === null || a.body.articleNumber === articleNumber) &&
    (gtin === null || a.body.gtin === gtin) &&
    (type === null || a.body.type === type))
  return page(matches, q, path, (a) => articleView(ctx.store, a))
}

const createArticle = (ctx: RouteContext, body: Json, path: string) => {
  const violations = validateArticle(body)
  if (violations.length > 0) return validationError(path, violations)
  const stored = ctx.store.insertArticle(body)
  ctx.store.emit("article.created", stored.id)
  return created(ctx, "articles", stored)
}

const getArticle = (ctx: RouteContext, id: string, path: string) => {
  const article = ctx.store.articles.get(id)
  return article === undefined ? notFound(path) : new HttpAnswer(200, articleView(ctx.store, article))
}

const updateArticle = (ctx: RouteContext, id: string, body: Json, path: string) => {
  const article = ctx.store.articles.get(id)
  if (article === undefined) return notFound(path)
  if (body.version !== article.version) {
    // DOC #Optimistic Locking: a stale version is a conflict; the client must GET and merge.
    return regularError(409, "Conflict", path, `version ${String(body.version)} is outdated; current version is ${article.version}`)
  }
  const violations = validateArticle(body)
  if (violations.length > 0) return validationError(path, violations)
  ctx.store.replaceArticle(article, body)
  ctx.store.emit("article.changed", id)
  return new HttpAnswer(200, { id, resourceUri: `${ctx.baseUrl}/v1/articles/${id}`, createdDate: article.createdDate, updatedDate: article.updatedDate, version: article.version })
}

const deleteArticle = (ctx: RouteContext, id: string, path: string) => {
  if (!ctx.store.articles.delete(id)) return notFound(path)
  ctx.store.emit("article.deleted", id)
  return new HttpAnswer(204, undefined)
}

// ---- contacts (legacy error format) -------------------------------------------------------------

/**
 * Search strings arrive HTML-encoded (DOC FAQ "Search string encoding"). Restated from the DOC
 * rather than taken from the client's Wire.ts, so the client's encoding is checked against the
 * documented rule, not against its own module.
 */
const htmlDecode = (text: string): string =>
  text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&")

const listContacts = (ctx: RouteContext, q: URLSearchParams) => {
  const email = q.get("email")
  const name = q.get("name")
  if (name !== null && name.length < 3) return legacyError(400, [{ i18nKey: "bad_request_error", source: "name", type: "validation_failure" }])
  // Search strings arrive HTML-encoded (DOC FAQ "Search string encoding"); `_` and `%` are wildcards.
  const namePattern = name === null ? undefined : new RegExp(
    htmlDecode(name).replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/%/g, ".*").replace(/_/g, "."), "i")
  const wantedEmail = email === null ? undefined : htmlDecode(email).toLowerCase()
  const number = q.get("number")
  const customer = q.get("customer")
  const vendor = q.get("vendor")
  const matches = [...ctx.store.contacts.values()].filter((c) => {
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
  return page(matches, q, "/v1/contacts", (c) => contactView(ctx.store, c))
}

const createContact = (ctx: RouteContext, body: Json) => {
  const issues = validateContact(body)
  if (issues.length > 0) return legacyError(406, issues)
  const stored = ctx.store.insertContact(body)
  ctx.store.emit("contact.created", stored.id)
  return created(ctx, "contacts", stored)
}

const getContact = (ctx: RouteContext, id: string) => {
  const contact = ctx.store.contacts.get(id)
  return contact === undefined
    ? legacyError(404, [{ i18nKey: "missing_entity", source: "id", type: "entity_not_found" }])
    : new HttpAnswer(200, contactView(ctx.store, contact))
}

// ---- sales vouchers -----------------------------------------------------------------------------

const createVoucher = (ctx: RouteContext, kind: VoucherKind, body: Json, q: URLSearchParams, path: string): HttpAnswer => {
  const finalize = q.get("finalize") === "true"
  const precedingId = q.get("precedingSalesVoucherId") ?? undefined
  const violations = validateVoucher(body, {
    requireShipping: kind !== "credit-notes",
    contactIsCustomer: (id) => {
      const contact = ctx.store.contacts.get(id)
      return contact === undefined ? undefined : (contact.body.roles as Json).customer !== undefined
    },
  })
  if (violations.length > 0) return validationError(path, violations)

  let preceding: StoredVoucher | undefined
  if (precedingId !== undefined) {
    preceding = ctx.store.vouchers.get(precedingId)
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
      return validationError(path, [{ field: "precedingSalesVoucherId", violation: "INVALID", message: reason }])
    }
  }

  const voucher = ctx.store.insertVoucher(kind, body, finalize, preceding)
  ctx.store.emit(`${VOUCHER_META[kind].event}.created`, voucher.id)
  return created(ctx, kind, voucher)
}

const getVoucher = (ctx: RouteContext, kind: VoucherKind, id: string, path: string) => {
  const voucher = ctx.store.vouchers.get(id)
  return voucher === undefined || voucher.kind !== kind ? notFound(path) : new HttpAnswer(200, voucherView(ctx.store, voucher))
}

const voucherFile = (ctx: RouteContext, kind: VoucherKind, id: string, path: string) => {
  const voucher = ctx.store.vouchers.get(id)
  if (voucher === undefined || voucher.kind !== kind) return notFound(path)
  const wanted = (ctx.accept ?? "*/*").split(",").map((a) => a.trim().split(";")[0])
  if (!wanted.some((a) => a === "*/*" || a === "application/pdf")) return regularError(406, "Not Acceptable", path, "Only application/pdf is available")
  if (voucher.status === "draft") return regularError(409, "Conflict", path, "No document for a draft voucher")
  const document = voucherDocument(voucher)
  return new HttpAnswer(200, undefined, { "content-disposition": `attachment; filename="${document.filename}"` }, { bytes: document.bytes, contentType: "application/pdf" })
}

const voucherlist = (ctx: RouteContext, q: URLSearchParams, path: string) => {
  const types = q.get("voucherType")
  const statuses = q.get("voucherStatus")
  if (types === null || statuses === null) {
    return regularError(400, "Bad Request", path, "voucherType and voucherStatus are mandatory")
  }
  const typeList = types.split(",")
  const statusList = statuses.split(",")
  if (statusList.includes("overdue") && statusList.length > 1) return regularError(400, "Bad Request", path, "overdue cannot be combined")
  const inDay = (stamp: string, from: string | null, to: string | null) => {
    const day = berlinDay(stamp)
    return (from === null || day >= from) && (to === null || day <= to)
  }
  const sortSpec = (q.get("sort") ?? "voucherDate,DESC").split(",")
  const sortKey = sortSpec[0] ?? "voucherDate"
  const descending = (sortSpec[1] ?? "ASC").toUpperCase() === "DESC"
  const sortValue = (v: StoredVoucher) =>
    sortKey === "voucherNumber" ? v.voucherNumber ?? "" : sortKey === "createdDate" ? v.createdDate : sortKey === "updatedDate" ? v.updatedDate : String(v.body.voucherDate)
  const matches = [...ctx.store.vouchers.values()]
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
  return page(matches, q, path, voucherListView)
}

// ---- event subscriptions ------------------------------------------------------------------------

const createSubscription = (ctx: RouteContext, body: Json, path: string): HttpAnswer => {
  const eventType = body.eventType
  const callbackUrl = body.callbackUrl
  const details: Array<Violation> = []
  if (typeof eventType !== "string" || !EVENT_TYPES.has(eventType)) details.push({ field: "eventType", violation: "INVALID", message: "unknown event type" })
  if (typeof callbackUrl !== "string" || !/^https?:\/\//.test(callbackUrl)) details.push({ field: "callbackUrl", violation: "INVALID", message: "not a URL" })
  if (details.length > 0) return validationError(path, details)
  const subscriptions = ctx.store.subscriptions
  const duplicate = [...subscriptions.values()].some((s) => s.key === ctx.key && s.eventType === eventType && s.callbackUrl === callbackUrl)
  if (duplicate) return regularError(409, "Conflict", path, "subscription for this event type and callback exists")
  const subscription = ctx.store.insertSubscription(eventType as string, callbackUrl as string, ctx.key)
  if (ctx.checkCallbacks) {
    // lexoffice probes the callback with HEAD; a failure there is a 406 in the real API. Here
    // the probe runs after answering (a synchronous handler cannot await it) and drops the subscription.
    fetch(subscription.callbackUrl, { method: "HEAD", signal: AbortSignal.timeout(5_000) }).catch(() => subscriptions.delete(subscription.subscriptionId))
  }
  const stamp = subscription.createdDate
  return created(ctx, "event-subscriptions", { id: subscription.subscriptionId, version: 0, createdDate: stamp, updatedDate: stamp })
}

const listSubscriptions = (ctx: RouteContext) =>
  new HttpAnswer(200, { content: [...ctx.store.subscriptions.values()].filter((s) => s.key === ctx.key).map((s) => subscriptionView(ctx.store, s)) })

const getSubscription = (ctx: RouteContext, id: string, path: string) => {
  const s = ctx.store.subscriptions.get(id)
  return s === undefined || s.key !== ctx.key ? notFound(path) : new HttpAnswer(200, subscriptionView(ctx.store, s))
}

const deleteSubscription = (ctx: RouteContext, id: string, path: string) => {
  const s = ctx.store.subscriptions.get(id)
  if (s === undefined || s.key !== ctx.key) return notFound(path)
  ctx.store.subscriptions.delete(id)
  return new HttpAnswer(204, undefined)
}
