import { Schema } from "effect"
import { Decimal, LexofficeDateTime } from "./Wire.js"

/**
 * Request and response shapes of the lexoffice endpoints Vortex uses (lexoffice-dhl.md part A).
 * Decoding strips unknown properties, so new lexoffice fields never break a sync; amounts are
 * exact decimals; dates keep lexoffice's exact string form.
 */

export const ActionResult = Schema.Struct({
  id: Schema.String,
  resourceUri: Schema.String,
  createdDate: Schema.String,
  updatedDate: Schema.String,
  version: Schema.Int,
})
export type ActionResult = typeof ActionResult.Type

export const SortOrder = Schema.Struct({
  direction: Schema.optional(Schema.String),
  property: Schema.optional(Schema.String),
  ignoreCase: Schema.optional(Schema.Boolean),
  nullHandling: Schema.optional(Schema.String),
  ascending: Schema.optional(Schema.Boolean),
})

/** lexoffice's paging envelope: 0-based `number`, size ≤ 250, a 10 000-result window. */
export const Page = <A, I, R>(item: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    content: Schema.Array(item),
    totalPages: Schema.Int,
    totalElements: Schema.Int,
    last: Schema.Boolean,
    first: Schema.Boolean,
    size: Schema.Int,
    number: Schema.Int,
    numberOfElements: Schema.Int,
    sort: Schema.optional(Schema.Array(SortOrder)),
  })
export interface Page<A> {
  readonly content: ReadonlyArray<A>
  readonly totalPages: number
  readonly totalElements: number
  readonly last: boolean
  readonly first: boolean
  readonly size: number
  readonly number: number
  readonly numberOfElements: number
}

export const MAX_PAGE_SIZE = 250

/** No query pages past its first 10 000 results: "Maximum search window size exceeded" (DOC #Paging of Resources). */
export const SEARCH_WINDOW = 10_000

// ---- articles ----------------------------------------------------------------------------

export const ArticleType = Schema.Literal("PRODUCT", "SERVICE")
export const LeadingPrice = Schema.Literal("NET", "GROSS")

export const ArticlePrice = Schema.Struct({
  netPrice: Schema.optional(Decimal),
  grossPrice: Schema.optional(Decimal),
  leadingPrice: LeadingPrice,
  taxRate: Decimal,
})

export const Article = Schema.Struct({
  id: Schema.String,
  organizationId: Schema.String,
  createdDate: Schema.String,
  updatedDate: Schema.String,
  archived: Schema.Boolean,
  title: Schema.String,
  description: Schema.optional(Schema.String),
  type: ArticleType,
  articleNumber: Schema.optional(Schema.String),
  gtin: Schema.optional(Schema.String),
  note: Schema.optional(Schema.String),
  unitName: Schema.String,
  price: ArticlePrice,
  version: Schema.Int,
})
export type Article = typeof Article.Type

/** Create (version omitted) and full-replacement update (version = the one last read). */
export const ArticleInput = Schema.Struct({
  title: Schema.String,
  description: Schema.optional(Schema.String),
  type: ArticleType,
  articleNumber: Schema.optional(Schema.String),
  gtin: Schema.optional(Schema.String),
  note: Schema.optional(Schema.String),
  unitName: Schema.String,
  price: ArticlePrice,
  version: Schema.optional(Schema.Int),
})
export type ArticleInput = typeof ArticleInput.Type

// ---- contacts ----------------------------------------------------------------------------

export const ContactAddress = Schema.Struct({
  supplement: Schema.optional(Schema.String),
  street: Schema.optional(Schema.String),
  zip: Schema.optional(Schema.String),
  city: Schema.optional(Schema.String),
  countryCode: Schema.String,
})

export const ContactRoles = Schema.Struct({
  customer: Schema.optional(Schema.Struct({ number: Schema.optional(Schema.Int) })),
  vendor: Schema.optional(Schema.Struct({ number: Schema.optional(Schema.Int) })),
})

const EmailList = Schema.optional(Schema.Array(Schema.String))

export const ContactFields = {
  roles: ContactRoles,
  company: Schema.optional(Schema.Struct({ name: Schema.String, taxNumber: Schema.optional(Schema.String), vatRegistrationId: Schema.optional(Schema.String) })),
  person: Schema.optional(Schema.Struct({
    salutation: Schema.optional(Schema.String),
    firstName: Schema.optional(Schema.String),
    lastName: Schema.String,
  })),
  addresses: Schema.optional(Schema.Struct({
    billing: Schema.optional(Schema.Array(ContactAddress)),
    shipping: Schema.optional(Schema.Array(ContactAddress)),
  })),
  emailAddresses: Schema.optional(Schema.Struct({ business: EmailList, office: EmailList, private: EmailList, other: EmailList })),
  note: Schema.optional(Schema.String),
}

