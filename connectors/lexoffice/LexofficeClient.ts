import type { HttpClient } from "@effect/platform"
import { Chunk, Context, Effect, Either, Layer, Option, ParseResult, Schema, Stream } from "effect"
import type { KeyObject } from "node:crypto"
import {
  type ConnectorHttp,
  type ConnectorRequest,
  credentialFingerprint,
  type HttpMethod,
  makeConnectorHttp,
  type RateLimit,
  RateLimiters,
  responseText,
  type RetryPolicy,
} from "../http/index.js"
import { fromHttpFailure, LexofficeBadResponse, type LexofficeError, LexofficeInvalidRequest, WebhookSignatureInvalid } from "./errors.js"
import {
  ActionResult,
  Article,
  type ArticleInput,
  ArticleInput as ArticleInputSchema,
  Contact,
  type ContactInput,
  ContactInput as ContactInputSchema,
  type CreditNoteInput,
  CreditNoteInput as CreditNoteInputSchema,
  EventSubscription,
  EventSubscriptionList,
  type InvoiceInput,
  InvoiceInput as InvoiceInputSchema,
  MAX_PAGE_SIZE,
  type OrderConfirmationInput,
  OrderConfirmationInput as OrderConfirmationInputSchema,
  Page,
  SalesVoucher,
  VoucherlistItem,
  type WebhookEvent,
} from "./schemas.js"
import { loadPublicKey, verifyWebhook } from "./WebhookSignature.js"
import { htmlEncode, parseJson } from "./Wire.js"

export const LEXOFFICE_BASE_URL = "https://api.lexware.io"

/**
 * 2 req/s per key across all endpoints (DOC #API Rate Limits), which lexoffice enforces with a
 * token bucket that answers 429. lexoffice warns that pacing at exactly the limit draws 429s, so
 * we use the jitter-proof sliding window (at most 2 requests in any 1 s as the server can see
 * them; the latency of each exchange is already a buffer) plus 10 ms for clock granularity on its side.
 */
export const lexofficeRateLimit: RateLimit = { _tag: "SlidingWindow", limit: 2, windowMs: 1000, marginMs: 10 }

export interface LexofficeConfig {
  readonly accessToken: string
  readonly baseUrl?: string
  readonly rateLimit?: RateLimit
  readonly retry?: RetryPolicy
  /** lexoffice's gateway gives up at 30 s with a 504; waiting a little longer lets us see that answer. */
  readonly timeoutMs?: number
  /** PEM of the key that signs `X-Lxo-Signature`; required only for `verifyWebhook`. */
  readonly webhookPublicKey?: string
}

export interface PdfFile {
  readonly bytes: Uint8Array
  readonly contentType: string
  readonly filename: string | undefined
}

export interface ArticleFilter {
  readonly articleNumber?: string
  readonly gtin?: string
  readonly type?: "PRODUCT" | "SERVICE"
}

export interface ContactFilter {
  readonly email?: string
  /** At least 3 characters; substring match, `_` and `%` are wildcards. */
  readonly name?: string
  readonly number?: number
  readonly customer?: boolean
  readonly vendor?: boolean
}

export interface VoucherlistQuery {
  /** Comma list or "any", e.g. "orderconfirmation". */
  readonly voucherType: string
  readonly voucherStatus: string
  readonly archived?: boolean
  readonly contactId?: string
  /** Whole days, `yyyy-MM-dd` (CET/CEST). */
  readonly voucherDateFrom?: string
  readonly voucherDateTo?: string
  readonly createdDateFrom?: string
  readonly createdDateTo?: string
  readonly updatedDateFrom?: string
  readonly updatedDateTo?: string
  readonly voucherNumber?: string
  /** e.g. "voucherDate,DESC" */
  readonly sort?: string
}

export interface PageRequest {
  readonly page?: number
  readonly size?: number
}

export interface VoucherCreateOptions {
  readonly finalize?: boolean
  readonly precedingSalesVoucherId?: string
}

type Result<A> = Effect.Effect<A, LexofficeError | LexofficeBadResponse | LexofficeInvalidRequest>

export interface LexofficeApi {
  readonly listArticles: (filter?: ArticleFilter, page?: PageRequest) => Result<Page<Article>>
  /** Every article matching the filter, page by page (250 per request). */
  readonly streamArticles: (filter?: ArticleFilter) => Stream.Stream<Article, LexofficeError | LexofficeBadResponse | LexofficeInvalidRequest>
  readonly getArticle: (id: string) => Result<Article>
  readonly createArticle: (input: ArticleInput) => Result<ActionResult>
  /** Full replacement; `input.version` must be the version last read, else LexofficeConflict. */
  readonly updateArticle: (id: string, input: ArticleInput) => Result<ActionResult>

  readonly findContacts: (filter: ContactFilter, page?: PageRequest) => Result<Page<Contact>>
  readonly getContact: (id: string) => Result<Contact>
  readonly createContact: (input: ContactInput) => Result<ActionResult>

  readonly createOrderConfirmation: (input: OrderConfirmationInput, options?: VoucherCreateOptions) => Result<ActionResult>
  readonly getOrderConfirmation: (id: string) => Result<SalesVoucher>
  readonly downloadOrderConfirmationPdf: (id: string) => Result<PdfFile>

