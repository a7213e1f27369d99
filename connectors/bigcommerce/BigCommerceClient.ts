/**
 * The BigCommerce wire contract as an Effect service on the shared HTTP layer: catalog products
 * and variants, inventory absolute adjustments, v2 orders, shipments, refunds and webhooks.
 * Batch limits are the API's (products 10, variants 50, inventory items 2000) and the client
 * chunks for the caller; paging runs until the collection is exhausted. Pacing follows the
 * `X-Rate-Limit-*` headers the store returns (api-rate-limits.mdx).
 */
import type { HttpClient } from "@effect/platform"
import { Array as Arr, BigDecimal, Chunk, Context, Effect, Layer, Option, Schema, Stream } from "effect"
import {
  BigCommerceRateLimitHeaders,
  type ConnectorRequest,
  type ConnectorResponse,
  credentialFingerprint,
  type HttpFailure,
  makeConnectorHttp,
  type RateLimiters,
  responseText,
  type RetryPolicy,
} from "../http/index.js"
import { decimalJson } from "./DecimalJson.js"
import {
  BigCommerceConflict,
  type BigCommerceError,
  BigCommerceNotFound,
  BigCommerceRejected,
  BigCommerceUnexpectedResponse,
  BigCommerceValidationFailed,
} from "./errors.js"
import {
  Collection,
  Hook,
  InventoryItem,
  InventoryTransaction,
  Order,
  OrderProduct,
  OrderShippingAddress,
  Product,
  Refund,
  Shipment,
  Single,
  V2ErrorBody,
  V3ErrorBody,
  Variant,
} from "./schemas.js"

/** Documented batch limits (products_catalog.v3.yml, product-variants_catalog.v3.yml, inventory.v3.yml). */
export const BigCommerceLimits = { productBatch: 10, productDelete: 250, variantBatch: 50, inventoryItems: 2000, pageSize: 250 } as const

// The documented default `limit` of v2 sub-collections (orders.v2.oas2.yml, `limit`; "Lists 50
// order products"); their maximum is not documented, so no larger page is asked for: a store
// capping below the asked limit would make a full page look like the last one.
const SHIPPING_ADDRESS_PAGE = 50
const ORDER_PRODUCTS_PAGE = 50

/**
 * Whether a page of order lines is the last. v2 sends no paging meta: a short page is the last.
 * Every line holds at least one unit, so lines holding all `items_total` units leave none to
 * come. Only an exact match ends early: a total below the units read (UNCONFIRMED whether one
 * can be, e.g. after an order edit) must not cut the lines short; it costs one more page at most.
 */
const lastOrderProductsPage = (pageLength: number, unitsRead: number, itemsTotal: number | undefined) =>
  pageLength < ORDER_PRODUCTS_PAGE || unitsRead === itemsTotal

export interface BigCommerceCredentials {
  readonly storeHash: string
  readonly accessToken: string
  /** Defaults to `https://api.bigcommerce.com`; a simulator's origin in tests. */
  readonly apiOrigin?: string
  /** Requests kept back from the reported quota; at least the caller's concurrency. */
  readonly reserve?: number
  readonly retry?: RetryPolicy
  readonly timeoutMs?: number
}

export interface ProductCreate {
  readonly name: string
  readonly type: "physical" | "digital"
  readonly sku: string
  readonly description?: string
  readonly price: BigDecimal.BigDecimal
  readonly weight: number
  readonly sale_price?: BigDecimal.BigDecimal
  /** 0-255; ignored by stores with automatic tax (products_catalog.v3.yml). */
  readonly tax_class_id?: number
  readonly is_visible?: boolean
  readonly inventory_tracking?: "none" | "product" | "variant"
  readonly categories?: ReadonlyArray<number>
  readonly variants?: ReadonlyArray<{ readonly sku: string; readonly price?: BigDecimal.BigDecimal; readonly option_values?: ReadonlyArray<{ readonly option_display_name: string; readonly label: string }> }>
}

