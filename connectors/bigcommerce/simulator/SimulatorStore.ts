/**
 * The simulated store's state: catalog, inventory per location, v2 orders with shipments and
 * refunds, and webhooks. Amounts are bigint ten-thousandths (see Money4). Every change that
 * BigCommerce would announce is reported through `announce` with its webhook scope and data.
 */
import { parseMoney4 } from "./Money4.js"
import type { Hook } from "./WebhookDispatcher.js"

export type Tracking = "none" | "product" | "variant"

export interface Product {
  id: number
  name: string
  type: "physical" | "digital"
  sku: string
  description: string
  price: bigint
  sale_price: bigint
  /** 0-255; "Value ignored if automatic tax is enabled" (products_catalog.v3.yml). */
  tax_class_id: number
  weight: number
  inventory_tracking: Tracking
  inventory_warning_level: number
  is_visible: boolean
  availability: "available" | "disabled" | "preorder"
  categories: Array<number>
  date_created: Date
  date_modified: Date
  /** Only a product without options has a base variant of its own. */
  base_variant_id: number | null
  variantIds: Array<number>
}

export interface Variant {
  id: number
  product_id: number
  sku: string
  price: bigint | null
  sale_price: bigint | null
  purchasing_disabled: boolean
  option_values: Array<{ id: number; option_id: number; label: string; option_display_name: string }>
}

export interface OrderLine {
  id: number
  product_id: number
  variant_id: number
  sku: string
  name: string
  quantity: number
  base_price: bigint
  quantity_shipped: number
  quantity_refunded: number
  order_address_id: number
}

export interface Shipment {
  id: number
  order_id: number
  date_created: Date
  order_address_id: number
  tracking_number: string
  tracking_carrier: string
  tracking_link: string
  shipping_provider: string
  shipping_method: string
  comments: string
  items: Array<{ order_product_id: number; product_id: number; quantity: number }>
}

export interface Refund {
  id: number
  order_id: number
  user_id: number
  created: Date
  reason: string
  total_amount: bigint
  total_tax: bigint
  items: Array<{ item_type: "PRODUCT"; item_id: number; quantity: number; requested_amount: bigint | null; reason: string }>
}

/** An address as v2 orders carry it (shippingAddress_Base): strings throughout. */
export interface AddressInput {
  readonly first_name?: string
  readonly last_name?: string
  readonly company?: string
  readonly street_1?: string
  readonly street_2?: string
  readonly city?: string
  readonly state?: string
  readonly zip?: string
  readonly country?: string
  readonly country_iso2: string
  readonly phone?: string
  readonly email?: string
}

export interface ShippingAddress {
  id: number
  fields: Record<string, string>
  shipping_method: string
}

export interface Order {
  id: number
  customer_id: number
  status_id: number
  date_created: Date
  date_modified: Date
  currency_code: string
  shipping_cost: bigint
  billing_address: Record<string, string>
  /** The first shipping address's id; a digital order has none. */
  shipping_address_id: number
  /** In the order BigCommerce lists them; empty for a digital order. */
  shipping_addresses: Array<ShippingAddress>
  lines: Array<OrderLine>
  shipments: Array<Shipment>
  refunds: Array<Refund>
}

/** `GET /v2/order_statuses` (channels.md §4). */
export const orderStatuses: ReadonlyArray<readonly [number, string]> = [
  [0, "Incomplete"], [1, "Pending"], [2, "Shipped"], [3, "Partially Shipped"], [4, "Refunded"],
  [5, "Cancelled"], [6, "Declined"], [7, "Awaiting Payment"], [8, "Awaiting Pickup"],
  [9, "Awaiting Shipment"], [10, "Completed"], [11, "Awaiting Fulfillment"],
  [12, "Manual Verification Required"], [13, "Disputed"], [14, "Partially Refunded"],
]
export const statusName = (id: number): string => orderStatuses.find(([i]) => i === id)?.[1] ?? "Unknown"

