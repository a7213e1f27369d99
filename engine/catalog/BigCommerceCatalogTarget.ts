import { BigDecimal, Effect, Ref } from "effect"
import { BigCommerceLimits, type BigCommerceApi, type ProductUpdate } from "../../connectors/bigcommerce/BigCommerceClient.js"
import type { CatalogTarget, ItemFailure, Listing } from "./CatalogTarget.js"

const decimal = (text: unknown) => BigDecimal.unsafeFromString(String(text))

const describe = (error: { readonly _tag: string; readonly message?: string }) => `${error._tag}: ${error.message ?? ""}`.trim()

// The canonical listing → BigCommerce's product wire format, and nothing more: what a listing
// contains is the pipeline's business.
// Optional listing fields BigCommerce products carry (products_catalog.v3.yml): a field the
// pipeline does not map is left as the store has it.
const optionalFields = (listing: Listing) => ({
  ...(typeof listing["salePrice"] === "string" ? { sale_price: decimal(listing["salePrice"]) } : {}),
  ...(typeof listing["description"] === "string" ? { description: listing["description"] } : {}),
  // 0-255; the store ignores it under automatic tax
  ...(typeof listing["tax_class_id"] === "number" ? { tax_class_id: listing["tax_class_id"] } : {}),
})

const productUpdate = (id: string, listing: Listing): ProductUpdate => ({
  id: Number(id),
  name: listing.name,
  sku: listing.sku,
  price: decimal(listing.price),
  ...optionalFields(listing),
  is_visible: listing["active"] !== false,
})

/** Catalog writes to a BigCommerce store through its client. */
export const bigCommerceCatalogTarget = (client: BigCommerceApi) => Effect.gen(function* () {
  const calls = yield* Ref.make(0)
  const count = (n = 1) => Ref.update(calls, (c) => c + n)

  const updateOne = (item: ProductUpdate, sku: string) =>
    client.updateProducts([item]).pipe(
      Effect.tap(() => count()),
      Effect.as([] as ReadonlyArray<ItemFailure>),
      Effect.catchAll((error) => count().pipe(Effect.as([{ sku, message: describe(error) }]))),
    )

  const target: CatalogTarget = {
    batchSize: BigCommerceLimits.productBatch,
    removeBatchSize: BigCommerceLimits.productDelete,
    findBySkus: (skus) => client.findProductsBySku(skus).pipe(
      Effect.tap(() => count()),
      Effect.map((products) => new Map(products.map((p) => [p.sku, String(p.id)] as const))),
      Effect.mapError((error): ItemFailure => ({ sku: skus.join(","), message: describe(error) })),
    ),
    create: (listing) => client.createProduct({
      name: listing.name,
      type: "physical",
      sku: listing.sku,
      price: decimal(listing.price),
      ...optionalFields(listing),
      weight: 0,
      is_visible: listing["active"] !== false,
      // stock is Vortex's to publish (ARCHITECTURE.md §7): the store must track it per product
      inventory_tracking: "product",
    }).pipe(
      Effect.tap(() => count()),
      Effect.map((product) => String(product.id)),
      Effect.tapError(() => count()),
      Effect.mapError((error): ItemFailure => ({ sku: listing.sku, message: describe(error) })),
    ),
    update: (items) => {
      const updates = items.map((i) => productUpdate(i.id, i.listing))
      return client.updateProducts(updates).pipe(
        Effect.tap(() => count()),
        Effect.as([] as ReadonlyArray<ItemFailure>),
        // BigCommerce refuses a whole batch for one bad item: retry one by one to isolate it
        Effect.catchAll(() => count().pipe(Effect.zipRight(
          Effect.forEach(updates, (u, i) => updateOne(u, items[i]!.listing.sku)).pipe(Effect.map((r) => r.flat())),
        ))),
      )
    },
    disable: (items) => {
      const updates = items.map((i): ProductUpdate => ({ id: Number(i.id), is_visible: false }))
      return client.updateProducts(updates).pipe(
        Effect.tap(() => count()),
        Effect.as([] as ReadonlyArray<ItemFailure>),
        Effect.catchAll(() => count().pipe(Effect.zipRight(
          Effect.forEach(updates, (u, i) => updateOne(u, items[i]!.sku)).pipe(Effect.map((r) => r.flat())),
        ))),
      )
    },
    remove: (items) => {
      const deleteOne = (item: { readonly id: string; readonly sku: string }) =>
        client.deleteProducts([Number(item.id)]).pipe(
          Effect.tap(() => count()),
          Effect.as([] as ReadonlyArray<ItemFailure>),
          Effect.catchAll((error) => count().pipe(Effect.as([{ sku: item.sku, message: describe(error) }]))),
        )
      return client.deleteProducts(items.map((i) => Number(i.id))).pipe(
        Effect.tap(() => count()),
        Effect.as([] as ReadonlyArray<ItemFailure>),
        Effect.catchAll(() => count().pipe(Effect.zipRight(Effect.forEach(items, deleteOne).pipe(Effect.map((r) => r.flat()))))),
      )
    },
    apiCalls: Ref.get(calls),
  }
  return target
})