  readonly queryVoucherlist: (query: VoucherlistQuery, page?: PageRequest) => Result<Page<VoucherlistItem>>

  readonly createInvoice: (input: InvoiceInput, options?: VoucherCreateOptions) => Result<ActionResult>
  readonly getInvoice: (id: string) => Result<SalesVoucher>
  readonly downloadInvoicePdf: (id: string) => Result<PdfFile>

  readonly createCreditNote: (input: CreditNoteInput, options?: VoucherCreateOptions) => Result<ActionResult>
  readonly getCreditNote: (id: string) => Result<SalesVoucher>
  readonly downloadCreditNotePdf: (id: string) => Result<PdfFile>

  readonly createEventSubscription: (eventType: string, callbackUrl: string) => Result<ActionResult>
  readonly listEventSubscriptions: () => Result<ReadonlyArray<EventSubscription>>
  readonly getEventSubscription: (id: string) => Result<EventSubscription>
  readonly deleteEventSubscription: (id: string) => Result<void>

  /** Checks `X-Lxo-Signature` over the raw body and decodes the event. */
  readonly verifyWebhook: (rawBody: Uint8Array, signature: string | undefined) => Effect.Effect<WebhookEvent, WebhookSignatureInvalid>
}

export class LexofficeClient extends Context.Tag("connectors/lexoffice/LexofficeClient")<LexofficeClient, LexofficeApi>() {
  static readonly layer = (config: LexofficeConfig): Layer.Layer<LexofficeClient, never, HttpClient.HttpClient | RateLimiters> =>
    Layer.effect(LexofficeClient, makeLexofficeClient(config))
}

const ArticlePage = Page(Article)
const ContactPage = Page(Contact)
const VoucherlistPage = Page(VoucherlistItem)

const clampSize = (size: number | undefined) => Math.min(MAX_PAGE_SIZE, Math.max(1, size ?? MAX_PAGE_SIZE))