export const DEFAULT_LOCATION = 1

export class StoreConflict extends Error {}
export class StoreInvalid extends Error {
  constructor(readonly errors: Record<string, string>, title: string) {
    super(title)
  }
}

export interface SeedProduct {
  readonly sku: string
  readonly name?: string
  readonly price?: string
  readonly stock?: number
  /** Variant SKUs; when given the product tracks inventory by variant. */
  readonly variants?: ReadonlyArray<{ readonly sku: string; readonly stock?: number; readonly price?: string }>
}

export class SimulatorStore {
  readonly products = new Map<number, Product>()
  readonly variants = new Map<number, Variant>()
  /** variant id → location id → on-hand level. */
  readonly inventory = new Map<number, Map<number, number>>()
  readonly locations = new Set<number>([DEFAULT_LOCATION])
  readonly orders = new Map<number, Order>()
  readonly hooks = new Map<number, Hook>()
  private nextId = { product: 100, variant: 1000, order: 100, line: 1, shipment: 1, refund: 1, hook: 1, option: 1 }
  // Lookups by SKU (case-insensitive) and product name, kept in step with every change of either,
  // so that a store of 100 000 products answers a create without scanning them all.
  private readonly productsBySku = new Map<string, Set<number>>()
  private readonly variantsBySku = new Map<string, Set<number>>()
  private readonly productNames = new Map<string, number>()

