/**
 * The simulated endpoints: one table row per (method, path template), each validating its input
 * the way BigCommerce does (422 with `errors` on v3, a `[{status, message}]` array on v2) and
 * reading or changing the SimulatorStore.
 */
import { randomUUID } from "node:crypto"
import { parseMoney4 } from "./Money4.js"
import { DEFAULT_LOCATION, orderStatuses, StoreConflict, StoreInvalid, type Product, type SimulatorStore } from "./SimulatorStore.js"
import { hookView, orderLineView, orderView, paginationMeta, productView, refundView, shipmentView, shippingAddressView, variantView } from "./WireViews.js"

export interface Reply {
  readonly status: number
  readonly body?: unknown
  readonly contentType?: string
}

export interface RouteContext {
  readonly store: SimulatorStore
  readonly params: Record<string, string>
  readonly query: URLSearchParams
  readonly body: unknown
  readonly baseUrl: string
  readonly clientId: string
}

const statusDocs = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"

export const v3Error = (status: number, title: string, errors?: Record<string, string>, contentType = "application/json"): Reply => ({
  status,
  contentType,
  body: { status, title, type: statusDocs, ...(errors !== undefined ? { errors } : {}) },
})
export const v2Error = (status: number, message: string): Reply => ({ status, body: [{ status, message }] })

const ok = (data: unknown, meta: unknown = {}): Reply => ({ status: 200, body: { data, meta } })

const LIMITS = { productBatch: 10, variantBatch: 50, inventoryItems: 2000, pageMax: 250, pageDefault: 50, maxLevel: 2_147_483_647 } as const

const paging = (q: URLSearchParams): { page: number; limit: number } | Reply => {
  const page = Number(q.get("page") ?? "1")
  const limit = Number(q.get("limit") ?? String(LIMITS.pageDefault))
  if (!Number.isInteger(page) || page < 1) return v3Error(422, "The filter(s): page are not valid", { page: "must be a positive integer" })
  if (!Number.isInteger(limit) || limit < 1) return v3Error(422, "The filter(s): limit are not valid", { limit: "must be a positive integer" })
  return { page, limit: Math.min(limit, LIMITS.pageMax) }
}
const isReply = (x: unknown): x is Reply => typeof x === "object" && x !== null && "status" in x

const listOf = (q: URLSearchParams, key: string): Array<string> | undefined => q.get(`${key}:in`)?.split(",").map((s) => s.trim())

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x)
const isMoney = (x: unknown) => typeof x === "number" && Number.isFinite(x) && x >= 0
const isLevel = (x: unknown) => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= LIMITS.maxLevel

/** Field checks shared by product create and update; returns BigCommerce-style `errors`. */
const productFieldErrors = (p: Record<string, unknown>, creating: boolean): Record<string, string> => {
  const errors: Record<string, string> = {}
  if (creating || "name" in p) if (typeof p.name !== "string" || p.name.length < 1 || p.name.length > 250) errors.name = "name must be a string of 1-250 characters"
  if (creating || "type" in p) if (p.type !== "physical" && p.type !== "digital") errors.type = "type must be one of physical, digital"
  if (creating || "weight" in p) if (typeof p.weight !== "number" || p.weight < 0) errors.weight = "weight must be a number >= 0"
  if (creating || "price" in p) if (!isMoney(p.price)) errors.price = "price must be a number >= 0"
  if ("sale_price" in p && !isMoney(p.sale_price)) errors.sale_price = "sale_price must be a number >= 0"
  if ("sku" in p && (typeof p.sku !== "string" || p.sku.length > 255)) errors.sku = "sku must be a string of at most 255 characters"
  if ("description" in p && typeof p.description !== "string") errors.description = "description must be a string"
  if ("tax_class_id" in p && !(Number.isInteger(p.tax_class_id) && (p.tax_class_id as number) >= 0 && (p.tax_class_id as number) <= 255)) errors.tax_class_id = "tax_class_id must be an integer 0-255"
  if ("inventory_level" in p && !isLevel(p.inventory_level)) errors.inventory_level = "inventory_level must be an integer 0-2147483647"
  if ("inventory_tracking" in p && !["none", "product", "variant"].includes(p.inventory_tracking as string)) errors.inventory_tracking = "inventory_tracking must be one of none, product, variant"
  if ("is_visible" in p && typeof p.is_visible !== "boolean") errors.is_visible = "is_visible must be a boolean"
  if ("variants" in p && !Array.isArray(p.variants)) errors.variants = "variants must be an array"
  return errors
}

