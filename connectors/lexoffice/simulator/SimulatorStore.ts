import { BigDecimal } from "effect"
import { randomUUID } from "node:crypto"
import { nowStamp } from "./BerlinTime.js"
import { money } from "./Money.js"
import { decimal } from "./Validation.js"
import { computeTotals } from "./VoucherTotals.js"

/**
 * The simulated lexoffice account's state: articles, contacts, sales vouchers with their
 * numbering and links, and event subscriptions. It applies what lexoffice computes on write
 * (derived prices, voucher totals, numbers, versions, stamps) and reports each event through
 * `announce`; it knows nothing of HTTP — the routes decide what is allowed, the store records it.
 */

export type Json = Record<string, unknown>

export interface StoredRecord {
  readonly id: string
  version: number
  readonly createdDate: string
  updatedDate: string
  body: Json
}

export interface StoredContact extends StoredRecord {
  readonly customerNumber: number | undefined
}

export type VoucherKind = "order-confirmations" | "invoices" | "credit-notes"

export interface StoredVoucher extends StoredRecord {
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

export interface Subscription {
  readonly subscriptionId: string
  readonly createdDate: string
  readonly eventType: string
  readonly callbackUrl: string
  /** Fingerprint of the API key that created it: a key sees only its own subscriptions. */
  readonly key: string
}

export const VOUCHER_META: Record<VoucherKind, { prefix: string; listType: string; aliases: ReadonlyArray<string>; event: string; title: string }> = {
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

/** One event for one subscription, as lexoffice sends it. */
export interface AccountEvent {
  readonly organizationId: string
  readonly eventType: string
  readonly resourceId: string
  readonly eventDate: string
}

const ZERO = BigDecimal.fromBigInt(0n)

/** The non-leading price is computed from the leading one and the tax rate, half-up to 2 places. */
const withDerivedPrice = (body: Json): Json => {
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

export class SimulatorStore {
  readonly organizationId = randomUUID()
  readonly articles = new Map<string, StoredRecord>()
  readonly contacts = new Map<string, StoredContact>()
  readonly vouchers = new Map<string, StoredVoucher>()
  readonly subscriptions = new Map<string, Subscription>()
  private readonly counters: Record<string, number> = { AB: 0, RE: 0, GS: 0, customer: 10_000 }

  constructor(private readonly announce: (subscription: Subscription, event: AccountEvent) => void) {}

  /** Tells every subscription to `eventType` that `resourceId` was touched. */
  emit(eventType: string, resourceId: string) {
    for (const s of this.subscriptions.values()) {
      if (s.eventType !== eventType) continue
      this.announce(s, { organizationId: this.organizationId, eventType, resourceId, eventDate: nowStamp() })
    }
  }

  // ---- articles ---------------------------------------------------------------------------

  insertArticle(body: Json, stamp: string = nowStamp()): StoredRecord {
    const stored: StoredRecord = { id: randomUUID(), version: 0, createdDate: stamp, updatedDate: stamp, body: withDerivedPrice(body) }
    this.articles.set(stored.id, stored)
    return stored
  }

  /** A new version of the article from a checked body (the caller has matched the version). */
  replaceArticle(article: StoredRecord, body: Json) {
    article.body = withDerivedPrice(body)
    article.version++
    article.updatedDate = nowStamp()
  }

  /** A bumped version as if another user edited the article in the lexoffice app. */
  touchArticle(article: StoredRecord) {
    article.version++
    article.updatedDate = nowStamp()
  }

  // ---- contacts ---------------------------------------------------------------------------

  insertContact(body: Json): StoredContact {
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

  // ---- sales vouchers ---------------------------------------------------------------------

  /**
   * Stores a checked voucher with the amounts lexoffice computes; a finalized one gets the next
   * number of its kind. `preceding` has been checked to be a valid predecessor.
   */
  insertVoucher(kind: VoucherKind, body: Json, finalize: boolean, preceding: StoredVoucher | undefined): StoredVoucher {
    const gross = (body.taxConditions as Json).taxType === "gross"
    const priced = (body.lineItems as Array<Json>).map((line) => {
      if (line.type === "text") return undefined
      const price = line.unitPrice as Json
      return {
        quantity: decimal(line.quantity)!,
        unitAmount: decimal(gross ? price.grossAmount : price.netAmount)!,
        taxRatePercentage: decimal(price.taxRatePercentage)!,
        discountPercentage: decimal(line.discountPercentage) ?? ZERO,
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
      openAmount: status === "open" ? totals.totalGrossAmount : ZERO,
      precedingId: preceding?.id,
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
        preceding.openAmount = BigDecimal.max(ZERO, BigDecimal.subtract(preceding.openAmount, voucher.totalGross))
        preceding.version++
        preceding.updatedDate = stamp
      }
    }
    return voucher
  }

  // ---- event subscriptions ----------------------------------------------------------------

  insertSubscription(eventType: string, callbackUrl: string, key: string): Subscription {
    const subscription = { subscriptionId: randomUUID(), createdDate: nowStamp(), eventType, callbackUrl, key }
    this.subscriptions.set(subscription.subscriptionId, subscription)
    return subscription
  }
}