  constructor(
    readonly storeHash: string,
    private readonly announce: (scope: string, data: Record<string, unknown>) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // ── catalog ────────────────────────────────────────────────────────────────

  skuTaken(sku: string, exceptVariant?: number): boolean {
    const k = sku.toLowerCase()
    if (k === "") return false
    for (const id of this.variantsBySku.get(k) ?? []) if (id !== exceptVariant) return true
    for (const id of this.productsBySku.get(k) ?? []) if (!this.products.get(id)!.variantIds.includes(exceptVariant ?? -1)) return true
    return false
  }

  /** Removes a product with its variants and their stock; false if there is no such product. */
  deleteProduct(id: number): boolean {
    const p = this.products.get(id)
    if (p === undefined) return false
    for (const variantId of p.variantIds) {
      this.variantsBySku.get(this.variants.get(variantId)!.sku.toLowerCase())?.delete(variantId)
      this.variants.delete(variantId)
      this.inventory.delete(variantId)
    }
    this.productsBySku.get(p.sku.toLowerCase())?.delete(id)
    this.productNames.set(p.name, (this.productNames.get(p.name) ?? 1) - 1)
    this.products.delete(id)
    this.announce("store/product/deleted", { type: "product", id })
    return true
  }

  /** Products whose own (base) SKU is one of these, case-insensitive, in creation order. */
  productsWithSkus(skus: ReadonlyArray<string>): Array<Product> {
    const ids = new Set(skus.flatMap((sku) => [...this.productsBySku.get(sku.toLowerCase()) ?? []]))
    return [...ids].sort((a, b) => a - b).map((id) => this.products.get(id)!)
  }

  private indexSku(index: Map<string, Set<number>>, id: number, from: string | undefined, to: string) {
    if (from !== undefined) index.get(from.toLowerCase())?.delete(id)
    const k = to.toLowerCase()
    index.set(k, (index.get(k) ?? new Set()).add(id))
  }

  private indexName(from: string | undefined, to: string) {
    if (from !== undefined) this.productNames.set(from, (this.productNames.get(from) ?? 1) - 1)
    this.productNames.set(to, (this.productNames.get(to) ?? 0) + 1)
  }

  createProduct(input: {
    name: string; type: "physical" | "digital"; sku?: string; description?: string; price: bigint; sale_price?: bigint; tax_class_id?: number; weight: number
    inventory_tracking?: Tracking; inventory_level?: number; is_visible?: boolean; categories?: Array<number>
    availability?: Product["availability"]; variants?: Array<{ sku: string; price?: bigint | null; inventory_level?: number }>
  }): Product {
    const sku = input.sku ?? ""
    const skus = [sku, ...(input.variants ?? []).map((v) => v.sku)].filter((s) => s !== "")
    if (new Set(skus.map((s) => s.toLowerCase())).size !== skus.length || skus.some((s) => this.skuTaken(s))) {
      throw new StoreConflict(`The product SKU is a duplicate`)
    }
    if ((this.productNames.get(input.name) ?? 0) > 0) throw new StoreConflict(`The product name is a duplicate`)
    const t = this.now()
    const id = this.nextId.product++
    const withOptions = (input.variants?.length ?? 0) > 0
    const product: Product = {
      id, name: input.name, type: input.type, sku, description: input.description ?? "", price: input.price, sale_price: input.sale_price ?? 0n,
      tax_class_id: input.tax_class_id ?? 0, weight: input.weight,
      inventory_tracking: input.inventory_tracking ?? (withOptions ? "variant" : "product"),
      inventory_warning_level: 0, is_visible: input.is_visible ?? true, availability: input.availability ?? "available",
      categories: input.categories ?? [], date_created: t, date_modified: t, base_variant_id: null, variantIds: [],
    }
    this.products.set(id, product)
    this.indexSku(this.productsBySku, id, undefined, sku)
    this.indexName(undefined, product.name)
    const optionId = this.nextId.option++
    const specs = withOptions ? input.variants! : [{ sku, price: null, inventory_level: input.inventory_level }]
    for (const v of specs) {
      const variant: Variant = {
        id: this.nextId.variant++, product_id: id, sku: v.sku, price: v.price ?? null, sale_price: null, purchasing_disabled: false,
        option_values: withOptions ? [{ id: this.nextId.option++, option_id: optionId, label: v.sku, option_display_name: "Variant" }] : [],
      }
      this.variants.set(variant.id, variant)
      this.indexSku(this.variantsBySku, variant.id, undefined, variant.sku)
      product.variantIds.push(variant.id)
      this.inventory.set(variant.id, new Map([[DEFAULT_LOCATION, v.inventory_level ?? 0]]))
    }
    if (!withOptions) product.base_variant_id = product.variantIds[0]!
    this.announce("store/product/created", { type: "product", id })
    return product
  }

  updateProduct(id: number, patch: Partial<Pick<Product, "name" | "sku" | "description" | "price" | "sale_price" | "tax_class_id" | "weight" | "is_visible" | "availability" | "inventory_tracking">> & { inventory_level?: number }): Product | undefined {
    const p = this.products.get(id)
    if (p === undefined) return undefined
    if (patch.sku !== undefined && this.skuTaken(patch.sku, p.base_variant_id ?? undefined)) throw new StoreConflict(`The product SKU is a duplicate`)
    const { inventory_level, ...fields } = patch
    if (patch.sku !== undefined) this.indexSku(this.productsBySku, id, p.sku, patch.sku)
    if (patch.name !== undefined) this.indexName(p.name, patch.name)
    Object.assign(p, fields)
    if (patch.sku !== undefined && p.base_variant_id !== null) {
      const base = this.variants.get(p.base_variant_id)!
      this.indexSku(this.variantsBySku, base.id, base.sku, patch.sku)
      base.sku = patch.sku
    }
    p.date_modified = this.now()
    this.announce("store/product/updated", { type: "product", id })
    // The catalog API writes stock through the inventory API at the default location.
    if (inventory_level !== undefined && p.base_variant_id !== null) this.setLevel(p.base_variant_id, DEFAULT_LOCATION, inventory_level, "absolute")
    return p
  }

  updateVariant(id: number, patch: { sku?: string; price?: bigint | null; sale_price?: bigint | null; purchasing_disabled?: boolean; inventory_level?: number }): Variant | undefined {
    const v = this.variants.get(id)
    if (v === undefined) return undefined
    if (patch.sku !== undefined && this.skuTaken(patch.sku, id)) throw new StoreConflict(`The variant SKU is a duplicate`)
    const { inventory_level, ...fields } = patch
    if (patch.sku !== undefined) this.indexSku(this.variantsBySku, id, v.sku, patch.sku)
    Object.assign(v, fields)
    const p = this.products.get(v.product_id)!
    if (v.id === p.base_variant_id && patch.sku !== undefined) {
      this.indexSku(this.productsBySku, p.id, p.sku, patch.sku)
      p.sku = patch.sku
    }
    p.date_modified = this.now()
    this.announce("store/sku/updated", { type: "sku", id, sku: v.sku })
    if (inventory_level !== undefined) this.setLevel(id, DEFAULT_LOCATION, inventory_level, "absolute")
    return v
  }

  /** The variant that carries stock for this product/variant under its tracking mode. */
  level(variantId: number, location = DEFAULT_LOCATION): number {
    return this.inventory.get(variantId)?.get(location) ?? 0
  }

  /** What the catalog API reports: default-location stock of the tracked item(s). */
  productLevel(p: Product): number {
    return p.variantIds.reduce((s, v) => s + this.level(v), 0)
  }

  setLevel(variantId: number, location: number, quantity: number, method: "absolute" | "relative", scopeSuffix = ""): void {
    const perLocation = this.inventory.get(variantId) ?? new Map<number, number>()
    this.inventory.set(variantId, perLocation)
    // inventory_level has "minimum: 0" (inventory.v3.yml, products_catalog.v3.yml): a relative move
    // past zero (a test placing an order beyond stock) empties the location, never goes below it.
    const value = Math.max(0, method === "absolute" ? quantity : (perLocation.get(location) ?? 0) + quantity)
    perLocation.set(location, value)
    const v = this.variants.get(variantId)!
    const p = this.products.get(v.product_id)!
    if (variantId === p.base_variant_id && p.inventory_tracking !== "variant") {
      this.announce(`store/product/inventory/${scopeSuffix}updated`, { type: "product", id: p.id, inventory: { product_id: p.id, method, value: quantity } })
    } else {
      this.announce(`store/sku/inventory/${scopeSuffix}updated`, { type: "sku", id: variantId, inventory: { product_id: p.id, method, value: quantity, variant_id: variantId } })
    }
  }

  findVariantBySku(sku: string): Variant | undefined {
    const [id] = this.variantsBySku.get(sku.toLowerCase()) ?? []
    return id === undefined ? undefined : this.variants.get(id)
  }

  // ── orders ─────────────────────────────────────────────────────────────────

  /**
   * A storefront checkout. The goods go to `shipping_addresses` (default: one, the billing
   * address); `[]` places a digital order with none.
   */
  placeOrder(input: {
    lines: ReadonlyArray<{ sku: string; quantity: number; price?: string }>; status_id?: number; currency_code?: string; email?: string; shipping_cost?: string
    billing_address?: AddressInput; shipping_addresses?: ReadonlyArray<AddressInput>
  }): Order {
    const t = this.now()
    const id = this.nextId.order++
    const addressId = id * 10
    const billing: Record<string, string> = {
      first_name: "Sim", last_name: "Buyer", company: "", street_1: "1 Test Street", street_2: "", city: "Berlin", state: "",
      zip: "10115", country: "Germany", country_iso2: "DE", phone: "", email: input.email ?? `buyer${id}@example.com`,
      ...input.billing_address,
    }
    const shippingAddresses = (input.shipping_addresses ?? [billing as unknown as AddressInput]).map((a, i): ShippingAddress => ({
      id: addressId + i,
      fields: {
        first_name: "", last_name: "", company: "", street_1: "", street_2: "", city: "", state: "", zip: "", country: "", phone: "", email: billing.email!,
        ...a,
      },
      shipping_method: "Flat Rate",
    }))
    const lines: Array<OrderLine> = input.lines.map((l) => {
      const v = this.findVariantBySku(l.sku)
      if (v === undefined) throw new StoreInvalid({ sku: `unknown SKU ${l.sku}` }, `unknown SKU ${l.sku}`)
      const p = this.products.get(v.product_id)!
      const price = l.price !== undefined ? parseMoney4(l.price) : v.price ?? p.price
      return {
        id: this.nextId.line++, product_id: p.id, variant_id: v.id, sku: v.sku, name: p.name, quantity: l.quantity,
        base_price: price, quantity_shipped: 0, quantity_refunded: 0, order_address_id: addressId,
      }
    })
    const order: Order = {
      id, customer_id: 0, status_id: input.status_id ?? 11, date_created: t, date_modified: t, currency_code: input.currency_code ?? "EUR",
      shipping_cost: parseMoney4(input.shipping_cost ?? "0"),
      billing_address: billing,
      shipping_address_id: addressId, shipping_addresses: shippingAddresses, lines, shipments: [], refunds: [],
    }
    this.orders.set(id, order)
    this.announce("store/order/created", { type: "order", id })
    // Placing an order moves stock the way the storefront does.
    for (const l of lines) {
      const p = this.products.get(l.product_id)!
      if (p.inventory_tracking === "none") continue
      this.setLevel(l.variant_id, DEFAULT_LOCATION, -l.quantity, "relative", "order/")
    }
    return order
  }

  /**
   * What a shopper can buy right now: the stock-tracked level a storefront shows, or undefined for
   * a product that is not for sale (unknown, hidden, disabled or purchasing disabled).
   */
  purchasable(sku: string): { readonly level: number; readonly tracked: boolean } | undefined {
    const v = this.findVariantBySku(sku)
    if (v === undefined || v.purchasing_disabled) return undefined
    const p = this.products.get(v.product_id)!
    if (!p.is_visible || p.availability !== "available") return undefined
    return { level: this.level(v.id), tracked: p.inventory_tracking !== "none" }
  }

  /**
   * A storefront checkout: refuses (StoreInvalid, nothing changed) any line for a product not for
   * sale or beyond the inventory level the store shows, summed over lines of one SKU — a shop with
   * inventory tracking does not sell what it does not show. `placeOrder` stays the unchecked
   * constructor tests use to stage orders the storefront would not take.
   */
  checkout(input: Parameters<SimulatorStore["placeOrder"]>[0]): Order {
    const wanted = new Map<string, number>()
    for (const l of input.lines) {
      if (!Number.isInteger(l.quantity) || l.quantity < 1) throw new StoreInvalid({ quantity: `quantity ${l.quantity} of ${l.sku} is not a positive integer` }, "The field 'quantity' is invalid.")
      wanted.set(l.sku.toLowerCase(), (wanted.get(l.sku.toLowerCase()) ?? 0) + l.quantity)
    }
    for (const [sku, quantity] of wanted) {
      const shown = this.purchasable(sku)
      if (shown === undefined) throw new StoreInvalid({ sku: `${sku} is not for sale` }, `${sku} is not for sale`)
      if (shown.tracked && quantity > shown.level) {
        throw new StoreInvalid({ quantity: `only ${shown.level} of ${sku} in stock, ${quantity} asked` }, "The requested quantity is not in stock.")
      }
    }
    return this.placeOrder(input)
  }

  setOrderStatus(id: number, statusId: number): Order | undefined {
    const o = this.orders.get(id)
    if (o === undefined) return undefined
    const previous = o.status_id
    o.status_id = statusId
    o.date_modified = this.now()
    this.announce("store/order/updated", { type: "order", id })
    if (previous !== statusId) this.announce("store/order/statusUpdated", { type: "order", id, status: { previous_status_id: previous, new_status_id: statusId } })
    return o
  }

  addShipment(orderId: number, input: Omit<Shipment, "id" | "order_id" | "date_created" | "items"> & { items: Array<{ order_product_id: number; quantity: number }> }): Shipment {
    const o = this.orders.get(orderId)!
    const items = input.items.map((it) => {
      const line = o.lines.find((l) => l.id === it.order_product_id)
      if (line === undefined) throw new StoreInvalid({ [`items.order_product_id`]: `no order product ${it.order_product_id}` }, "The field 'order_product_id' is invalid.")
      if (line.quantity_shipped + it.quantity > line.quantity) throw new StoreInvalid({ [`items.quantity`]: `only ${line.quantity - line.quantity_shipped} left to ship` }, "The field 'quantity' is invalid.")
      return { line, quantity: it.quantity }
    })
    for (const { line, quantity } of items) line.quantity_shipped += quantity
    const shipment: Shipment = {
      id: this.nextId.shipment++, order_id: orderId, date_created: this.now(), order_address_id: input.order_address_id,
      tracking_number: input.tracking_number, tracking_carrier: input.tracking_carrier, tracking_link: input.tracking_link,
      shipping_provider: input.shipping_provider, shipping_method: input.shipping_method, comments: input.comments,
      items: items.map(({ line, quantity }) => ({ order_product_id: line.id, product_id: line.product_id, quantity })),
    }
    o.shipments.push(shipment)
    this.announce("store/shipment/created", { type: "shipment", id: shipment.id, orderId })
    const allShipped = o.lines.every((l) => l.quantity_shipped >= l.quantity)
    this.setOrderStatus(orderId, allShipped ? 2 : 3)
    return shipment
  }

  /** What a merchant refunding in the control panel produces; the API refund does not restock (refunds.mdx). */
  refund(orderId: number, items: ReadonlyArray<{ order_product_id: number; quantity: number }>, reason = ""): Refund {
    const o = this.orders.get(orderId)!
    let total = 0n
    const refundItems = items.map((it) => {
      const line = o.lines.find((l) => l.id === it.order_product_id)!
      line.quantity_refunded += it.quantity
      total += line.base_price * BigInt(it.quantity)
      return { item_type: "PRODUCT" as const, item_id: line.id, quantity: it.quantity, requested_amount: null, reason }
    })
    const r: Refund = { id: this.nextId.refund++, order_id: orderId, user_id: 0, created: this.now(), reason, total_amount: total, total_tax: 0n, items: refundItems }
    o.refunds.push(r)
    this.announce("store/order/refund/created", { type: "order", id: orderId, refund_id: r.id })
    const fully = o.lines.every((l) => l.quantity_refunded >= l.quantity)
    this.setOrderStatus(orderId, fully ? 4 : 14)
    return r
  }

  orderTotal(o: Order): bigint {
    return o.lines.reduce((s, l) => s + l.base_price * BigInt(l.quantity), 0n) + o.shipping_cost
  }

  // ── webhooks ───────────────────────────────────────────────────────────────

  createHook(input: { scope: string; destination: string; is_active?: boolean; headers?: Record<string, string> }, clientId: string): Hook {
    const t = Math.floor(this.now().getTime() / 1000)
    const hook: Hook = {
      id: this.nextId.hook++, client_id: clientId, store_hash: this.storeHash, scope: input.scope, destination: input.destination,
      is_active: input.is_active ?? true, headers: input.headers ?? {}, created_at: t, updated_at: t,
    }
    this.hooks.set(hook.id, hook)
    return hook
  }

  seed(products: ReadonlyArray<SeedProduct>): Array<Product> {
    return products.map((s) => this.createProduct({
      name: s.name ?? `Product ${s.sku}`, type: "physical", sku: s.sku, price: parseMoney4(s.price ?? "10"), weight: 1,
      inventory_level: s.stock ?? 0,
      variants: s.variants?.map((v) => ({ sku: v.sku, inventory_level: v.stock ?? 0, price: v.price !== undefined ? parseMoney4(v.price) : null })),
    }))
  }
}

