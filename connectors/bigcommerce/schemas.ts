/**
 * The BigCommerce wire shapes Vortex reads, decoded at the boundary. Only the fields Vortex uses
 * are declared; extra fields are ignored. Catalog (v3) money is a JSON number, orders (v2) money a
 * four-place decimal string — both become exact `BigDecimal`s here.
 */
import { Schema } from "effect"

/** A v3 JSON-number amount. Prices have at most four decimals, which `Number` → text keeps exact. */
const Amount = Schema.BigDecimalFromNumber
/** A v2 decimal-string amount such as `"225.0000"`. */
const AmountText = Schema.BigDecimal

export const InventoryTracking = Schema.Literal("none", "product", "variant")

export const Variant = Schema.Struct({
  id: Schema.Int,
  product_id: Schema.Int,
  sku: Schema.String,
  price: Schema.optional(Schema.NullOr(Amount)),
  sale_price: Schema.optional(Schema.NullOr(Amount)),
  inventory_level: Schema.optional(Schema.Int),
  purchasing_disabled: Schema.optional(Schema.Boolean),
})
export type Variant = typeof Variant.Type

export const Product = Schema.Struct({
  id: Schema.Int,
  name: Schema.String,
  sku: Schema.String,
  type: Schema.String,
  price: Amount,
  sale_price: Schema.optional(Amount),
  inventory_level: Schema.optional(Schema.Int),
  inventory_tracking: Schema.optional(InventoryTracking),
  is_visible: Schema.optional(Schema.Boolean),
  base_variant_id: Schema.optional(Schema.NullOr(Schema.Int)),
  date_modified: Schema.optional(Schema.String),
  variants: Schema.optional(Schema.Array(Variant)),
})
export type Product = typeof Product.Type

export const Pagination = Schema.Struct({
  total: Schema.Int,
  count: Schema.Int,
  per_page: Schema.Int,
  current_page: Schema.Int,
  total_pages: Schema.Int,
})

/** A v3 collection: `{ data: [...], meta: { pagination } }`. */
export const Collection = <A, I>(item: Schema.Schema<A, I>) =>
  Schema.Struct({
    data: Schema.Array(item),
    meta: Schema.Struct({ pagination: Schema.optional(Pagination) }),
  })

/** A v3 single object: `{ data: {...}, meta: {} }`. */
export const Single = <A, I>(item: Schema.Schema<A, I>) => Schema.Struct({ data: item })

export const InventoryTransaction = Schema.Struct({ transaction_id: Schema.String })

export const InventoryItem = Schema.Struct({
  identity: Schema.Struct({ sku: Schema.String, variant_id: Schema.Int, product_id: Schema.Int }),
  locations: Schema.Array(Schema.Struct({
    location_id: Schema.Int,
    available_to_sell: Schema.Int,
    total_inventory_onhand: Schema.Int,
  })),
})
export type InventoryItem = typeof InventoryItem.Type

/** What v2 billing and shipping addresses share (orders.v2.oas2.yml billingAddress / shippingAddress_Base). */
const addressFields = {
  first_name: Schema.String,
  last_name: Schema.String,
  company: Schema.optional(Schema.String),
  street_1: Schema.optional(Schema.String),
  street_2: Schema.optional(Schema.String),
  city: Schema.optional(Schema.String),
  zip: Schema.optional(Schema.String),
  phone: Schema.optional(Schema.String),
  country_iso2: Schema.String,
}

