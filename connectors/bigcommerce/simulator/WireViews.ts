/**
 * How the simulated store's records look on the wire: v3 catalog objects with JSON-number prices,
 * v2 orders with RFC-2822 dates and four-place decimal strings, v3 `{data, meta}` envelopes.
 */
import { formatMoney4, money4ToJsonNumber } from "./Money4.js"
import { statusName, type Order, type OrderLine, type Product, type Refund, type Shipment, type ShippingAddress, type SimulatorStore, type Variant } from "./SimulatorStore.js"
import type { Hook } from "./WebhookDispatcher.js"

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "+00:00")
/** v2 dates are RFC 2822, e.g. `Tue, 05 Mar 2019 21:40:11 +0000`. */
const rfc2822 = (d: Date) => d.toUTCString().replace("GMT", "+0000")

export const productView = (store: SimulatorStore, p: Product, include: ReadonlySet<string>) => ({
  id: p.id,
  name: p.name,
  type: p.type,
  sku: p.sku,
  description: p.description,
  weight: p.weight,
  price: money4ToJsonNumber(p.price),
  tax_class_id: p.tax_class_id,
  sale_price: money4ToJsonNumber(p.sale_price),
  calculated_price: money4ToJsonNumber(p.sale_price > 0n ? p.sale_price : p.price),
  categories: p.categories,
  inventory_level: store.productLevel(p),
  inventory_warning_level: p.inventory_warning_level,
  inventory_tracking: p.inventory_tracking,
  is_visible: p.is_visible,
  availability: p.availability,
  // The spec types it as a plain integer; a product with options has none, so it is left out.
  ...(p.base_variant_id !== null ? { base_variant_id: p.base_variant_id } : {}),
  date_created: iso(p.date_created),
  date_modified: iso(p.date_modified),
  ...(include.has("variants") ? { variants: p.variantIds.map((id) => variantView(store, store.variants.get(id)!)) } : {}),
})

export const variantView = (store: SimulatorStore, v: Variant) => {
  const p = store.products.get(v.product_id)!
  return {
    id: v.id,
    product_id: v.product_id,
    sku: v.sku,
    price: v.price === null ? null : money4ToJsonNumber(v.price),
    sale_price: v.sale_price === null ? null : money4ToJsonNumber(v.sale_price),
    calculated_price: money4ToJsonNumber(v.sale_price ?? v.price ?? p.price),
    purchasing_disabled: v.purchasing_disabled,
    inventory_level: store.level(v.id),
    option_values: v.option_values,
  }
}

export const paginationMeta = (total: number, page: number, limit: number, count: number) => {
  const totalPages = Math.max(1, Math.ceil(total / limit))
  return {
    pagination: {
      total,
      count,
      per_page: limit,
      current_page: page,
      total_pages: totalPages,
      links: {
        ...(page > 1 ? { previous: `?page=${page - 1}&limit=${limit}` } : {}),
        current: `?page=${page}&limit=${limit}`,
        ...(page < totalPages ? { next: `?page=${page + 1}&limit=${limit}` } : {}),
      },
    },
  }
}

export const orderView = (store: SimulatorStore, o: Order, baseUrl: string) => {
  const subtotal = o.lines.reduce((s, l) => s + l.base_price * BigInt(l.quantity), 0n)
  const total = store.orderTotal(o)
  const refunded = o.refunds.reduce((s, r) => s + r.total_amount, 0n)
  const link = (name: string) => ({ url: `${baseUrl}/v2/orders/${o.id}/${name}`, resource: `/orders/${o.id}/${name}` })
  return {
    id: o.id,
    customer_id: o.customer_id,
    date_created: rfc2822(o.date_created),
    date_modified: rfc2822(o.date_modified),
    date_shipped: o.shipments.length > 0 ? rfc2822(o.shipments[o.shipments.length - 1]!.date_created) : "",
    status_id: o.status_id,
    status: statusName(o.status_id),
    custom_status: statusName(o.status_id),
    // Tax-free store in the simulator: ex and inc tax agree.
    subtotal_ex_tax: formatMoney4(subtotal),
    subtotal_inc_tax: formatMoney4(subtotal),
    subtotal_tax: "0.0000",
    base_shipping_cost: formatMoney4(o.shipping_cost),
    shipping_cost_ex_tax: formatMoney4(o.shipping_cost),
    shipping_cost_inc_tax: formatMoney4(o.shipping_cost),
    shipping_cost_tax: "0.0000",
    total_ex_tax: formatMoney4(total),
    total_inc_tax: formatMoney4(total),
    total_tax: "0.0000",
    items_total: o.lines.reduce((s, l) => s + l.quantity, 0),
    items_shipped: o.lines.reduce((s, l) => s + l.quantity_shipped, 0),
    payment_method: "Manual",
    payment_status: "captured",
    refunded_amount: formatMoney4(refunded),
    currency_code: o.currency_code,
    currency_exchange_rate: "1.0000000000",
    default_currency_code: o.currency_code,
    is_tax_inclusive_pricing: false,
    discount_amount: "0.0000",
    coupon_discount: "0.0000",
    shipping_address_count: o.shipping_addresses.length,
    billing_address: o.billing_address,
    order_source: "external",
    channel_id: 1,
    external_source: null,
    external_id: null,
    external_order_id: "",
    customer_message: "",
    staff_notes: "",
    products: link("products"),
    shipping_addresses: link("shipping_addresses"),
    coupons: link("coupons"),
  }
}

