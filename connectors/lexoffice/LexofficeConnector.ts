import { Context, Effect, Layer, Option, Stream } from "effect"
import { type Capability, connectors } from "../capabilities.js"
import type { LexofficeBadResponse, LexofficeError, LexofficeInvalidRequest, WebhookSignatureInvalid } from "./errors.js"
import { type LexofficeApi, LexofficeClient, type PdfFile, type VoucherCreateOptions } from "./LexofficeClient.js"
import type { ActionResult, Article, CreditNoteInput, OrderConfirmationInput, SalesVoucher, WebhookEvent } from "./schemas.js"

/**
 * lexoffice as a connector: the capabilities it declares in connectors/capabilities.ts, each
 * implemented as an Effect service over the wire client. Payloads are lexoffice's own (decoded,
 * exact decimals); mapping to and from the canonical model is the pipeline rules' job.
 */
export const lexofficeInfo = connectors.lexoffice!

type Failure = LexofficeError | LexofficeBadResponse | LexofficeInvalidRequest

/** catalog-source: articles are the catalog (no stock field exists). */
export class LexofficeCatalogSource extends Context.Tag("connectors/lexoffice/CatalogSource")<LexofficeCatalogSource, {
  readonly articles: Stream.Stream<Article, Failure>
  readonly article: (id: string) => Effect.Effect<Article, Failure>
}>() {}

/**
 * order-target: one order confirmation per channel order. lexoffice has no idempotency key, so
 * every create carries a marker (in `remark`) and `findByMarker` is the look-up ARCHITECTURE.md §6 step 4
 * runs after an unknown outcome: voucherlist for the contact and day, then GET each candidate.
 */
export class LexofficeOrderTarget extends Context.Tag("connectors/lexoffice/OrderTarget")<LexofficeOrderTarget, {
  readonly create: (input: OrderConfirmationInput, options?: VoucherCreateOptions) => Effect.Effect<ActionResult, Failure>
  readonly findByMarker: (query: {
    readonly marker: string
    readonly contactId?: string
    /** First CET/CEST day (`yyyy-MM-dd`) the voucher may have been created on. */
    readonly createdFrom: string
  }) => Effect.Effect<Option.Option<string>, Failure>
}>() {}

/** invoice-source: the invoice lexoffice produced, and its PDF for the channel. */
export class LexofficeInvoiceSource extends Context.Tag("connectors/lexoffice/InvoiceSource")<LexofficeInvoiceSource, {
  readonly invoice: (id: string) => Effect.Effect<SalesVoucher, Failure>
  readonly pdf: (id: string) => Effect.Effect<PdfFile, Failure>
}>() {}

/** credit-note-target: returns and refunds become a credit note linked to the invoice (one per invoice). */
export class LexofficeCreditNoteTarget extends Context.Tag("connectors/lexoffice/CreditNoteTarget")<LexofficeCreditNoteTarget, {
  readonly create: (input: CreditNoteInput, invoiceId: string, finalize: boolean) => Effect.Effect<ActionResult, Failure>
}>() {}

/** webhook-source: subscriptions and signature-checked intake. */
export class LexofficeWebhookSource extends Context.Tag("connectors/lexoffice/WebhookSource")<LexofficeWebhookSource, {
  /** Subscribes each event type once; an existing identical subscription (409) counts as done. */
  readonly subscribe: (eventTypes: ReadonlyArray<string>, callbackUrl: string) => Effect.Effect<void, Failure>
  readonly verify: (rawBody: Uint8Array, signature: string | undefined) => Effect.Effect<WebhookEvent, WebhookSignatureInvalid>
}>() {}

const MARKER_FIELDS = ["remark", "introduction"] as const

const findByMarker = (client: LexofficeApi) =>
  (query: { readonly marker: string; readonly contactId?: string; readonly createdFrom: string }) =>
    Effect.gen(function* () {
      for (let page = 0; ; page++) {
        const candidates = yield* client.queryVoucherlist({
          voucherType: "orderconfirmation",
          voucherStatus: "any",
          createdDateFrom: query.createdFrom,
          ...(query.contactId === undefined ? {} : { contactId: query.contactId }),
        }, { page })
        for (const candidate of candidates.content) {
          const voucher = yield* client.getOrderConfirmation(candidate.id)
          if (MARKER_FIELDS.some((field) => voucher[field]?.includes(query.marker) === true)) return Option.some(voucher.id)
        }
        if (candidates.last || candidates.content.length === 0) return Option.none<string>()
      }
    }).pipe(Effect.withSpan("LexofficeOrderTarget.findByMarker"))

/** Which capabilities have an implementation here (checked against the declaration in tests). */
export const implementedCapabilities = [
  "catalog-source", "order-target", "invoice-source", "credit-note-target", "webhook-source",
] as const satisfies ReadonlyArray<Capability>

/** The capability services, implemented; keyed by capability name so none can be forgotten. */
const implementations = (client: LexofficeApi) => ({
  "catalog-source": Layer.succeed(LexofficeCatalogSource, { articles: client.streamArticles(), article: client.getArticle }),
  "order-target": Layer.succeed(LexofficeOrderTarget, { create: client.createOrderConfirmation, findByMarker: findByMarker(client) }),
  "invoice-source": Layer.succeed(LexofficeInvoiceSource, { invoice: client.getInvoice, pdf: client.downloadInvoicePdf }),
  "credit-note-target": Layer.succeed(LexofficeCreditNoteTarget, {
    create: (input, invoiceId, finalize) => client.createCreditNote(input, { precedingSalesVoucherId: invoiceId, finalize }),
  }),
  "webhook-source": Layer.succeed(LexofficeWebhookSource, {
    subscribe: (eventTypes, callbackUrl) =>
      Effect.forEach(eventTypes, (eventType) =>
        client.createEventSubscription(eventType, callbackUrl).pipe(
          Effect.asVoid,
          Effect.catchTag("LexofficeConflict", () => Effect.void),
        ), { discard: true }),
    verify: client.verifyWebhook,
  }),
}) satisfies Record<(typeof implementedCapabilities)[number], unknown>

/** Every lexoffice capability service, built on the LexofficeClient in context. */
export const LexofficeCapabilities = Layer.unwrapEffect(
  Effect.map(LexofficeClient, (client) => {
    const all = implementations(client)
    return Layer.mergeAll(all["catalog-source"], all["order-target"], all["invoice-source"], all["credit-note-target"], all["webhook-source"])
  }),
)
