import { BigDecimal } from "effect"
import type { Order, OrderProduct } from "../../connectors/bigcommerce/schemas.js"
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

/**
 * A BigCommerce v2 order and its lines as the canonical channel order: the wire format of one
 * channel turned into the one shape the orders flow and its rules read. BigCommerce keeps
 * shipping addresses in a sub-resource; the billing address stands in for both here.
 */
export const channelOrderFromBigCommerce = (
  order: Order,
  products: ReadonlyArray<OrderProduct>,
  options: { readonly defaultTaxRate: string },
): ChannelOrder => {
  const b = order.billing_address
  const address = {
    name: `${b.first_name} ${b.last_name}`.trim(),
    company: b.company || null,
    street: b.street_1 ?? "",
    street2: b.street_2 || null,
    zip: b.zip || null,
    city: b.city ?? "",
    countryCode: b.country_iso2.toUpperCase(),
    phone: b.phone || null,
  }
  return {
    id: String(order.id),
    number: String(order.id),
    channel: "bigcommerce",
    status: order.status,
    placedAt: new Date(order.date_created).toISOString(),
    currency: order.currency_code.toUpperCase(),
    customer: { email: b.email || null, name: address.name, phone: address.phone },
    billing: address,
    shipping: address,
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
  }
}