/**
 * `GET /v2/orders/{id}/shipping_addresses` items (orderShippingAddress): the address, what ships
 * to it and its share of shipping. The simulated store charges the order's whole shipping to its
 * first address and no tax.
 */
export const shippingAddressView = (o: Order, a: ShippingAddress, baseUrl: string) => {
  const lines = o.lines.filter((l) => l.order_address_id === a.id)
  const cost = formatMoney4(a.id === o.shipping_address_id ? o.shipping_cost : 0n)
  const quotes = `/orders/${o.id}/shipping_addresses/${a.id}/shipping_quotes`
  return {
    id: a.id,
    order_id: o.id,
    ...a.fields,
    items_total: lines.reduce((n, l) => n + l.quantity, 0),
    items_shipped: lines.reduce((n, l) => n + l.quantity_shipped, 0),
    shipping_method: a.shipping_method,
    base_cost: cost,
    cost_ex_tax: cost,
    cost_inc_tax: cost,
    cost_tax: "0.0000",
    cost_tax_class_id: 0,
    base_handling_cost: "0.0000",
    handling_cost_ex_tax: "0.0000",
    handling_cost_inc_tax: "0.0000",
    handling_cost_tax: "0.0000",
    handling_cost_tax_class_id: 0,
    shipping_zone_id: 1,
    shipping_zone_name: a.fields["country"] || "Default zone",
    shipping_quotes: { url: `${baseUrl}/v2${quotes}`, resource: quotes },
    form_fields: [],
  }
}

export const orderLineView = (o: Order, l: OrderLine) => ({
  id: l.id,
  order_id: o.id,
  product_id: l.product_id,
  variant_id: l.variant_id,
  order_address_id: l.order_address_id,
  name: l.name,
  sku: l.sku,
  type: "physical",
  quantity: l.quantity,
  base_price: formatMoney4(l.base_price),
  price_ex_tax: formatMoney4(l.base_price),
  price_inc_tax: formatMoney4(l.base_price),
  price_tax: "0.0000",
  base_total: formatMoney4(l.base_price * BigInt(l.quantity)),
  total_ex_tax: formatMoney4(l.base_price * BigInt(l.quantity)),
  total_inc_tax: formatMoney4(l.base_price * BigInt(l.quantity)),
  total_tax: "0.0000",
  quantity_shipped: l.quantity_shipped,
  quantity_refunded: l.quantity_refunded,
})

export const shipmentView = (o: Order, s: Shipment) => ({
  id: s.id,
  order_id: o.id,
  customer_id: o.customer_id,
  order_address_id: s.order_address_id,
  date_created: rfc2822(s.date_created),
  tracking_number: s.tracking_number,
  shipping_method: s.shipping_method,
  shipping_provider: s.shipping_provider,
  tracking_carrier: s.tracking_carrier,
  tracking_link: s.tracking_link,
  generated_tracking_link: s.tracking_carrier !== "" && s.tracking_number !== "" ? `https://track.aftership.com/${s.tracking_carrier}/${encodeURIComponent(s.tracking_number)}` : "",
  comments: s.comments,
  billing_address: o.billing_address,
  shipping_address: o.shipping_addresses.find((a) => a.id === s.order_address_id)?.fields ?? o.billing_address,
  items: s.items,
})

export const refundView = (r: Refund) => ({
  id: r.id,
  order_id: r.order_id,
  user_id: r.user_id,
  created: iso(r.created),
  reason: r.reason,
  total_amount: money4ToJsonNumber(r.total_amount),
  total_tax: money4ToJsonNumber(r.total_tax),
  uses_merchant_override_values: false,
  items: r.items.map((i) => ({ item_type: i.item_type, item_id: i.item_id, quantity: i.quantity, reason: i.reason, ...(i.requested_amount !== null ? { requested_amount: money4ToJsonNumber(i.requested_amount) } : {}) })),
  payments: [{ id: r.id, provider_id: "custom", amount: money4ToJsonNumber(r.total_amount), offline: true, is_declined: false, declined_message: "" }],
})

export const hookView = (h: Hook) => ({ ...h, headers: { ...h.headers } })