export const makeLexofficeClient = (
  config: LexofficeConfig,
): Effect.Effect<LexofficeApi, never, HttpClient.HttpClient | RateLimiters> =>
  Effect.gen(function* () {
    const http: ConnectorHttp = yield* makeConnectorHttp({
      connector: "lexoffice",
      baseUrl: config.baseUrl ?? LEXOFFICE_BASE_URL,
      credentialId: credentialFingerprint(config.accessToken),
      headers: { Authorization: `Bearer ${config.accessToken}` },
      secrets: [config.accessToken],
      rateLimit: config.rateLimit ?? lexofficeRateLimit,
      ...(config.retry === undefined ? {} : { retry: config.retry }),
      timeoutMs: config.timeoutMs ?? 35_000,
    })
    const publicKey: Option.Option<KeyObject> = config.webhookPublicKey === undefined
      ? Option.none()
      : Either.getRight(loadPublicKey(config.webhookPublicKey))

    const send = (operation: string, request: ConnectorRequest) =>
      http.send(request).pipe(Effect.mapError((failure) => fromHttpFailure(operation, failure)))

    /** Sends, then decodes the JSON answer with `schema` (amounts become exact decimals here). */
    const call = <A, I>(operation: string, schema: Schema.Schema<A, I>, request: ConnectorRequest): Result<A> =>
      Effect.gen(function* () {
        const response = yield* send(operation, request)
        const outcome = request.method === "POST" ? "unknown-outcome" as const : "permanent" as const
        const json = parseJson(responseText(response))
        if (Either.isLeft(json)) return yield* new LexofficeBadResponse({ operation, message: `not JSON: ${json.left}`, outcome })
        return yield* Schema.decodeUnknown(schema)(json.right).pipe(
          Effect.mapError((e) => new LexofficeBadResponse({ operation, message: ParseResult.TreeFormatter.formatErrorSync(e), outcome })),
        )
      }).pipe(Effect.withSpan(`LexofficeClient.${operation}`))

    /** Encodes a request body through its schema: decimals become JSON numbers only at this edge. */
    const body = <A, I>(operation: string, schema: Schema.Schema<A, I>, value: A) =>
      Schema.encode(schema)(value).pipe(
        Effect.mapError((e) => new LexofficeInvalidRequest({ operation, message: ParseResult.TreeFormatter.formatErrorSync(e), outcome: "permanent" })),
      )

    const get = (path: string, query?: ConnectorRequest["query"]) => ({ method: "GET" as HttpMethod, path, ...(query ? { query } : {}) })

    const listArticles = (filter: ArticleFilter = {}, page: PageRequest = {}) =>
      call("listArticles", ArticlePage, get("/v1/articles", { ...filter, page: page.page ?? 0, size: clampSize(page.size) }))

    const streamArticles = (filter: ArticleFilter = {}): Stream.Stream<Article, LexofficeError | LexofficeBadResponse | LexofficeInvalidRequest> =>
      Stream.paginateChunkEffect(0, (page: number) =>
        listArticles(filter, { page, size: MAX_PAGE_SIZE }).pipe(
          Effect.map((result) => [
            Chunk.fromIterable(result.content),
            result.last || result.content.length === 0 ? Option.none<number>() : Option.some(page + 1),
          ] as const),
        ))

    const voucherFile = (kind: string, operation: string) => (id: string): Result<PdfFile> =>
      send(operation, { method: "GET", path: `/v1/${kind}/${encodeURIComponent(id)}/file`, accept: "application/pdf" }).pipe(
        Effect.map((response) => ({
          bytes: response.body,
          contentType: response.headers["content-type"] ?? "application/pdf",
          filename: /filename="?([^";]+)"?/.exec(response.headers["content-disposition"] ?? "")?.[1],
        })),
        Effect.withSpan(`LexofficeClient.${operation}`),
      )

    const createVoucher = <A, I>(kind: string, operation: string, schema: Schema.Schema<A, I>) =>
      (input: A, options: VoucherCreateOptions = {}): Result<ActionResult> =>
        Effect.gen(function* () {
          const json = yield* body(operation, schema, input)
          return yield* call(operation, ActionResult, {
            method: "POST",
            path: `/v1/${kind}`,
            query: {
              finalize: options.finalize === true ? true : undefined,
              precedingSalesVoucherId: options.precedingSalesVoucherId,
            },
            json,
          })
        })

    const encodeContactFilter = (filter: ContactFilter) => ({
      email: filter.email === undefined ? undefined : htmlEncode(filter.email),
      name: filter.name === undefined ? undefined : htmlEncode(filter.name),
      number: filter.number,
      customer: filter.customer,
      vendor: filter.vendor,
    })

    const api: LexofficeApi = {
      listArticles,
      streamArticles,
      getArticle: (id) => call("getArticle", Article, get(`/v1/articles/${encodeURIComponent(id)}`)),
      createArticle: (input) =>
        Effect.flatMap(body("createArticle", ArticleInputSchema, input), (json) =>
          call("createArticle", ActionResult, { method: "POST", path: "/v1/articles", json })),
      updateArticle: (id, input) =>
        Effect.flatMap(body("updateArticle", ArticleInputSchema, input), (json) =>
          call("updateArticle", ActionResult, { method: "PUT", path: `/v1/articles/${encodeURIComponent(id)}`, json })),

      findContacts: (filter, page = {}) =>
        call("findContacts", ContactPage, get("/v1/contacts", { ...encodeContactFilter(filter), page: page.page ?? 0, size: clampSize(page.size) })),
      getContact: (id) => call("getContact", Contact, get(`/v1/contacts/${encodeURIComponent(id)}`)),
      createContact: (input) =>
        Effect.flatMap(body("createContact", ContactInputSchema, input), (json) =>
          call("createContact", ActionResult, { method: "POST", path: "/v1/contacts", json })),

      createOrderConfirmation: createVoucher("order-confirmations", "createOrderConfirmation", OrderConfirmationInputSchema),
      getOrderConfirmation: (id) => call("getOrderConfirmation", SalesVoucher, get(`/v1/order-confirmations/${encodeURIComponent(id)}`)),
      downloadOrderConfirmationPdf: voucherFile("order-confirmations", "downloadOrderConfirmationPdf"),

      queryVoucherlist: (query, page = {}) =>
        call("queryVoucherlist", VoucherlistPage, get("/v1/voucherlist", { ...query, page: page.page ?? 0, size: clampSize(page.size) })),

      createInvoice: createVoucher("invoices", "createInvoice", InvoiceInputSchema),
      getInvoice: (id) => call("getInvoice", SalesVoucher, get(`/v1/invoices/${encodeURIComponent(id)}`)),
      downloadInvoicePdf: voucherFile("invoices", "downloadInvoicePdf"),

      createCreditNote: createVoucher("credit-notes", "createCreditNote", CreditNoteInputSchema),
      getCreditNote: (id) => call("getCreditNote", SalesVoucher, get(`/v1/credit-notes/${encodeURIComponent(id)}`)),
      downloadCreditNotePdf: voucherFile("credit-notes", "downloadCreditNotePdf"),

      createEventSubscription: (eventType, callbackUrl) =>
        call("createEventSubscription", ActionResult, { method: "POST", path: "/v1/event-subscriptions", json: { eventType, callbackUrl } }),
      listEventSubscriptions: () =>
        call("listEventSubscriptions", EventSubscriptionList, get("/v1/event-subscriptions")).pipe(Effect.map((list) => list.content)),
      getEventSubscription: (id) => call("getEventSubscription", EventSubscription, get(`/v1/event-subscriptions/${encodeURIComponent(id)}`)),
      deleteEventSubscription: (id) =>
        send("deleteEventSubscription", { method: "DELETE", path: `/v1/event-subscriptions/${encodeURIComponent(id)}` }).pipe(Effect.asVoid),

      verifyWebhook: (rawBody, signature) =>
        Option.match(publicKey, {
          onNone: () => Effect.fail(new WebhookSignatureInvalid({ reason: "no usable lexoffice public key configured" })),
          onSome: (key) => verifyWebhook(key, rawBody, signature),
        }),
    }
    return api
  })