export const Contact = Schema.Struct({
  id: Schema.String,
  organizationId: Schema.String,
  version: Schema.Int,
  archived: Schema.optional(Schema.Boolean),
  ...ContactFields,
})
export type Contact = typeof Contact.Type

/** lexoffice requires `version: 0` on create (DOC #Optimistic Locking). */
export const ContactInput = Schema.Struct({ version: Schema.Literal(0), ...ContactFields })
export type ContactInput = typeof ContactInput.Type

// ---- sales vouchers (order confirmations, invoices, credit notes) -------------------------

export const TaxType = Schema.Literal(
  "gross", "net", "vatfree", "intraCommunitySupply", "constructionService13b", "externalService13b",
  "thirdPartyCountryService", "thirdPartyCountryDelivery", "photovoltaicEquipment",
)
export const ShippingType = Schema.Literal("service", "serviceperiod", "delivery", "deliveryperiod", "none")
export const LineItemType = Schema.Literal("custom", "material", "service", "text")
/** "Currently only EUR is supported" (DOC #Order Confirmations). */
export const Currency = Schema.Literal("EUR")

export const UnitPrice = Schema.Struct({
  currency: Currency,
  netAmount: Schema.optional(Decimal),
  grossAmount: Schema.optional(Decimal),
  taxRatePercentage: Decimal,
})

export const LineItemInput = Schema.Struct({
  id: Schema.optional(Schema.String),
  type: LineItemType,
  name: Schema.String,
  description: Schema.optional(Schema.String),
  quantity: Schema.optional(Decimal),
  unitName: Schema.optional(Schema.String),
  unitPrice: Schema.optional(UnitPrice),
  discountPercentage: Schema.optional(Decimal),
})
export type LineItemInput = typeof LineItemInput.Type

export const LineItem = Schema.Struct({
  ...LineItemInput.fields,
  lineItemAmount: Schema.optional(Decimal),
})

export const VoucherAddress = Schema.Struct({
  contactId: Schema.optional(Schema.String),
  name: Schema.optional(Schema.String),
  supplement: Schema.optional(Schema.String),
  street: Schema.optional(Schema.String),
  city: Schema.optional(Schema.String),
  zip: Schema.optional(Schema.String),
  countryCode: Schema.optional(Schema.String),
})

export const TaxConditions = Schema.Struct({
  taxType: TaxType,
  taxSubType: Schema.optional(Schema.Literal("distanceSales", "electronicServices")),
  taxTypeNote: Schema.optional(Schema.String),
})

export const ShippingConditions = Schema.Struct({
  shippingType: ShippingType,
  shippingDate: Schema.optional(LexofficeDateTime),
  shippingEndDate: Schema.optional(LexofficeDateTime),
})

export const PaymentConditions = Schema.Struct({
  paymentTermLabel: Schema.optional(Schema.String),
  paymentTermDuration: Schema.optional(Schema.Int),
})

const VoucherTexts = {
  title: Schema.optional(Schema.String.pipe(Schema.maxLength(25))),
  introduction: Schema.optional(Schema.String.pipe(Schema.maxLength(2000))),
  remark: Schema.optional(Schema.String.pipe(Schema.maxLength(2000))),
  language: Schema.optional(Schema.Literal("de", "en")),
}

export const OrderConfirmationInput = Schema.Struct({
  voucherDate: LexofficeDateTime,
  address: VoucherAddress,
  lineItems: Schema.Array(LineItemInput).pipe(Schema.maxItems(300)),
  totalPrice: Schema.Struct({ currency: Currency }),
  taxConditions: TaxConditions,
  shippingConditions: ShippingConditions,
  paymentConditions: Schema.optional(PaymentConditions),
  deliveryTerms: Schema.optional(Schema.String.pipe(Schema.maxLength(255))),
  ...VoucherTexts,
})
export type OrderConfirmationInput = typeof OrderConfirmationInput.Type

/** Invoices take the same body as order confirmations. */
export const InvoiceInput = OrderConfirmationInput
export type InvoiceInput = OrderConfirmationInput