const productPatch = (p: Record<string, unknown>) => ({
  ...(typeof p.name === "string" ? { name: p.name } : {}),
  ...(typeof p.sku === "string" ? { sku: p.sku } : {}),
  ...(typeof p.description === "string" ? { description: p.description } : {}),
  ...(typeof p.tax_class_id === "number" ? { tax_class_id: p.tax_class_id } : {}),
  ...(typeof p.price === "number" ? { price: parseMoney4(p.price) } : {}),
  ...(typeof p.sale_price === "number" ? { sale_price: parseMoney4(p.sale_price) } : {}),
  ...(typeof p.weight === "number" ? { weight: p.weight } : {}),
  ...(typeof p.is_visible === "boolean" ? { is_visible: p.is_visible } : {}),
  ...(typeof p.inventory_level === "number" ? { inventory_level: p.inventory_level } : {}),
  ...(typeof p.inventory_tracking === "string" ? { inventory_tracking: p.inventory_tracking as Product["inventory_tracking"] } : {}),
})

const conflictOr = (e: unknown): Reply => {
  if (e instanceof StoreConflict) return { status: 409, body: { status: 409, title: e.message, type: statusDocs, errors: {} } }
  if (e instanceof StoreInvalid) return v3Error(422, e.message, e.errors)
  throw e
}

const variantFieldErrors = (v: Record<string, unknown>): Record<string, string> => {
  const errors: Record<string, string> = {}
  if ("price" in v && v.price !== null && !isMoney(v.price)) errors.price = "price must be a number >= 0 or null"
  if ("sale_price" in v && v.sale_price !== null && !isMoney(v.sale_price)) errors.sale_price = "sale_price must be a number >= 0 or null"
  if ("sku" in v && typeof v.sku !== "string") errors.sku = "sku must be a string"
  if ("inventory_level" in v && !isLevel(v.inventory_level)) errors.inventory_level = "inventory_level must be an integer 0-2147483647"
  if ("purchasing_disabled" in v && typeof v.purchasing_disabled !== "boolean") errors.purchasing_disabled = "purchasing_disabled must be a boolean"
  return errors
}
const variantPatch = (v: Record<string, unknown>) => ({
  ...(typeof v.sku === "string" ? { sku: v.sku } : {}),
  ...("price" in v ? { price: v.price === null ? null : parseMoney4(v.price as number) } : {}),
  ...("sale_price" in v ? { sale_price: v.sale_price === null ? null : parseMoney4(v.sale_price as number) } : {}),
  ...(typeof v.purchasing_disabled === "boolean" ? { purchasing_disabled: v.purchasing_disabled } : {}),
  ...(typeof v.inventory_level === "number" ? { inventory_level: v.inventory_level } : {}),
})

/** BigCommerce takes RFC 2822 or ISO 8601 for v2 date filters (orders.v2.oas2.yml). */
const parseDateFilter = (s: string | null): number | undefined | "invalid" => {
  if (s === null) return undefined
  const t = Date.parse(s)
  return Number.isNaN(t) ? "invalid" : t
}

type Handler = (ctx: RouteContext) => Reply

export interface Route {
  readonly method: string
  readonly template: string
  readonly regex: RegExp
  readonly handle: Handler
}

