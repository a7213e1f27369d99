import { describe, expect, it } from "vitest"
import { bigCommerceContract } from "./BigCommerceContract.js"

describe("OpenAPI contract validator over the official BigCommerce specs", () => {
  const contract = bigCommerceContract()

  it("accepts a conforming absolute adjustment and rejects one without items", () => {
    const path = "/v3/inventory/adjustments/absolute"
    expect(contract.check({ method: "PUT", path, requestBody: { reason: "r", items: [{ location_id: 1, sku: "A", quantity: 2 }] }, status: 200, responseBody: { transaction_id: "t" } })).toEqual([])
    const bad = contract.check({ method: "PUT", path, requestBody: { reason: "r" }, status: 200, responseBody: { transaction_id: "t" } })
    expect(bad.map((v) => v.where)).toEqual(["request"])
  })

  it("treats `nullable: true` as allowing null and nothing else extra", () => {
    const variant = (price: unknown) => ({ data: [{ id: 1, product_id: 2, sku: "A", price }], meta: {} })
    expect(contract.check({ method: "GET", path: "/v3/catalog/variants", status: 200, responseBody: variant(null) })).toEqual([])
    expect(contract.check({ method: "GET", path: "/v3/catalog/variants", status: 200, responseBody: variant("cheap") })).not.toEqual([])
  })

  it("prefers a literal path segment over a template (`/orders/count` is not order `count`)", () => {
    expect(contract.findOperation("GET", "/v2/orders/count")!.template).toBe("/v2/orders/count")
    expect(contract.findOperation("GET", "/v2/orders/12?x=1")!.template).toBe("/v2/orders/{order_id}")
  })

  it("does not demand readOnly properties of a request", () => {
    // `id` is readOnly on products; a create must not need it.
    expect(contract.check({ method: "POST", path: "/v3/catalog/products", requestBody: { name: "Mug", type: "physical", weight: 1, price: 2 }, status: 200, responseBody: { data: { id: 1, name: "Mug", type: "physical", weight: 1, price: 2 }, meta: {} } })).toEqual([])
  })

  it("flags query parameters the operation does not document", () => {
    expect(contract.check({ method: "GET", path: "/v3/catalog/products?sku:in=A,B&page=2&limit=5", status: 200, responseBody: { data: [], meta: {} } })).toEqual([])
    const bad = contract.check({ method: "GET", path: "/v3/catalog/products?skus=A", status: 200, responseBody: { data: [], meta: {} } })
    expect(bad.map((v) => v.message)).toEqual(['query parameter "skus" is not documented'])
  })

  it("knows an order's products as a paged v2 collection: `page` and `limit` documented, a bare array of lines", () => {
    const line = { id: 65, order_id: 149, product_id: 77, order_address_id: 51, name: "Mug", sku: "MUG", quantity: 2, base_price: "11.9000", price_ex_tax: "11.9000", price_inc_tax: "11.9000", total_inc_tax: "23.8000", quantity_shipped: 0 }
    expect(contract.check({ method: "GET", path: "/v2/orders/149/products?page=2&limit=50", status: 200, responseBody: [line] })).toEqual([])
    expect(contract.check({ method: "GET", path: "/v2/orders/149/products?page=3&limit=50", status: 200, responseBody: [] })).toEqual([])
    expect(contract.check({ method: "GET", path: "/v2/orders/149/products?offset=50", status: 200, responseBody: [] }).map((v) => v.message))
      .toEqual(['query parameter "offset" is not documented'])
    expect(contract.check({ method: "GET", path: "/v2/orders/149/products", status: 200, responseBody: { data: [line] } }).map((v) => v.where)).toContain("response")
  })

  it("reports an unknown operation and an undocumented status", () => {
    expect(contract.check({ method: "GET", path: "/v3/nowhere", status: 200 })[0]!.where).toBe("operation")
    expect(contract.check({ method: "GET", path: "/v2/orders", status: 418 })[0]!.message).toMatch(/not documented/)
  })
})