/** Credit notes: no shipping, payment conditions or line discounts (DOC #Credit Notes). */
export const CreditNoteInput = Schema.Struct({
  voucherDate: LexofficeDateTime,
  address: VoucherAddress,
  lineItems: Schema.Array(LineItemInput).pipe(Schema.maxItems(300)),
  totalPrice: Schema.Struct({ currency: Currency }),
  taxConditions: TaxConditions,
  ...VoucherTexts,
})
export type CreditNoteInput = typeof CreditNoteInput.Type

export const TotalPrice = Schema.Struct({
  currency: Currency,
  totalNetAmount: Decimal,
  totalGrossAmount: Decimal,
  totalTaxAmount: Decimal,
  totalDiscountAbsolute: Schema.optional(Decimal),
  totalDiscountPercentage: Schema.optional(Decimal),
})

export const TaxAmount = Schema.Struct({ taxRatePercentage: Decimal, taxAmount: Decimal, netAmount: Decimal })

export const VoucherStatus = Schema.Literal("draft", "open", "paid", "paidoff", "voided")

export const RelatedVoucher = Schema.Struct({ id: Schema.String, voucherNumber: Schema.String, voucherType: Schema.String })

export const SalesVoucher = Schema.Struct({
  id: Schema.String,
  organizationId: Schema.String,
  createdDate: Schema.String,
  updatedDate: Schema.String,
  version: Schema.Int,
  archived: Schema.Boolean,
  voucherStatus: VoucherStatus,
  voucherNumber: Schema.optional(Schema.String),
  voucherDate: Schema.String,
  address: VoucherAddress,
  lineItems: Schema.Array(LineItem),
  totalPrice: TotalPrice,
  taxAmounts: Schema.Array(TaxAmount),
  taxConditions: TaxConditions,
  shippingConditions: Schema.optional(ShippingConditions),
  relatedVouchers: Schema.optional(Schema.Array(RelatedVoucher)),
  ...VoucherTexts,
})
export type SalesVoucher = typeof SalesVoucher.Type

// ---- voucherlist -----------------------------------------------------------------------------

export const VoucherlistItem = Schema.Struct({
  id: Schema.String,
  voucherType: Schema.String,
  voucherStatus: Schema.String,
  voucherNumber: Schema.optional(Schema.NullOr(Schema.String)),
  voucherDate: Schema.String,
  createdDate: Schema.String,
  updatedDate: Schema.String,
  dueDate: Schema.optional(Schema.NullOr(Schema.String)),
  contactId: Schema.optional(Schema.NullOr(Schema.String)),
  contactName: Schema.optional(Schema.String),
  totalAmount: Decimal,
  openAmount: Schema.optional(Schema.NullOr(Decimal)),
  currency: Currency,
  archived: Schema.Boolean,
})
export type VoucherlistItem = typeof VoucherlistItem.Type

// ---- event subscriptions and callbacks ------------------------------------------------------

export const EventSubscription = Schema.Struct({
  subscriptionId: Schema.String,
  organizationId: Schema.String,
  createdDate: Schema.String,
  eventType: Schema.String,
  callbackUrl: Schema.String,
})
export type EventSubscription = typeof EventSubscription.Type

export const EventSubscriptionList = Schema.Struct({ content: Schema.Array(EventSubscription) })

export const WebhookEvent = Schema.Struct({
  organizationId: Schema.String,
  eventType: Schema.String,
  resourceId: Schema.String,
  eventDate: Schema.String,
})
export type WebhookEvent = typeof WebhookEvent.Type

// ---- error bodies (both formats, DOC #Error Codes) ---------------------------------------------

export const RegularErrorBody = Schema.Struct({
  timestamp: Schema.optional(Schema.String),
  status: Schema.Int,
  error: Schema.optional(Schema.String),
  path: Schema.optional(Schema.String),
  traceId: Schema.optional(Schema.String),
  message: Schema.optional(Schema.NullOr(Schema.String)),
  details: Schema.optional(Schema.Array(Schema.Struct({
    violation: Schema.optional(Schema.String),
    field: Schema.String,
    message: Schema.String,
  }))),
})

export const LegacyErrorBody = Schema.Struct({
  IssueList: Schema.Array(Schema.Struct({
    i18nKey: Schema.String,
    source: Schema.optional(Schema.NullOr(Schema.String)),
    type: Schema.String,
    additionalData: Schema.optional(Schema.Unknown),
    args: Schema.optional(Schema.Unknown),
  })),
})

export const MessageErrorBody = Schema.Struct({ message: Schema.NullOr(Schema.String) })