const route = (method: string, template: string, handle: Handler): Route => ({
  method,
  template,
  regex: new RegExp(`^${template.replace(/\{(\w+)\}/g, "(?<$1>[^/]+)")}$`),
  handle,
})

const intParam = (ctx: RouteContext, name: string) => {
  const n = Number(ctx.params[name])
  return Number.isInteger(n) ? n : -1
}

export const routes: ReadonlyArray<Route> = [
  // ── catalog ────────────────────────────────────────────────────────────────
  route("GET", "/v3/catalog/products", (ctx) => {
    const pg = paging(ctx.query)
    if (isReply(pg)) return pg
    const skus = listOf(ctx.query, "sku") ?? (ctx.query.get("sku") !== null ? [ctx.query.get("sku")!] : undefined)
    const ids = listOf(ctx.query, "id") ?? (ctx.query.get("id") !== null ? [ctx.query.get("id")!] : undefined)
    const name = ctx.query.get("name")
    const include = new Set((ctx.query.get("include") ?? "").split(",").filter((s) => s !== ""))
    const wantedSkus = skus?.map((s) => s.toLowerCase())
    // `?sku=` matches the product's own (base) SKU only, not variant SKUs (products_catalog.v3.yml).
    const all = (wantedSkus === undefined ? [...ctx.store.products.values()] : ctx.store.productsWithSkus(wantedSkus)).filter((p) =>
      (ids === undefined || ids.includes(String(p.id))) &&
      (name === null || p.name === name))
    const page = all.slice((pg.page - 1) * pg.limit, pg.page * pg.limit)
    return ok(page.map((p) => productView(ctx.store, p, include)), paginationMeta(all.length, pg.page, pg.limit, page.length))
  }),
  route("POST", "/v3/catalog/products", (ctx) => {
    if (!isObject(ctx.body)) return v3Error(422, "The request body must be a product object", { body: "must be an object" })
    const b = ctx.body
    const errors = productFieldErrors(b, true)
    const variants = Array.isArray(b.variants) ? b.variants : []
    variants.forEach((v, i) => {
      if (!isObject(v) || typeof v.sku !== "string") errors[`variants.${i}.sku`] = "sku is required"
      else Object.assign(errors, Object.fromEntries(Object.entries(variantFieldErrors(v)).map(([k, m]) => [`variants.${i}.${k}`, m])))
    })
    if (Object.keys(errors).length > 0) return v3Error(422, "JSON data is missing or invalid", errors)
    try {
      const p = ctx.store.createProduct({
        name: b.name as string, type: b.type as "physical", weight: b.weight as number, price: parseMoney4(b.price as number),
        ...productPatch(b),
        ...(Array.isArray(b.categories) ? { categories: b.categories as Array<number> } : {}),
        variants: variants.map((v: any) => ({ sku: v.sku, price: typeof v.price === "number" ? parseMoney4(v.price) : null, inventory_level: v.inventory_level })),
      })
      return ok(productView(ctx.store, p, new Set(["variants"])))
    } catch (e) {
      return conflictOr(e)
    }
  }),
  route("PUT", "/v3/catalog/products", (ctx) => {
    if (!Array.isArray(ctx.body)) return v3Error(422, "The request body must be an array of products", { body: "must be an array" })
    if (ctx.body.length > LIMITS.productBatch) return v3Error(413, `Batches are limited to ${LIMITS.productBatch} products`)
    const errors: Record<string, string> = {}
    ctx.body.forEach((p, i) => {
      if (!isObject(p) || !Number.isInteger(p.id)) errors[`${i}.id`] = "id is required"
      else for (const [k, m] of Object.entries(productFieldErrors(p, false))) errors[`${i}.${k}`] = m
    })
    if (Object.keys(errors).length > 0) return v3Error(422, "JSON data is missing or invalid", errors)
    const items = ctx.body as Array<Record<string, unknown>>
    const missing = items.find((p) => !ctx.store.products.has(p.id as number))
    if (missing !== undefined) return v3Error(404, `Product ${missing.id} not found`)
    try {
      const updated = items.map((p) => ctx.store.updateProduct(p.id as number, productPatch(p))!)
      return ok(updated.map((p) => productView(ctx.store, p, new Set())))
    } catch (e) {
      return conflictOr(e)
    }
  }),
  route("DELETE", "/v3/catalog/products", (ctx) => {
    // "you must include a filter. This prevents inadvertently deleting all Product objects";
    // at most 250 at a time (products_catalog.v3.yml, deleteProducts). The simulator serves the
    // `id:in` filter only and says so for any other.
    const ids = listOf(ctx.query, "id")
    if (ids === undefined) {
      return v3Error(422, [...ctx.query.keys()].length === 0 ? "A filter is required to delete products" : "The simulator deletes by id:in only", { "id:in": "required" })
    }
    if (ids.length > LIMITS.pageMax) return v3Error(422, `At most ${LIMITS.pageMax} products can be deleted at one time`, { "id:in": "too many ids" })
    for (const id of ids) ctx.store.deleteProduct(Number(id))
    return { status: 204 }
  }),
  route("GET", "/v3/catalog/products/{product_id}", (ctx) => {
    const p = ctx.store.products.get(intParam(ctx, "product_id"))
    if (p === undefined) return v3Error(404, "The requested product was not found")
    return ok(productView(ctx.store, p, new Set((ctx.query.get("include") ?? "").split(","))))
  }),
  route("PUT", "/v3/catalog/products/{product_id}", (ctx) => {
    const id = intParam(ctx, "product_id")
    if (!ctx.store.products.has(id)) return v3Error(404, "The requested product was not found")
    if (!isObject(ctx.body)) return v3Error(422, "The request body must be a product object", { body: "must be an object" })
    const errors = productFieldErrors(ctx.body, false)
    if (Object.keys(errors).length > 0) return v3Error(422, "JSON data is missing or invalid", errors)
    try {
      return ok(productView(ctx.store, ctx.store.updateProduct(id, productPatch(ctx.body))!, new Set()))
    } catch (e) {
      return conflictOr(e)
    }
  }),
  route("GET", "/v3/catalog/products/{product_id}/variants", (ctx) => {
    const p = ctx.store.products.get(intParam(ctx, "product_id"))
    if (p === undefined) return v3Error(404, "The requested product was not found")
    const pg = paging(ctx.query)
    if (isReply(pg)) return pg
    const page = p.variantIds.slice((pg.page - 1) * pg.limit, pg.page * pg.limit)
    return ok(page.map((id) => variantView(ctx.store, ctx.store.variants.get(id)!)), paginationMeta(p.variantIds.length, pg.page, pg.limit, page.length))
  }),
  route("GET", "/v3/catalog/variants", (ctx) => {
    const pg = paging(ctx.query)
    if (isReply(pg)) return pg
    const sku = ctx.query.get("sku")?.toLowerCase()
    const productIds = listOf(ctx.query, "product_id")
    const all = [...ctx.store.variants.values()].filter((v) =>
      (sku === undefined || v.sku.toLowerCase() === sku) && (productIds === undefined || productIds.includes(String(v.product_id))))
    const page = all.slice((pg.page - 1) * pg.limit, pg.page * pg.limit)
    return ok(page.map((v) => variantView(ctx.store, v)), paginationMeta(all.length, pg.page, pg.limit, page.length))
  }),
  route("PUT", "/v3/catalog/variants", (ctx) => {
    if (!Array.isArray(ctx.body)) return v3Error(422, "The request body must be an array of variants", { body: "must be an array" })
    if (ctx.body.length > LIMITS.variantBatch) return v3Error(413, `Currently the limit is ${LIMITS.variantBatch} variants`)
    const errors: Record<string, string> = {}
    ctx.body.forEach((v, i) => {
      if (!isObject(v) || !Number.isInteger(v.id)) errors[`${i}.id`] = "id is required to update a variant"
      else if (!ctx.store.variants.has(v.id as number)) errors[`${i}.id`] = `variant ${v.id} does not exist`
      else for (const [k, m] of Object.entries(variantFieldErrors(v))) errors[`${i}.${k}`] = m
    })
    if (Object.keys(errors).length > 0) return v3Error(422, "JSON data is missing or invalid", errors)
    try {
      const updated = (ctx.body as Array<Record<string, unknown>>).map((v) => ctx.store.updateVariant(v.id as number, variantPatch(v))!)
      return ok(updated.map((v) => variantView(ctx.store, v)))
    } catch (e) {
      return conflictOr(e)
    }
  }),

  // ── inventory ──────────────────────────────────────────────────────────────
  route("PUT", "/v3/inventory/adjustments/absolute", (ctx) => {
    const problem = (title: string) => v3Error(422, title, {}, "application/problem+json")
    if (!isObject(ctx.body) || !Array.isArray(ctx.body.items) || ctx.body.items.length === 0) return problem("[items is required]")
    if (ctx.body.items.length > LIMITS.inventoryItems) return problem(`[The number of items must not exceed ${LIMITS.inventoryItems}]`)
    const resolved: Array<{ variantId: number; location: number; quantity: number }> = []
    for (const item of ctx.body.items as Array<unknown>) {
      if (!isObject(item)) return problem("[Each item must be an object]")
      const location = item.location_id as number
      if (!Number.isInteger(location) || !ctx.store.locations.has(location)) return problem(`[Location with id ${String(item.location_id)} does not exist]`)
      // The Inventory API refuses what the Catalog API would clamp (inventory-adjustments.mdx).
      if (!isLevel(item.quantity)) return problem(`[quantity must be an integer 0-2147483647]`)
      const keys = (["sku", "variant_id", "product_id"] as const).filter((k) => k in item)
      if (keys.length !== 1) return problem("[Each item needs exactly one of sku, variant_id, product_id]")
      let variantId: number | undefined
      if (keys[0] === "sku") variantId = ctx.store.findVariantBySku(String(item.sku))?.id
      else if (keys[0] === "variant_id") {
        const v = ctx.store.variants.get(item.variant_id as number)
        if (v !== undefined && ctx.store.products.get(v.product_id)!.inventory_tracking === "product") {
          return problem(`[Item with variant_id ${v.id} is tracked by product, please update stock by product id]`)
        }
        variantId = v?.id
      } else {
        const p = ctx.store.products.get(item.product_id as number)
        if (p !== undefined && p.inventory_tracking === "variant") return problem(`[Item with product_id ${p.id} is tracked by variant, please update stock by variant id]`)
        variantId = p?.base_variant_id ?? undefined
      }
      if (variantId === undefined) return problem(`[Item with ${keys[0]} ${String(item[keys[0]!])} does not exist]`)
      resolved.push({ variantId, location, quantity: item.quantity as number })
    }
    for (const r of resolved) ctx.store.setLevel(r.variantId, r.location, r.quantity, "absolute")
    return { status: 200, body: { transaction_id: randomUUID() } }
  }),
  route("GET", "/v3/inventory/items", (ctx) => inventoryItems(ctx, [...ctx.store.locations])),
  route("GET", "/v3/inventory/locations/{location_id}/items", (ctx) => {
    const location = intParam(ctx, "location_id")
    if (!ctx.store.locations.has(location)) return v3Error(404, `Location ${ctx.params.location_id} not found`)
    return inventoryItems(ctx, [location])
  }),

  // ── orders v2 ──────────────────────────────────────────────────────────────
  route("GET", "/v2/orders", (ctx) => {
    const page = Number(ctx.query.get("page") ?? "1")
    const limit = Math.min(Number(ctx.query.get("limit") ?? "50"), LIMITS.pageMax)
    if (!Number.isInteger(page) || page < 1 || !Number.isInteger(limit) || limit < 1) return v2Error(400, "The field 'page' or 'limit' is invalid.")
    const minModified = parseDateFilter(ctx.query.get("min_date_modified"))
    const maxModified = parseDateFilter(ctx.query.get("max_date_modified"))
    if (minModified === "invalid" || maxModified === "invalid") return v2Error(400, "The field 'min_date_modified' is invalid.")
    const minId = ctx.query.get("min_id")
    const statusId = ctx.query.get("status_id")
    // v2 dates carry whole seconds, so the filters compare at second precision.
    const sec = (d: Date) => Math.floor(d.getTime() / 1000) * 1000
    const all = [...ctx.store.orders.values()]
      .filter((o) => (minModified === undefined || sec(o.date_modified) >= minModified) && (maxModified === undefined || sec(o.date_modified) <= maxModified))
      .filter((o) => (minId === null || o.id >= Number(minId)) && (statusId === null || o.status_id === Number(statusId)))
      .sort((a, b) => a.id - b.id)
    const slice = all.slice((page - 1) * limit, page * limit)
    // An empty page is 204 with no body, not an empty array (channels.md §4).
    if (slice.length === 0) return { status: 204 }
    return { status: 200, body: slice.map((o) => orderView(ctx.store, o, ctx.baseUrl)) }
  }),
  route("GET", "/v2/orders/{order_id}", (ctx) => {
    const o = ctx.store.orders.get(intParam(ctx, "order_id"))
    return o === undefined ? v2Error(404, "The requested resource was not found.") : { status: 200, body: orderView(ctx.store, o, ctx.baseUrl) }
  }),
  route("PUT", "/v2/orders/{order_id}", (ctx) => {
    const id = intParam(ctx, "order_id")
    if (!ctx.store.orders.has(id)) return v2Error(404, "The requested resource was not found.")
    if (!isObject(ctx.body)) return v2Error(400, "The request body is invalid.")
    const wanted = ctx.body.status_id
    if ("status_id" in ctx.body && !orderStatuses.some(([s]) => s === wanted)) return v2Error(400, "The field 'status_id' is invalid.")
    const o = typeof ctx.body.status_id === "number" ? ctx.store.setOrderStatus(id, ctx.body.status_id)! : ctx.store.orders.get(id)!
    return { status: 200, body: orderView(ctx.store, o, ctx.baseUrl) }
  }),
  route("GET", "/v2/orders/{order_id}/products", (ctx) => {
    const o = ctx.store.orders.get(intParam(ctx, "order_id"))
    if (o === undefined) return v2Error(404, "The requested resource was not found.")
    // "Lists 50 order products" by default, `page`/`limit` as on every v2 collection
    // (orders.v2.oas2.yml getOrderProducts); the maximum `limit` is not documented, 250 as elsewhere
    // (UNCONFIRMED). Only 200 with an array is documented, so a page past the end is an empty array.
    const page = Number(ctx.query.get("page") ?? "1")
    const limit = Math.min(Number(ctx.query.get("limit") ?? String(LIMITS.pageDefault)), LIMITS.pageMax)
    if (!Number.isInteger(page) || page < 1 || !Number.isInteger(limit) || limit < 1) return v2Error(400, "The field 'page' or 'limit' is invalid.")
    return { status: 200, body: o.lines.slice((page - 1) * limit, page * limit).map((l) => orderLineView(o, l)) }
  }),
  route("GET", "/v2/orders/{order_id}/shipping_addresses", (ctx) => {
    const o = ctx.store.orders.get(intParam(ctx, "order_id"))
    if (o === undefined) return v2Error(404, "The requested resource was not found.")
    const page = Number(ctx.query.get("page") ?? "1")
    const limit = Math.min(Number(ctx.query.get("limit") ?? String(LIMITS.pageDefault)), LIMITS.pageMax)
    if (!Number.isInteger(page) || page < 1 || !Number.isInteger(limit) || limit < 1) return v2Error(400, "The field 'page' or 'limit' is invalid.")
    // Only 200 with an array is documented for this collection (orderShippingAddressCollection_Resp),
    // so a page past the end is an empty array here, not the 204 of /v2/orders (UNCONFIRMED which one the API sends).
    const slice = o.shipping_addresses.slice((page - 1) * limit, page * limit)
    return { status: 200, body: slice.map((a) => shippingAddressView(o, a, ctx.baseUrl)) }
  }),
  route("GET", "/v2/order_statuses", () => ({
    status: 200,
    body: orderStatuses.map(([id, name], order) => ({ id, name, system_label: name, custom_label: name, system_description: name, order })),
  })),
  route("POST", "/v2/orders/{order_id}/shipments", (ctx) => {
    const o = ctx.store.orders.get(intParam(ctx, "order_id"))
    if (o === undefined) return v2Error(404, "The requested resource was not found.")
    const b = ctx.body
    if (!isObject(b)) return v2Error(400, "The request body is invalid.")
    if (!o.shipping_addresses.some((a) => a.id === b.order_address_id)) return v2Error(400, "The field 'order_address_id' is invalid.")
    if (!Array.isArray(b.items) || b.items.length === 0 || !b.items.every((i) => isObject(i) && Number.isInteger(i.order_product_id) && Number.isInteger(i.quantity) && (i.quantity as number) > 0)) {
      return v2Error(400, "The field 'items' is invalid.")
    }
    const str = (k: string, max: number): string | Reply => {
      const v = b[k] ?? ""
      return typeof v === "string" && v.length <= max ? v : v2Error(400, `The field '${k}' is invalid.`)
    }
    const fields = { tracking_number: str("tracking_number", 50), tracking_link: str("tracking_link", 500), tracking_carrier: str("tracking_carrier", 100), shipping_provider: str("shipping_provider", 100), shipping_method: str("shipping_method", 100), comments: str("comments", 65535) }
    for (const v of Object.values(fields)) if (isReply(v)) return v
    try {
      const s = ctx.store.addShipment(o.id, { ...(fields as Record<keyof typeof fields, string>), order_address_id: b.order_address_id as number, items: b.items as Array<{ order_product_id: number; quantity: number }> })
      return { status: 201, body: shipmentView(o, s) }
    } catch (e) {
      if (e instanceof StoreInvalid) return v2Error(400, e.message)
      throw e
    }
  }),
  route("GET", "/v2/orders/{order_id}/shipments", (ctx) => {
    const o = ctx.store.orders.get(intParam(ctx, "order_id"))
    if (o === undefined) return v2Error(404, "The requested resource was not found.")
    if (o.shipments.length === 0) return { status: 204 }
    return { status: 200, body: o.shipments.map((s) => shipmentView(o, s)) }
  }),

  // ── refunds (orders v3) ────────────────────────────────────────────────────
  route("GET", "/v3/orders/{order_id}/payment_actions/refunds", (ctx) => {
    const o = ctx.store.orders.get(intParam(ctx, "order_id"))
    if (o === undefined) return v3Error(404, "Order not found")
    return ok(o.refunds.map(refundView))
  }),

  // ── webhooks ───────────────────────────────────────────────────────────────
  route("POST", "/v3/hooks", (ctx) => {
    const b = ctx.body
    const errors = hookErrors(b, true)
    if (Object.keys(errors).length > 0) return v3Error(422, "JSON data is missing or invalid", errors)
    const h = b as { scope: string; destination: string; is_active?: boolean; headers?: Record<string, string> }
    for (const other of ctx.store.hooks.values()) {
      // Only one hook per store + client + scope + destination (webhooks overview).
      if (other.client_id === ctx.clientId && other.scope === h.scope && other.destination === h.destination) return v3Error(422, "A webhook with this scope and destination already exists", { destination: "duplicate" })
    }
    return ok(hookView(ctx.store.createHook(h, ctx.clientId)))
  }),
  route("GET", "/v3/hooks", (ctx) => {
    const pg = paging(ctx.query)
    if (isReply(pg)) return pg
    const scope = ctx.query.get("scope")
    const active = ctx.query.get("is_active")
    const destination = ctx.query.get("destination")
    const all = [...ctx.store.hooks.values()].filter((h) =>
      h.client_id === ctx.clientId && (scope === null || h.scope === scope) && (active === null || String(h.is_active) === active) && (destination === null || h.destination === destination))
    const page = all.slice((pg.page - 1) * pg.limit, pg.page * pg.limit)
    return ok(page.map(hookView), paginationMeta(all.length, pg.page, pg.limit, page.length))
  }),
  route("GET", "/v3/hooks/{webhook_id}", (ctx) => {
    const h = ctx.store.hooks.get(intParam(ctx, "webhook_id"))
    return h === undefined ? v3Error(404, "Webhook not found") : ok(hookView(h))
  }),
  route("PUT", "/v3/hooks/{webhook_id}", (ctx) => {
    const h = ctx.store.hooks.get(intParam(ctx, "webhook_id"))
    if (h === undefined) return v3Error(404, "Webhook not found")
    const errors = hookErrors(ctx.body, false)
    if (Object.keys(errors).length > 0) return v3Error(422, "JSON data is missing or invalid", errors)
    Object.assign(h, ctx.body, { updated_at: Math.floor(Date.now() / 1000) })
    return ok(hookView(h))
  }),
  route("DELETE", "/v3/hooks/{webhook_id}", (ctx) => {
    const h = ctx.store.hooks.get(intParam(ctx, "webhook_id"))
    if (h === undefined) return v3Error(404, "Webhook not found")
    ctx.store.hooks.delete(h.id)
    return ok(hookView(h))
  }),
]

