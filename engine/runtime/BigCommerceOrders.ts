import { BigDecimal, Effect } from "effect"
import type { BigCommerceApi } from "../../connectors/bigcommerce/BigCommerceClient.js"
import type { Order, OrderProduct, OrderShippingAddress } from "../../connectors/bigcommerce/schemas.js"
import type { ChannelOrder } from "../orders/ChannelOrder.js"

const text = (d: BigDecimal.BigDecimal) => BigDecimal.format(BigDecimal.normalize(d))

/**
 * The VAT rate of a line, from what BigCommerce charged: (inc / ex − 1) × 100, to a whole or
 * half percent. A store that shows no tax (inc = ex) gives no evidence; the connection's
 * configured rate applies then.
 */
const lineTaxRate = (p: OrderProduct, fallback: string): string => {
  const ex = p.price_ex_tax
  if (ex === undefined || BigDecimal.isZero(ex) || BigDecimal.equals(ex, p.price_inc_tax)) return fallback
  const ratio = BigDecimal.unsafeDivide(BigDecimal.subtract(p.price_inc_tax, ex), ex)
  const halves = BigDecimal.round(BigDecimal.multiply(ratio, BigDecimal.fromBigInt(200n)), { scale: 0, mode: "half-from-zero" })
  return text(BigDecimal.unsafeDivide(halves, BigDecimal.fromBigInt(2n)))
}

// Order statuses after which the goods will not ship (GET /v2/order_statuses, channels.md §4):
// 4 Refunded, 5 Cancelled, 6 Declined. Partially Refunded (14) is a return, not a cancellation.
const CANCELLED_STATUS_IDS: ReadonlySet<number> = new Set([4, 5, 6])

type BigCommerceAddress = Pick<OrderShippingAddress, "first_name" | "last_name" | "company" | "street_1" | "street_2" | "zip" | "city" | "country_iso2" | "phone">

const address = (a: BigCommerceAddress) => ({
  name: `${a.first_name} ${a.last_name}`.trim(),
  company: a.company || null,
  street: a.street_1 ?? "",
  street2: a.street_2 || null,
  zip: a.zip || null,
  city: a.city ?? "",
  countryCode: a.country_iso2.toUpperCase(),
  phone: a.phone || null,
})

/**
 * The order's shipping addresses, read only when it has any: BigCommerce keeps them in a
 * sub-resource, and a digital order (`shipping_address_count` 0) has none, so it costs no call.
 * `undefined`: not read.
 */
export const shippingAddressesOf = (channel: BigCommerceApi, order: Order) =>
  (order.shipping_address_count ?? 0) > 0
    ? Effect.map(channel.getOrderShippingAddresses(order.id), (addresses): ReadonlyArray<OrderShippingAddress> | undefined => addresses)
    : Effect.succeed<ReadonlyArray<OrderShippingAddress> | undefined>(undefined)

/**
 * A BigCommerce v2 order and its lines as the canonical channel order: the wire format of one
 * channel turned into the one shape the orders flow and its rules read. The goods go to the
 * first shipping address (the destination decides the tax treatment: domestic, EU distance sale
 * or export); an order without one (digital goods) is delivered to its billing address.
 */
export const channelOrderFromBigCommerce = (
  order: Order,
  products: ReadonlyArray<OrderProduct>,
  options: { readonly defaultTaxRate: string; readonly shippingAddresses?: ReadonlyArray<OrderShippingAddress> | undefined },
): ChannelOrder => {
  const b = order.billing_address
  const billing = address(b)
  const firstShipping = options.shippingAddresses?.[0]
  return {
    id: String(order.id),
    number: String(order.id),
    channel: "bigcommerce",
    status: order.status,
    placedAt: new Date(order.date_created).toISOString(),
    currency: order.currency_code.toUpperCase(),
    customer: { email: b.email || null, name: billing.name, phone: billing.phone },
    billing,
    shipping: firstShipping === undefined ? billing : address(firstShipping),
    lines: products.map((p) => ({
      id: String(p.id),
      sku: p.sku,
      name: p.name,
      quantity: p.quantity,
      unitPriceGross: text(p.price_inc_tax),
      taxRate: lineTaxRate(p, options.defaultTaxRate),
    })),
    shippingGross: text(order.shipping_cost_inc_tax),
    totalGross: text(order.total_inc_tax),
    totalTax: text(order.total_tax),
    paymentMethod: order.payment_method ?? null,
    note: order.customer_message || null,
    ...(CANCELLED_STATUS_IDS.has(order.status_id) ? { cancelled: true } : {}),
  }
}