export const Order = Schema.Struct({
  id: Schema.Int,
  customer_id: Schema.optional(Schema.Int),
  status_id: Schema.Int,
  status: Schema.String,
  /** RFC 2822, as v2 returns it. */
  date_created: Schema.String,
  date_modified: Schema.String,
  currency_code: Schema.String,
  subtotal_ex_tax: AmountText,
  subtotal_inc_tax: AmountText,
  total_ex_tax: AmountText,
  total_inc_tax: AmountText,
  total_tax: AmountText,
  shipping_cost_inc_tax: AmountText,
  refunded_amount: AmountText,
  billing_address: Schema.Struct({ ...addressFields, email: Schema.String }),
  payment_method: Schema.optional(Schema.String),
  customer_message: Schema.optional(Schema.String),
  /**
   * "The total number of items in the order" (orders.v2.oas2.yml): units, like `items_shipped`,
   * so the sum of the lines' quantities.
   */
  items_total: Schema.optional(Schema.Number),
  /** How many shipping addresses the order has; 0 for a digital order (orders.v2.oas2.yml). */
  shipping_address_count: Schema.optional(Schema.Number),
})
export type Order = typeof Order.Type

/** `GET /v2/orders/{id}/shipping_addresses` items (orderShippingAddress: shippingAddress_Base + ids). */
export const OrderShippingAddress = Schema.Struct({
  id: Schema.Int,
  order_id: Schema.Int,
  ...addressFields,
  state: Schema.optional(Schema.String),
  country: Schema.optional(Schema.String),
  email: Schema.optional(Schema.String),
  shipping_method: Schema.optional(Schema.String),
})
export type OrderShippingAddress = typeof OrderShippingAddress.Type

export const OrderProduct = Schema.Struct({
  id: Schema.Int,
  order_id: Schema.Int,
  product_id: Schema.Int,
  variant_id: Schema.optional(Schema.Int),
  order_address_id: Schema.Int,
  name: Schema.String,
  sku: Schema.String,
  quantity: Schema.Int,
  base_price: AmountText,
  price_ex_tax: Schema.optional(AmountText),
  price_inc_tax: AmountText,
  total_inc_tax: AmountText,
  quantity_shipped: Schema.Int,
  quantity_refunded: Schema.optional(Schema.Int),
})
export type OrderProduct = typeof OrderProduct.Type

export const Shipment = Schema.Struct({
  id: Schema.Int,
  order_id: Schema.Int,
  order_address_id: Schema.Int,
  tracking_number: Schema.String,
  tracking_carrier: Schema.optional(Schema.String),
  tracking_link: Schema.optional(Schema.String),
  generated_tracking_link: Schema.optional(Schema.String),
  items: Schema.Array(Schema.Struct({ order_product_id: Schema.Int, quantity: Schema.Int })),
})
export type Shipment = typeof Shipment.Type

export const Refund = Schema.Struct({
  id: Schema.Int,
  order_id: Schema.Int,
  created: Schema.optional(Schema.String),
  reason: Schema.optional(Schema.String),
  total_amount: Amount,
  items: Schema.Array(Schema.Struct({
    item_type: Schema.String,
    item_id: Schema.Int,
    quantity: Schema.optional(Schema.Int),
    requested_amount: Schema.optional(Schema.NullOr(Amount)),
  })),
})
export type Refund = typeof Refund.Type

export const Hook = Schema.Struct({
  id: Schema.Int,
  scope: Schema.String,
  destination: Schema.String,
  is_active: Schema.Boolean,
  headers: Schema.optional(Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.String }))),
})
export type Hook = typeof Hook.Type

/** The lightweight callback body (webhooks overview): fetch the resource afterwards. */
export const WebhookPayload = Schema.Struct({
  scope: Schema.String,
  store_id: Schema.String,
  data: Schema.Struct({ type: Schema.String, id: Schema.Int }, Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  hash: Schema.String,
  created_at: Schema.Int,
  producer: Schema.String,
})
export type WebhookPayload = typeof WebhookPayload.Type

/** v3 error body; 409/422 add `errors` (field → message). */
export const V3ErrorBody = Schema.Struct({
  status: Schema.Int,
  title: Schema.String,
  type: Schema.optional(Schema.String),
  errors: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
})

/** v2 error body: an array of `{status, message}`. */
export const V2ErrorBody = Schema.Array(Schema.Struct({ status: Schema.Int, message: Schema.String, details: Schema.optional(Schema.Unknown) }))