function hookErrors(b: unknown, creating: boolean): Record<string, string> {
  if (!isObject(b)) return { body: "must be an object" }
  const errors: Record<string, string> = {}
  if (creating || "scope" in b) if (typeof b.scope !== "string" || !b.scope.startsWith("store/")) errors.scope = "scope is required and must be a store/... scope"
  if (creating || "destination" in b) {
    // Real BigCommerce demands https on 443; the simulator also takes http so tests can receive locally.
    if (typeof b.destination !== "string" || !/^https?:\/\//.test(b.destination)) errors.destination = "destination must be an https URL"
  }
  if ("is_active" in b && typeof b.is_active !== "boolean") errors.is_active = "is_active must be a boolean"
  if ("headers" in b && (!isObject(b.headers) || !Object.values(b.headers).every((v) => typeof v === "string"))) errors.headers = "headers must map names to strings"
  return errors
}

function inventoryItems(ctx: RouteContext, locations: ReadonlyArray<number>): Reply {
  const pg = paging(ctx.query)
  if (isReply(pg)) return pg
  const skus = listOf(ctx.query, "sku")?.map((s) => s.toLowerCase())
  const all = [...ctx.store.variants.values()].filter((v) => skus === undefined || skus.includes(v.sku.toLowerCase()))
  const page = all.slice((pg.page - 1) * pg.limit, pg.page * pg.limit)
  const data = page.map((v) => ({
    identity: { sku: v.sku, variant_id: v.id, product_id: v.product_id, sku_id: v.id },
    locations: locations.map((loc) => {
      const onHand = ctx.store.level(v.id, loc)
      return {
        location_id: loc, location_code: loc === DEFAULT_LOCATION ? "default" : `loc-${loc}`, location_name: loc === DEFAULT_LOCATION ? "Default location" : `Location ${loc}`,
        available_to_sell: onHand, total_inventory_onhand: onHand, location_enabled: true,
        settings: { safety_stock: 0, is_in_stock: onHand > 0, warning_level: 0, bin_picking_number: "" },
      }
    }),
  }))
  return ok(data, paginationMeta(all.length, pg.page, pg.limit, page.length))
}