export interface ProductUpdate {
  readonly id: number
  readonly name?: string
  readonly sku?: string
  readonly description?: string
  readonly price?: BigDecimal.BigDecimal
  readonly sale_price?: BigDecimal.BigDecimal
  readonly tax_class_id?: number
  readonly is_visible?: boolean
}

export interface VariantUpdate {
  readonly id: number
  readonly sku?: string
  /** `null` falls back to the product's price. */
  readonly price?: BigDecimal.BigDecimal | null
  readonly sale_price?: BigDecimal.BigDecimal | null
  readonly purchasing_disabled?: boolean
}

export type StockItem =
  | { readonly location_id: number; readonly sku: string; readonly quantity: number }
  | { readonly location_id: number; readonly variant_id: number; readonly quantity: number }
  | { readonly location_id: number; readonly product_id: number; readonly quantity: number }

export interface ShipmentCreate {
  readonly order_address_id: number
  readonly items: ReadonlyArray<{ readonly order_product_id: number; readonly quantity: number }>
  readonly tracking_number?: string
  /** An AfterShip courier slug (orders.v2.oas2.yml). */
  readonly tracking_carrier?: string
  readonly tracking_link?: string
  readonly shipping_provider?: string
  readonly shipping_method?: string
  readonly comments?: string
}

export interface WebhookSecret {
  /** A custom header BigCommerce sends with every callback, e.g. `X-Vortex-Webhook-Secret`. */
  readonly header: string
  readonly value: string
}

