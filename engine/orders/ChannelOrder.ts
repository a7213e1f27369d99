import { Schema } from "effect"

/**
 * The canonical channel order (schemas/canonical/channel-order.schema.json) as the orders flow
 * reads it. Every channel connector normalises into this; amounts stay exact decimal strings.
 */
const DecimalText = Schema.String.pipe(Schema.pattern(/^-?\d+(\.\d+)?$/))
const Nullable = <S extends Schema.Schema.Any>(s: S) => Schema.optional(Schema.NullOr(s))

export const OrderAddress = Schema.Struct({
  name: Schema.String,
  company: Nullable(Schema.String),
  street: Schema.String,
  street2: Nullable(Schema.String),
  zip: Nullable(Schema.String),
  city: Schema.String,
  countryCode: Schema.String.pipe(Schema.pattern(/^[A-Z]{2}$/)),
  phone: Nullable(Schema.String),
})

export const OrderLine = Schema.Struct({
  id: Schema.String,
  sku: Schema.String,
  name: Schema.String,
  quantity: Schema.Int.pipe(Schema.positive()),
  unitPriceGross: DecimalText,
  taxRate: DecimalText,
  discountGross: Schema.optional(DecimalText),
})
export type OrderLine = typeof OrderLine.Type

export const ChannelOrder = Schema.Struct({
  id: Schema.String.pipe(Schema.minLength(1)),
  number: Schema.optional(Schema.String),
  channel: Schema.Literal("bigcommerce", "sharafdg", "celro"),
  status: Schema.String,
  placedAt: Schema.String,
  currency: Schema.String.pipe(Schema.pattern(/^[A-Z]{3}$/)),
  customer: Schema.Struct({
    email: Schema.NullOr(Schema.String),
    name: Schema.String,
    phone: Nullable(Schema.String),
  }),
  billing: OrderAddress,
  shipping: OrderAddress,
  lines: Schema.Array(OrderLine).pipe(Schema.minItems(1)),
  shippingGross: DecimalText,
  shippingTaxRate: Schema.optional(DecimalText),
  totalGross: DecimalText,
  totalTax: Schema.optional(DecimalText),
  paymentMethod: Nullable(Schema.String),
  note: Nullable(Schema.String),
  /** The channel cancelled it or refunded it in full: its goods will not ship (the connector decides from its status). */
  cancelled: Schema.optional(Schema.Boolean),
})
export type ChannelOrder = typeof ChannelOrder.Type
