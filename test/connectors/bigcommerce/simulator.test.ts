/**
 * The simulator's own contract, exercised with plain fetch: what BigCommerce does, not what our
 * client happens to send. Every exchange is checked against the official OpenAPI specs at the end.
 */
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest"
import { BigCommerceSimulator } from "../../../connectors/bigcommerce/simulator/BigCommerceSimulator.js"
import { contractViolations } from "../../contract/BigCommerceContract.js"

let sim: BigCommerceSimulator
const allExchanges: Array<BigCommerceSimulator["exchanges"][number]> = []

beforeEach(async () => {
  sim = await BigCommerceSimulator.start({ rateLimit: { quota: 1000 } })
})
afterEach(async () => {
  allExchanges.push(...sim.exchanges)
  await sim.stop()
})
afterAll(() => {
  expect(contractViolations(allExchanges, { requestsRefusedOnPurpose: true })).toEqual([])
})

const call = async (method: string, path: string, body?: unknown, token = sim.accessToken) => {
  const res = await fetch(`${sim.baseUrl}${path}`, {
    method,
    headers: { "X-Auth-Token": token, Accept: "application/json", ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, json: text === "" ? undefined : JSON.parse(text) }
}

describe("BigCommerce simulator", () => {
  it("refuses a wrong X-Auth-Token with the v3 401 body", async () => {
    const r = await call("GET", "/v3/catalog/products", undefined, "nope")
    expect(r.status).toBe(401)
    expect(r.json).toMatchObject({ status: 401, type: expect.any(String) })
  })

  it("reports the quota on every response and answers 429 without executing once it is spent", async () => {
    await sim.stop()
    sim = await BigCommerceSimulator.start({ rateLimit: { quota: 2, windowMs: 60_000 } })
    sim.store.seed([{ sku: "A1", stock: 5 }])
    const first = await call("GET", "/v3/catalog/products")
    expect(first.headers.get("x-rate-limit-requests-quota")).toBe("2")
    expect(first.headers.get("x-rate-limit-requests-left")).toBe("1")
    expect(first.headers.get("x-rate-limit-time-window-ms")).toBe("60000")
    expect(Number(first.headers.get("x-rate-limit-time-reset-ms"))).toBeGreaterThan(0)
    await call("GET", "/v3/catalog/products")
    const refused = await call("PUT", "/v3/inventory/adjustments/absolute", { reason: "r", items: [{ location_id: 1, sku: "A1", quantity: 99 }] })
    expect(refused.status).toBe(429)
    expect(refused.headers.get("x-rate-limit-requests-left")).toBe("0")
    expect(sim.store.level(sim.store.findVariantBySku("A1")!.id)).toBe(5)
    expect(sim.writeCounts()).toEqual({ "PUT /v3/inventory/adjustments/absolute": 1 })
    expect(sim.exchanges.at(-1)!.executed).toBe(false)
  })

  it("answers injected 5xx without executing the request", async () => {
    sim.faults.serverErrorRate = 1
    const r = await call("POST", "/v3/catalog/products", { name: "X", type: "physical", weight: 1, price: 1 })
    expect(r.status).toBe(500)
    expect(sim.store.products.size).toBe(0)
    sim.faults.serverErrorRate = 0
    const v2 = await call("GET", "/v2/orders/1")
    expect(v2.status).toBe(404)
  })

  it("finds products by sku and sku:in, paging with meta.pagination", async () => {
    sim.store.seed(Array.from({ length: 7 }, (_, i) => ({ sku: `S${i}` })))
    const one = await call("GET", "/v3/catalog/products?sku=s3")
    expect(one.json.data.map((p: any) => p.sku)).toEqual(["S3"])
    const some = await call("GET", "/v3/catalog/products?sku:in=S1,S2,S9")
    expect(some.json.data.map((p: any) => p.sku)).toEqual(["S1", "S2"])
    const page2 = await call("GET", "/v3/catalog/products?page=2&limit=3")
    expect(page2.json.data.map((p: any) => p.sku)).toEqual(["S3", "S4", "S5"])
    expect(page2.json.meta.pagination).toMatchObject({ total: 7, total_pages: 3, current_page: 2, per_page: 3, count: 3 })
  })

  it("creates a product, rejects an invalid one with 422 field errors and a duplicate SKU with 409", async () => {
    const created = await call("POST", "/v3/catalog/products", { name: "Mug", type: "physical", weight: 0.5, price: 11.9, sku: "MUG-1" })
    expect(created.status).toBe(200)
    expect(created.json.data).toMatchObject({ sku: "MUG-1", price: 11.9 })
    const invalid = await call("POST", "/v3/catalog/products", { name: "", type: "solid", weight: 1, price: -1 })
    expect(invalid.status).toBe(422)
    expect(Object.keys(invalid.json.errors).sort()).toEqual(["name", "price", "type"])
    const dup = await call("POST", "/v3/catalog/products", { name: "Mug 2", type: "physical", weight: 1, price: 1, sku: "mug-1" })
    expect(dup.status).toBe(409)
  })

  it("limits product batches to 10 and variant batches to 50", async () => {
    const products = sim.store.seed(Array.from({ length: 11 }, (_, i) => ({ sku: `B${i}` })))
    const tooMany = await call("PUT", "/v3/catalog/products", products.map((p) => ({ id: p.id, price: 2 })))
    expect(tooMany.status).toBe(413)
    const ten = await call("PUT", "/v3/catalog/products", products.slice(0, 10).map((p) => ({ id: p.id, price: 2 })))
    expect(ten.status).toBe(200)
    expect(ten.json.data.every((p: any) => p.price === 2)).toBe(true)
    const variants = Array.from({ length: 51 }, (_, i) => ({ id: 1000 + i, price: 1 }))
    expect((await call("PUT", "/v3/catalog/variants", variants)).status).toBe(413)
    expect(sim.writeCounts()).toEqual({ "PUT /v3/catalog/products": 2, "PUT /v3/catalog/variants": 1 })
  })

  it("sets absolute stock per location, refusing variant ids of product-tracked items and more than 2000 items", async () => {
    const [plain, options] = sim.store.seed([{ sku: "P1", stock: 3 }, { sku: "P2", variants: [{ sku: "P2-S", stock: 1 }, { sku: "P2-M", stock: 2 }] }])
    const adjusted = await call("PUT", "/v3/inventory/adjustments/absolute", {
      reason: "sync",
      items: [{ location_id: 1, sku: "P1", quantity: 8 }, { location_id: 1, sku: "P2-M", quantity: 4 }],
    })
    expect(adjusted.status).toBe(200)
    expect(typeof adjusted.json.transaction_id).toBe("string")
    const product = await call("GET", `/v3/catalog/products/${options!.id}`)
    expect(product.json.data.inventory_level).toBe(5)
    const wrongMode = await call("PUT", "/v3/inventory/adjustments/absolute", { items: [{ location_id: 1, variant_id: plain!.base_variant_id, quantity: 1 }] })
    expect(wrongMode.status).toBe(422)
    expect(wrongMode.headers.get("content-type")).toContain("application/problem+json")
    const huge = await call("PUT", "/v3/inventory/adjustments/absolute", { items: Array.from({ length: 2001 }, () => ({ location_id: 1, sku: "P1", quantity: 1 })) })
    expect(huge.status).toBe(422)
    const levels = await call("GET", "/v3/inventory/locations/1/items?sku:in=P1")
    expect(levels.json.data[0].locations[0].total_inventory_onhand).toBe(8)
  })

  it("lists v2 orders by min_date_modified with page and limit, 204 past the end", async () => {
    sim.store.seed([{ sku: "O1", stock: 100, price: "12.5" }])
    for (let i = 0; i < 5; i++) sim.store.placeOrder({ lines: [{ sku: "O1", quantity: 2 }] })
    const since = new Date(Date.now() - 60_000).toISOString()
    const p1 = await call("GET", `/v2/orders?min_date_modified=${encodeURIComponent(since)}&limit=2&page=1`)
    expect(p1.json.map((o: any) => o.id)).toEqual([100, 101])
    expect(p1.json[0]).toMatchObject({ total_inc_tax: "25.0000", status_id: 11, status: "Awaiting Fulfillment" })
    const p3 = await call("GET", `/v2/orders?min_date_modified=${encodeURIComponent(since)}&limit=2&page=3`)
    expect(p3.json.map((o: any) => o.id)).toEqual([104])
    const past = await call("GET", `/v2/orders?min_date_modified=${encodeURIComponent(since)}&limit=2&page=4`)
    expect(past.status).toBe(204)
    expect(sim.store.level(sim.store.findVariantBySku("O1")!.id)).toBe(90)
    const missing = await call("GET", "/v2/orders/9999")
    expect(missing.json).toEqual([{ status: 404, message: "The requested resource was not found." }])
  })

  it("lists an order's shipping addresses with page and limit; a digital order has none", async () => {
    sim.store.seed([{ sku: "SA", stock: 10 }])
    const order = sim.store.placeOrder({
      lines: [{ sku: "SA", quantity: 2 }], shipping_cost: "4.90",
      shipping_addresses: [
        { first_name: "Jean", last_name: "Dupont", street_1: "1 Rue de Rivoli", city: "Paris", zip: "75001", country: "France", country_iso2: "FR" },
        { first_name: "Anna", last_name: "Weiss", street_1: "Ring 2", city: "Wien", zip: "1010", country: "Austria", country_iso2: "AT" },
      ],
    })
    const view = (await call("GET", `/v2/orders/${order.id}`)).json
    expect(view.shipping_address_count).toBe(2)
    expect(view.shipping_addresses.resource).toBe(`/orders/${order.id}/shipping_addresses`)
    const all = await call("GET", `/v2/orders/${order.id}/shipping_addresses`)
    expect(all.status).toBe(200)
    expect(all.json.map((a: any) => [a.country_iso2, a.city])).toEqual([["FR", "Paris"], ["AT", "Wien"]])
    // the lines ship to the first address, which carries the order's shipping cost
    expect(all.json[0]).toMatchObject({ order_id: order.id, items_total: 2, base_cost: "4.9000", cost_inc_tax: "4.9000" })
    expect(all.json[1]).toMatchObject({ items_total: 0, base_cost: "0.0000" })
    const second = await call("GET", `/v2/orders/${order.id}/shipping_addresses?page=2&limit=1`)
    expect(second.json.map((a: any) => a.city)).toEqual(["Wien"])
    expect((await call("GET", `/v2/orders/${order.id}/shipping_addresses?page=3&limit=1`)).json).toEqual([])
    expect((await call("GET", `/v2/orders/${order.id}/shipping_addresses?page=0`)).status).toBe(400)
    expect((await call("GET", "/v2/orders/9999/shipping_addresses")).json).toEqual([{ status: 404, message: "The requested resource was not found." }])
    const digital = sim.store.placeOrder({ lines: [{ sku: "SA", quantity: 1 }], shipping_addresses: [] })
    expect((await call("GET", `/v2/orders/${digital.id}`)).json.shipping_address_count).toBe(0)
    expect((await call("GET", `/v2/orders/${digital.id}/shipping_addresses`)).json).toEqual([])
  })

  it("lists an order's products 50 a page by default, `page`/`limit` as documented, an empty array past the end", async () => {
    sim.store.seed([{ sku: "P1", stock: 500 }])
    const order = sim.store.placeOrder({ lines: Array.from({ length: 60 }, (_, i) => ({ sku: "P1", quantity: 1 + (i % 2) })) })
    expect((await call("GET", `/v2/orders/${order.id}`)).json.items_total).toBe(90)
    const first = await call("GET", `/v2/orders/${order.id}/products`)
    expect(first.status).toBe(200)
    expect(first.json).toHaveLength(50)
    const second = (await call("GET", `/v2/orders/${order.id}/products?page=2`)).json
    expect(second).toHaveLength(10)
    const ids = [...first.json, ...second].map((l: any) => l.id)
    expect(new Set(ids).size).toBe(60)
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    expect((await call("GET", `/v2/orders/${order.id}/products?page=3&limit=25`)).json.map((l: any) => l.id)).toEqual(ids.slice(50, 60))
    expect((await call("GET", `/v2/orders/${order.id}/products?limit=250`)).json).toHaveLength(60)
    expect((await call("GET", `/v2/orders/${order.id}/products?page=4&limit=20`)).json).toEqual([])
    expect((await call("GET", `/v2/orders/${order.id}/products?limit=0`)).status).toBe(400)
    expect((await call("GET", "/v2/orders/9999/products")).json).toEqual([{ status: 404, message: "The requested resource was not found." }])
  })

  it("lists the 15 documented order statuses and announces a status change", async () => {
    const statuses = await call("GET", "/v2/order_statuses")
    expect(statuses.json.map((x: any) => [x.id, x.name])).toContainEqual([11, "Awaiting Fulfillment"])
    expect(statuses.json).toHaveLength(15)
    sim.store.seed([{ sku: "ST", stock: 1 }])
    const order = sim.store.placeOrder({ lines: [{ sku: "ST", quantity: 1 }] })
    const updated = await call("PUT", `/v2/orders/${order.id}`, { status_id: 9 })
    expect(updated.json).toMatchObject({ status_id: 9, status: "Awaiting Shipment" })
    expect(sim.webhooks.announced).toContainEqual({ scope: "store/order/statusUpdated", data: { type: "order", id: order.id, status: { previous_status_id: 11, new_status_id: 9 } } })
    expect((await call("PUT", `/v2/orders/${order.id}`, { status_id: 99 })).status).toBe(400)
  })

  it("ships an order with a tracking number and moves it to Shipped", async () => {
    sim.store.seed([{ sku: "T1", stock: 3 }])
    const order = sim.store.placeOrder({ lines: [{ sku: "T1", quantity: 1 }] })
    const lines = await call("GET", `/v2/orders/${order.id}/products`)
    expect((await call("GET", `/v2/orders/${order.id}/shipments`)).status).toBe(204)
    const shipped = await call("POST", `/v2/orders/${order.id}/shipments`, {
      order_address_id: lines.json[0].order_address_id,
      tracking_number: "JJD000123",
      tracking_carrier: "dhl",
      items: [{ order_product_id: lines.json[0].id, quantity: 1 }],
    })
    expect(shipped.status).toBe(201)
    expect(shipped.json).toMatchObject({ tracking_number: "JJD000123", tracking_carrier: "dhl" })
    expect((await call("GET", `/v2/orders/${order.id}`)).json.status_id).toBe(2)
    const bad = await call("POST", `/v2/orders/${order.id}/shipments`, { order_address_id: 1, items: [] })
    expect(bad.status).toBe(400)
    expect(bad.json[0].status).toBe(400)
  })

  it("lists refunds of an order", async () => {
    sim.store.seed([{ sku: "R1", stock: 3, price: "9.99" }])
    const order = sim.store.placeOrder({ lines: [{ sku: "R1", quantity: 2 }] })
    sim.store.refund(order.id, [{ order_product_id: order.lines[0]!.id, quantity: 1 }], "damaged")
    const refunds = await call("GET", `/v3/orders/${order.id}/payment_actions/refunds`)
    expect(refunds.json.data).toHaveLength(1)
    expect(refunds.json.data[0]).toMatchObject({ total_amount: 9.99, reason: "damaged" })
    expect((await call("GET", `/v2/orders/${order.id}`)).json.status).toBe("Partially Refunded")
  })

  describe("webhooks", () => {
    const receiver = async (answer: (n: number) => number) => {
      const received: Array<{ headers: IncomingMessage["headers"]; body: any }> = []
      const server = createServer((req, res) => {
        let raw = ""
        req.on("data", (c) => (raw += c))
        req.on("end", () => {
          received.push({ headers: req.headers, body: JSON.parse(raw) })
          res.statusCode = answer(received.length)
          res.end()
        })
      })
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`
      return { received, url, close: () => new Promise<void>((r) => server.close(() => r())) }
    }

    it("delivers the lightweight payload with the hook's custom headers", async () => {
      const rx = await receiver(() => 200)
      const hook = await call("POST", "/v3/hooks", { scope: "store/order/*", destination: rx.url, is_active: true, headers: { "X-Vortex-Secret": "s3cret" } })
      expect(hook.status).toBe(200)
      sim.store.seed([{ sku: "W1", stock: 3 }])
      const order = sim.store.placeOrder({ lines: [{ sku: "W1", quantity: 1 }] })
      await sim.webhooks.idle()
      await rx.close()
      expect(rx.received).toHaveLength(1)
      expect(rx.received[0]!.headers["x-vortex-secret"]).toBe("s3cret")
      expect(rx.received[0]!.body).toMatchObject({ scope: "store/order/created", store_id: expect.any(String), data: { type: "order", id: order.id }, hash: expect.stringMatching(/^[0-9a-f]{40}$/), producer: `stores/${sim.storeHash}` })
    })

    it("retries a failed delivery on the documented schedule", async () => {
      sim.faults.webhooks.retryScale = 0.00001
      const rx = await receiver((n) => (n < 3 ? 503 : 200))
      await call("POST", "/v3/hooks", { scope: "store/product/inventory/updated", destination: rx.url, headers: {} })
      sim.store.seed([{ sku: "W2", stock: 3 }])
      await call("PUT", "/v3/inventory/adjustments/absolute", { reason: "r", items: [{ location_id: 1, sku: "W2", quantity: 1 }] })
      await sim.webhooks.idle()
      await rx.close()
      expect(sim.webhooks.attempts.map((a) => a.status)).toEqual([503, 503, 200])
      expect(rx.received.map((r) => r.body.hash)).toEqual(Array(3).fill(rx.received[0]!.body.hash))
    })

    it("deactivates a hook whose destination keeps failing through the whole schedule", async () => {
      sim.faults.webhooks.retryScale = 0.0000001
      const rx = await receiver(() => 500)
      const made = await call("POST", "/v3/hooks", { scope: "store/order/created", destination: rx.url })
      sim.store.seed([{ sku: "W9", stock: 1 }])
      sim.store.placeOrder({ lines: [{ sku: "W9", quantity: 1 }] })
      await sim.webhooks.idle()
      await rx.close()
      // The first attempt plus one per documented retry delay.
      expect(rx.received).toHaveLength(12)
      expect((await call("GET", `/v3/hooks/${made.json.data.id}`)).json.data.is_active).toBe(false)
    })

    it("can drop or duplicate deliveries", async () => {
      const rx = await receiver(() => 200)
      await call("POST", "/v3/hooks", { scope: "store/order/created", destination: rx.url })
      sim.store.seed([{ sku: "W3", stock: 9 }])
      sim.faults.webhooks.duplicateRate = 1
      sim.store.placeOrder({ lines: [{ sku: "W3", quantity: 1 }] })
      await sim.webhooks.idle()
      sim.faults.webhooks.duplicateRate = 0
      sim.faults.webhooks.dropRate = 1
      sim.store.placeOrder({ lines: [{ sku: "W3", quantity: 1 }] })
      await sim.webhooks.idle()
      await rx.close()
      expect(rx.received.map((r) => r.body.data.id)).toEqual([100, 100])
    })

    it("lists, reads and deletes hooks", async () => {
      const made = await call("POST", "/v3/hooks", { scope: "store/order/*", destination: "https://example.com/h", headers: { a: "b" } })
      expect((await call("GET", "/v3/hooks")).json.data).toHaveLength(1)
      expect((await call("GET", `/v3/hooks/${made.json.data.id}`)).json.data.headers).toEqual({ a: "b" })
      expect((await call("DELETE", `/v3/hooks/${made.json.data.id}`)).status).toBe(200)
      expect((await call("GET", `/v3/hooks/${made.json.data.id}`)).status).toBe(404)
      expect((await call("POST", "/v3/hooks", { destination: "https://example.com/h" })).status).toBe(422)
    })
  })
})