export interface BigCommerceApi {
  readonly findProductsBySku: (skus: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Product>, BigCommerceError>
  readonly findVariantsBySku: (sku: string) => Effect.Effect<ReadonlyArray<Variant>, BigCommerceError>
  readonly listProducts: () => Effect.Effect<ReadonlyArray<Product>, BigCommerceError>
  readonly getProduct: (id: number) => Effect.Effect<Product, BigCommerceError>
  readonly createProduct: (input: ProductCreate) => Effect.Effect<Product, BigCommerceError>
  readonly updateProducts: (updates: ReadonlyArray<ProductUpdate>) => Effect.Effect<ReadonlyArray<Product>, BigCommerceError>
  readonly updateVariants: (updates: ReadonlyArray<VariantUpdate>) => Effect.Effect<ReadonlyArray<Variant>, BigCommerceError>
  /** `DELETE /v3/catalog/products?id:in=…`, at most 250 ids per call (products_catalog.v3.yml). */
  readonly deleteProducts: (ids: ReadonlyArray<number>) => Effect.Effect<void, BigCommerceError>
  /** Absolute levels; grouped by location and sent in chunks of ≤ 2000, one after the other. Returns the transaction ids. */
  readonly setStockAbsolute: (items: ReadonlyArray<StockItem>, reason: string) => Effect.Effect<ReadonlyArray<string>, BigCommerceError>
  readonly inventoryAtLocation: (locationId: number, skus?: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<InventoryItem>, BigCommerceError>
  /** The same, a page at a time as it arrives: the caller can act between pages of a large store. */
  readonly inventoryPagesAtLocation: (locationId: number, skus?: ReadonlyArray<string>) => Stream.Stream<ReadonlyArray<InventoryItem>, BigCommerceError>
  /**
   * Every order modified at or after `since`, oldest id first. v2 dates have whole seconds and the
   * filter is inclusive, so a poller sees an order again at its boundary: dedupe by id.
   */
  readonly listOrdersModifiedSince: (since: Date, pageSize?: number) => Effect.Effect<ReadonlyArray<Order>, BigCommerceError>
  readonly getOrder: (id: number) => Effect.Effect<Order, BigCommerceError>
  /**
   * Every line of an order, 50 a page. Given the order's `items_total`, a full page whose lines
   * hold exactly that many units is known to be the last, so no empty page is asked for.
   */
  readonly getOrderProducts: (orderId: number, itemsTotal?: number) => Effect.Effect<ReadonlyArray<OrderProduct>, BigCommerceError>
  /** Every shipping address of an order, in BigCommerce's order (the first is where the goods go). */
  readonly getOrderShippingAddresses: (orderId: number) => Effect.Effect<ReadonlyArray<OrderShippingAddress>, BigCommerceError>
  readonly createShipment: (orderId: number, input: ShipmentCreate) => Effect.Effect<Shipment, BigCommerceError>
  readonly listShipments: (orderId: number) => Effect.Effect<ReadonlyArray<Shipment>, BigCommerceError>
  readonly listRefunds: (orderId: number) => Effect.Effect<ReadonlyArray<Refund>, BigCommerceError>
  readonly createWebhook: (input: { readonly scope: string; readonly destination: string; readonly secret: WebhookSecret; readonly isActive?: boolean }) => Effect.Effect<Hook, BigCommerceError>
  readonly listWebhooks: () => Effect.Effect<ReadonlyArray<Hook>, BigCommerceError>
  readonly deleteWebhook: (id: number) => Effect.Effect<void, BigCommerceError>
}

const stringifyErrors = (errors: Record<string, unknown> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(errors ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]))

/** Turns a refusal into this connector's typed error; retryable/unknown outcomes pass through. */
const classify = (operation: string) => (failure: HttpFailure): Effect.Effect<never, BigCommerceError> => {
  if (failure._tag !== "HttpStatusFailure" || failure.outcome !== "permanent") return Effect.fail(failure)
  let title = `HTTP ${failure.status}`
  let errors: Record<string, string> = {}
  const parsed = (() => {
    try {
      return JSON.parse(failure.body) as unknown
    } catch {
      return undefined
    }
  })()
  const v3 = Schema.decodeUnknownOption(V3ErrorBody)(parsed)
  const v2 = Schema.decodeUnknownOption(V2ErrorBody)(parsed)
  if (v3._tag === "Some") {
    title = v3.value.title
    errors = stringifyErrors(v3.value.errors)
  } else if (v2._tag === "Some" && v2.value.length > 0) {
    title = v2.value.map((e) => e.message).join("; ")
    // v2 names the field inside the message: "The field 'order_address_id' is invalid."
    errors = Object.fromEntries(v2.value.map((e) => [/'([^']+)'/.exec(e.message)?.[1] ?? "body", e.message]))
  }
  switch (failure.status) {
    case 400:
    case 422:
      return Effect.fail(new BigCommerceValidationFailed({ operation, status: failure.status, title, errors }))
    case 404:
      return Effect.fail(new BigCommerceNotFound({ operation, title }))
    case 409:
      return Effect.fail(new BigCommerceConflict({ operation, title }))
    default:
      return Effect.fail(new BigCommerceRejected({ operation, status: failure.status, title }))
  }
}

export const makeBigCommerceClient = (
  credentials: BigCommerceCredentials,
): Effect.Effect<BigCommerceApi, never, HttpClient.HttpClient | RateLimiters> =>
  Effect.gen(function* () {
    const http = yield* makeConnectorHttp({
      connector: "bigcommerce",
      baseUrl: `${credentials.apiOrigin ?? "https://api.bigcommerce.com"}/stores/${credentials.storeHash}`,
      // The quota is per store and shared by every app on it, so the limiter is keyed by store.
      credentialId: credentialFingerprint(`bigcommerce:${credentials.storeHash}`),
      headers: { "X-Auth-Token": credentials.accessToken },
      secrets: [credentials.accessToken],
      rateLimit: { _tag: "HeaderDriven", headers: BigCommerceRateLimitHeaders, reserve: credentials.reserve ?? 1 },
      // No `resetMsHeader`: BigCommerce sends the reset time on EVERY answer, so as a retry floor
      // it would make a 500 wait out the whole 30 s window. After a 429 the header-driven limiter
      // already holds the next request until the reported reset.
      ...(credentials.retry !== undefined ? { retry: credentials.retry } : {}),
      ...(credentials.timeoutMs !== undefined ? { timeoutMs: credentials.timeoutMs } : {}),
    })

    const send = (operation: string, request: ConnectorRequest): Effect.Effect<ConnectorResponse, BigCommerceError> =>
      http.send(request).pipe(Effect.catchAll(classify(operation)))

    const decode = <A, I>(operation: string, schema: Schema.Schema<A, I>) => (res: ConnectorResponse): Effect.Effect<A, BigCommerceUnexpectedResponse> =>
      Effect.try({ try: () => JSON.parse(responseText(res)) as unknown, catch: (e) => new BigCommerceUnexpectedResponse({ operation, message: String(e) }) }).pipe(
        Effect.flatMap(Schema.decodeUnknown(schema)),
        Effect.mapError((e) => e._tag === "BigCommerceUnexpectedResponse" ? e : new BigCommerceUnexpectedResponse({ operation, message: e.message })),
      )

    const call = <A, I>(operation: string, schema: Schema.Schema<A, I>, request: ConnectorRequest) =>
      send(operation, request).pipe(Effect.flatMap(decode(operation, schema)))

    /** Pages a v3 collection until `meta.pagination` says it is exhausted. */
    const allPages = <A, I>(operation: string, item: Schema.Schema<A, I>, path: string, query: Record<string, string | number>) =>
      Effect.gen(function* () {
        const out: Array<A> = []
        for (let page = 1; ; page++) {
          const res = yield* call(operation, Collection(item), { method: "GET", path, query: { ...query, page, limit: BigCommerceLimits.pageSize } })
          out.push(...res.data)
          const p = res.meta.pagination
          if (p === undefined || p.current_page >= p.total_pages || res.data.length === 0) return out
        }
      })

    const findProductsBySku = Effect.fn("BigCommerce.findProductsBySku")(function* (skus: ReadonlyArray<string>) {
      const out: Array<Product> = []
      // Keep each `sku:in` list well inside URL length limits.
      for (const chunk of Arr.chunksOf(skus, 50)) {
        out.push(...yield* allPages("findProductsBySku", Product, "/v3/catalog/products", { "sku:in": chunk.join(",") }))
      }
      return out
    })

    const findVariantsBySku = Effect.fn("BigCommerce.findVariantsBySku")(function* (sku: string) {
      return yield* allPages("findVariantsBySku", Variant, "/v3/catalog/variants", { sku })
    })

    const listProducts = Effect.fn("BigCommerce.listProducts")(function* () {
      return yield* allPages("listProducts", Product, "/v3/catalog/products", {})
    })

    const getProduct = Effect.fn("BigCommerce.getProduct")(function* (id: number) {
      return (yield* call("getProduct", Single(Product), { method: "GET", path: `/v3/catalog/products/${id}`, query: { include: "variants" } })).data
    })

    const createProduct = Effect.fn("BigCommerce.createProduct")(function* (input: ProductCreate) {
      return (yield* call("createProduct", Single(Product), { method: "POST", path: "/v3/catalog/products", jsonText: decimalJson(input) })).data
    })

    const updateProducts = Effect.fn("BigCommerce.updateProducts")(function* (updates: ReadonlyArray<ProductUpdate>) {
      const out: Array<Product> = []
      for (const chunk of Arr.chunksOf(updates, BigCommerceLimits.productBatch)) {
        out.push(...(yield* call("updateProducts", Collection(Product), { method: "PUT", path: "/v3/catalog/products", jsonText: decimalJson(chunk) })).data)
      }
      return out
    })

    const updateVariants = Effect.fn("BigCommerce.updateVariants")(function* (updates: ReadonlyArray<VariantUpdate>) {
      const out: Array<Variant> = []
      for (const chunk of Arr.chunksOf(updates, BigCommerceLimits.variantBatch)) {
        out.push(...(yield* call("updateVariants", Collection(Variant), { method: "PUT", path: "/v3/catalog/variants", jsonText: decimalJson(chunk) })).data)
      }
      return out
    })

    const setStockAbsolute = Effect.fn("BigCommerce.setStockAbsolute")(function* (items: ReadonlyArray<StockItem>, reason: string) {
      // "Group absolute adjustments by location" and wait for each 200 before the next (inventory-adjustments.mdx).
      const byLocation = Arr.groupBy(items, (i) => String(i.location_id))
      const ids: Array<string> = []
      for (const group of Object.values(byLocation)) {
        for (const chunk of Arr.chunksOf(group, BigCommerceLimits.inventoryItems)) {
          const res = yield* call("setStockAbsolute", InventoryTransaction, { method: "PUT", path: "/v3/inventory/adjustments/absolute", json: { reason, items: chunk } })
          ids.push(res.transaction_id)
        }
      }
      return ids
    })

    // The whole location a page at a time, or the given SKUs 50 to a `sku:in` query (URL length).
    const inventoryPagesAtLocation = (locationId: number, skus?: ReadonlyArray<string>): Stream.Stream<ReadonlyArray<InventoryItem>, BigCommerceError> => {
      const path = `/v3/inventory/locations/${locationId}/items`
      const pages = (query: Record<string, string | number>) =>
        Stream.paginateEffect(1, (page: number) =>
          call("inventoryAtLocation", Collection(InventoryItem), { method: "GET", path, query: { ...query, page, limit: BigCommerceLimits.pageSize } }).pipe(
            Effect.map((res) => {
              const p = res.meta.pagination
              const last = p === undefined || p.current_page >= p.total_pages || res.data.length === 0
              return [res.data as ReadonlyArray<InventoryItem>, last ? Option.none<number>() : Option.some(page + 1)] as const
            })))
      return skus === undefined
        ? pages({})
        : Stream.flatMap(Stream.fromIterable(Arr.chunksOf(skus, 50)), (chunk) => pages({ "sku:in": chunk.join(",") }), { concurrency: 1 })
    }

    const inventoryAtLocation = Effect.fn("BigCommerce.inventoryAtLocation")(function* (locationId: number, skus?: ReadonlyArray<string>) {
      const pages = yield* Stream.runCollect(inventoryPagesAtLocation(locationId, skus))
      return Chunk.toReadonlyArray(pages).flat()
    })

    const listOrdersModifiedSince = Effect.fn("BigCommerce.listOrdersModifiedSince")(function* (since: Date, pageSize: number = BigCommerceLimits.pageSize) {
      const out: Array<Order> = []
      // RFC 2822, the form v2 itself writes dates in.
      const min = since.toUTCString().replace("GMT", "+0000")
      for (let page = 1; ; page++) {
        const res = yield* send("listOrdersModifiedSince", { method: "GET", path: "/v2/orders", query: { min_date_modified: min, sort: "id:asc", page, limit: pageSize } })
        // 204 with no body marks the end of the collection.
        if (res.status === 204) return out
        const batch = yield* decode("listOrdersModifiedSince", Schema.Array(Order))(res)
        out.push(...batch)
        if (batch.length < pageSize) return out
      }
    })

    const getOrder = Effect.fn("BigCommerce.getOrder")(function* (id: number) {
      return yield* call("getOrder", Order, { method: "GET", path: `/v2/orders/${id}` })
    })

    const getOrderProducts = Effect.fn("BigCommerce.getOrderProducts")(function* (orderId: number, itemsTotal?: number) {
      const out: Array<OrderProduct> = []
      let units = 0
      for (let page = 1; ; page++) {
        const res = yield* send("getOrderProducts", { method: "GET", path: `/v2/orders/${orderId}/products`, query: { page, limit: ORDER_PRODUCTS_PAGE } })
        // Only 200 is documented for this collection; a 204 is taken as "none", as on the other v2 collections.
        if (res.status === 204) return out
        const batch = yield* decode("getOrderProducts", Schema.Array(OrderProduct))(res)
        out.push(...batch)
        units += batch.reduce((n, l) => n + l.quantity, 0)
        if (lastOrderProductsPage(batch.length, units, itemsTotal)) return out
      }
    })

    const getOrderShippingAddresses = Effect.fn("BigCommerce.getOrderShippingAddresses")(function* (orderId: number) {
      // page/limit as documented (default limit 50); v2 sends no paging meta, so a short page is the last.
      // Only 200 is documented for this collection; a 204 is taken as "none", as on the other v2 collections.
      const out: Array<OrderShippingAddress> = []
      for (let page = 1; ; page++) {
        const res = yield* send("getOrderShippingAddresses", { method: "GET", path: `/v2/orders/${orderId}/shipping_addresses`, query: { page, limit: SHIPPING_ADDRESS_PAGE } })
        if (res.status === 204) return out
        const batch = yield* decode("getOrderShippingAddresses", Schema.Array(OrderShippingAddress))(res)
        out.push(...batch)
        if (batch.length < SHIPPING_ADDRESS_PAGE) return out
      }
    })

    const createShipment = Effect.fn("BigCommerce.createShipment")(function* (orderId: number, input: ShipmentCreate) {
      return yield* call("createShipment", Shipment, { method: "POST", path: `/v2/orders/${orderId}/shipments`, json: input })
    })

    const listShipments = Effect.fn("BigCommerce.listShipments")(function* (orderId: number) {
      const res = yield* send("listShipments", { method: "GET", path: `/v2/orders/${orderId}/shipments` })
      return res.status === 204 ? [] : yield* decode("listShipments", Schema.Array(Shipment))(res)
    })

    const listRefunds = Effect.fn("BigCommerce.listRefunds")(function* (orderId: number) {
      return (yield* call("listRefunds", Collection(Refund), { method: "GET", path: `/v3/orders/${orderId}/payment_actions/refunds` })).data
    })

    const createWebhook = Effect.fn("BigCommerce.createWebhook")(function* (input: { readonly scope: string; readonly destination: string; readonly secret: WebhookSecret; readonly isActive?: boolean }) {
      const body = { scope: input.scope, destination: input.destination, is_active: input.isActive ?? true, headers: { [input.secret.header]: input.secret.value } }
      // Creating the same hook twice is refused (one per scope + destination), so a retry after an unknown outcome is safe to attempt.
      return (yield* call("createWebhook", Single(Hook), { method: "POST", path: "/v3/hooks", json: body })).data
    })

    const deleteProducts = Effect.fn("BigCommerce.deleteProducts")(function* (ids: ReadonlyArray<number>) {
      for (const chunk of Arr.chunksOf(ids, BigCommerceLimits.productDelete)) {
        yield* send("deleteProducts", { method: "DELETE", path: "/v3/catalog/products", query: { "id:in": chunk.join(",") } })
      }
    })

    const listWebhooks = Effect.fn("BigCommerce.listWebhooks")(function* () {
      return yield* allPages("listWebhooks", Hook, "/v3/hooks", {})
    })

    const deleteWebhook = Effect.fn("BigCommerce.deleteWebhook")(function* (id: number) {
      yield* send("deleteWebhook", { method: "DELETE", path: `/v3/hooks/${id}` })
    })

    return {
      findProductsBySku, findVariantsBySku, listProducts, getProduct, createProduct, updateProducts, updateVariants, deleteProducts,
      setStockAbsolute, inventoryAtLocation, inventoryPagesAtLocation, listOrdersModifiedSince, getOrder, getOrderProducts, getOrderShippingAddresses, createShipment,
      listShipments, listRefunds, createWebhook, listWebhooks, deleteWebhook,
    } satisfies BigCommerceApi
  })

export class BigCommerceClient extends Context.Tag("connectors/bigcommerce/BigCommerceClient")<BigCommerceClient, BigCommerceApi>() {
  /** Needs `HttpClient.HttpClient` and one process-wide `RateLimiters`. */
  static readonly layer = (credentials: BigCommerceCredentials): Layer.Layer<BigCommerceClient, never, HttpClient.HttpClient | RateLimiters> =>
    Layer.effect(BigCommerceClient, makeBigCommerceClient(credentials))
}
