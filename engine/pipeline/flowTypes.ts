import channelListing from "../../schemas/canonical/channel-listing.schema.json" with { type: "json" }
import channelOrderDocument from "../../schemas/canonical/channel-order-document.schema.json" with { type: "json" }
import channelOrder from "../../schemas/canonical/channel-order.schema.json" with { type: "json" }
import channelReturn from "../../schemas/canonical/channel-return.schema.json" with { type: "json" }
import channelTracking from "../../schemas/canonical/channel-tracking.schema.json" with { type: "json" }
import courierShipment from "../../schemas/canonical/courier-shipment.schema.json" with { type: "json" }
import lexofficeArticle from "../../schemas/canonical/lexoffice-article.schema.json" with { type: "json" }
import lexofficeCreditNote from "../../schemas/canonical/lexoffice-credit-note.schema.json" with { type: "json" }
import lexofficeInvoice from "../../schemas/canonical/lexoffice-invoice.schema.json" with { type: "json" }
import lexofficeOrderConfirmation from "../../schemas/canonical/lexoffice-order-confirmation.schema.json" with { type: "json" }
import stockLevel from "../../schemas/canonical/stock-level.schema.json" with { type: "json" }
import stockUpdate from "../../schemas/canonical/stock-update.schema.json" with { type: "json" }

/**
 * The record types of each flow, as data, for the DSL type checker: what `src` is, what the
 * map must produce, and which other variables an expression may use. Types are JSON Schema
 * (2020-12) with the `x-vortex-type` annotation marking exact decimals, money, percentages and
 * dates (see schemas/canonical/README.md).
 */
export type JsonSchema = { readonly [keyword: string]: unknown }

export const flowNames = ["catalog", "stock", "orders", "invoices", "tracking", "returns"] as const
export type FlowName = (typeof flowNames)[number]

export const isFlowName = (name: string): name is FlowName => (flowNames as ReadonlyArray<string>).includes(name)

export interface FlowType {
  readonly flow: FlowName
  /** What the flow reads: bound to `src` (the stock flow binds its fields directly instead). */
  readonly source: JsonSchema
  /** What the flow's `map` must produce. */
  readonly target: JsonSchema
  /** Every variable in scope of this flow's expressions (`when`, `map`, `buffer`), with its type. */
  readonly variables: Readonly<Record<string, JsonSchema>>
  /** Variables added in `refuse` rules: `out`, the mapped target record. */
  readonly refuseVariables: Readonly<Record<string, JsonSchema>>
}

const today: JsonSchema = {
  type: "string",
  format: "date",
  "x-vortex-type": "date",
  description: "Business date of the sync run (Europe/Berlin), fixed for the whole run; tests set it with `given.today`.",
}

/**
 * Only in scope when the flow sets `contact: find-or-create` (vortex validate reports a use of
 * `contact` otherwise): the engine resolves the contact before mapping, so the id is never null.
 */
const contact: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id"],
  description: "The lexoffice contact Vortex found or created for the buyer (by e-mail).",
  properties: { id: { type: "string", format: "uuid", description: "lexoffice contact id." } },
}

/**
 * The tax treatment Vortex decided for a sales order or return from where the goods go
 * (engine/orders/TaxTreatment.ts): map `taxConditions` and the line rates from it, so a
 * web-shop order to Austria becomes an OSS distance sale and one to Switzerland a tax-free
 * export, without a rule per country. The order protocol refuses a mapping that disagrees.
 */
const tax: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["destination", "taxType", "taxSubType", "zeroRated", "vatCountry"],
  description: "Tax conditions by destination, decided before mapping.",
  properties: {
    destination: { type: "string", enum: ["domestic", "eu-distance-sale", "third-country"], description: "Where the goods go, seen from the merchant's country." },
    taxType: { type: "string", enum: ["gross", "net", "thirdPartyCountryDelivery"], description: "lexoffice taxConditions.taxType to use." },
    taxSubType: { type: ["string", "null"], enum: ["distanceSales", null], description: "lexoffice taxConditions.taxSubType: distanceSales for an OSS sale, else null." },
    zeroRated: { type: "boolean", description: "Every line must carry taxRatePercentage 0 (tax-free export)." },
    vatCountry: { type: ["string", "null"], description: "Whose VAT rates the lines carry (ISO 3166-1 alpha-2); null for a tax-free export." },
  },
}

const int = (description: string): JsonSchema => ({ type: "integer", description })

const flow = (
  name: FlowName,
  source: JsonSchema,
  target: JsonSchema,
  extra: Readonly<Record<string, JsonSchema>> = {},
): FlowType => ({
  flow: name,
  source,
  target,
  variables: { src: source, today, ...extra },
  refuseVariables: { out: target },
})

export const flowTypes: Readonly<Record<FlowName, FlowType>> = {
  catalog: flow("catalog", lexofficeArticle, channelListing),
  stock: {
    flow: "stock",
    source: stockLevel,
    target: stockUpdate,
    // the buffer rule reads the ledger row's fields by name: `max(1, round(available * 5%, 0, mode: ceil))`
    variables: {
      sku: { type: "string", description: "SKU being published." },
      available: int("onHand − reserved: units that can still be sold."),
      onHand: int("Units physically in stock."),
      reserved: int("Units promised to accepted, unshipped orders."),
      today,
    },
    refuseVariables: {},
  },
  orders: flow("orders", channelOrder, lexofficeOrderConfirmation, { contact, tax }),
  invoices: flow("invoices", lexofficeInvoice, channelOrderDocument),
  tracking: flow("tracking", courierShipment, channelTracking),
  returns: flow("returns", channelReturn, lexofficeCreditNote, { contact, tax }),
}

/** Default name of the element variable inside a `for` list mapping. */
export const defaultItemName = "item"
