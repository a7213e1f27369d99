/**
 * The BigCommerce simulator as a fault run drives it from another process: the control API under
 * `/__sim/`, the storefront checkout and shopper that never sell beyond the level shown, and an
 * inventory level that never goes below the spec's minimum 0.
 */
import fc from "fast-check"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { BigCommerceSimulator } from "../../../connectors/bigcommerce/simulator/BigCommerceSimulator.js"
import { Shopper } from "../../../connectors/bigcommerce/simulator/Shopper.js"
import { SimulatorStore, StoreInvalid } from "../../../connectors/bigcommerce/simulator/SimulatorStore.js"

let sim: BigCommerceSimulator
beforeEach(async () => {
  sim = await BigCommerceSimulator.start({ seed: 7 })
})
afterEach(() => sim.stop())

const origin = () => new URL(sim.baseUrl).origin
const control = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${origin()}/__sim${path}`, {
    method, ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  })
  return { status: res.status, body: (await res.json()) as any }
}
const level = (sku: string) => sim.store.level(sim.store.findVariantBySku(sku)!.id)

describe("BigCommerce simulator control API", () => {
  it("sets fault knobs from outside, the very object the webhook dispatcher reads", async () => {
    const put = await control("PUT", "/faults", { serverErrorRate: 0.25, webhooks: { dropRate: 0.05, duplicateRate: 0.3 } })
    expect(put.status).toBe(200)
    expect(sim.faults.serverErrorRate).toBe(0.25)
    expect(sim.faults.webhooks).toMatchObject({ dropRate: 0.05, duplicateRate: 0.3 })
    expect((await control("GET", "/faults")).body.webhooks.duplicateRate).toBe(0.3)
  })

  it("refuses a bad knob whole, changing nothing", async () => {
    expect((await control("PUT", "/faults", { serverErrorRate: 0.1, webhooks: { dropRate: 1.5 } })).status).toBe(400)
    expect((await control("PUT", "/faults", { latencyMS: 10 })).status).toBe(400)
    expect(sim.faults.serverErrorRate).toBe(0)
  })

  it("is no part of the contract: no auth, no quota, not recorded", async () => {
    await control("GET", "/state")
    await control("PUT", "/faults", { latencyMs: 0 })
    expect(sim.exchanges).toEqual([])
    expect(sim.writeCounts()).toEqual({})
  })

  it("reports orders, units sold per SKU and levels from the store's state", async () => {
    sim.store.seed([{ sku: "S1", stock: 5 }, { sku: "S2", stock: 2 }])
    sim.store.checkout({ lines: [{ sku: "S1", quantity: 2 }, { sku: "S2", quantity: 1 }] })
    sim.store.checkout({ lines: [{ sku: "S1", quantity: 1 }] })
    const state = (await control("GET", "/state")).body
    expect(state.orders).toHaveLength(2)
    expect(state.unitsSold).toEqual({ S1: 3, S2: 1 })
    expect(state.levels).toEqual({ S1: 2, S2: 1 })
  })

  it("starts a shopper that places the number of orders asked for", async () => {
    sim.store.seed([{ sku: "S1", stock: 50 }, { sku: "S2", stock: 50 }])
    expect((await control("PUT", "/shopper", { everyMs: 5, maxOrders: 6 })).status).toBe(200)
    const deadline = Date.now() + 5_000
    while (sim.shopper.status().placed < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    await new Promise((r) => setTimeout(r, 50))
    expect((await control("GET", "/shopper")).body).toMatchObject({ placed: 6, running: false, refused: 0 })
    expect(sim.store.orders.size).toBe(6)
  })
})

describe("the storefront never sells what it does not show", () => {
  const store = () => new SimulatorStore("h", () => {})

  it("refuses a checkout line beyond the inventory level, summed per SKU, and changes nothing", () => {
    const s = store()
    s.seed([{ sku: "S1", stock: 3 }])
    expect(() => s.checkout({ lines: [{ sku: "S1", quantity: 2 }, { sku: "S1", quantity: 2 }] })).toThrow(StoreInvalid)
    expect(s.orders.size).toBe(0)
    expect(s.checkout({ lines: [{ sku: "S1", quantity: 3 }] }).lines[0]!.quantity).toBe(3)
    expect(() => s.checkout({ lines: [{ sku: "S1", quantity: 1 }] })).toThrow(StoreInvalid)
  })

  it("never lets inventory_level go below 0, even for an order staged beyond stock", () => {
    const s = store()
    s.seed([{ sku: "S1", stock: 2 }])
    s.placeOrder({ lines: [{ sku: "S1", quantity: 5 }] })
    expect(s.level(s.findVariantBySku("S1")!.id)).toBe(0)
  })

  it("a seeded shopper never orders beyond the level shown, and levels never go negative", () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 6 }),
      (seed, stocks) => {
        const s = store()
        s.seed(stocks.map((stock, i) => ({ sku: `S${i}`, stock })))
        let state = seed
        const shopper = new Shopper(s, () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31))
        for (let i = 0; i < 40; i++) shopper.placeOne()
        const sold = new Map<string, number>()
        for (const o of s.orders.values()) for (const l of o.lines) sold.set(l.sku, (sold.get(l.sku) ?? 0) + l.quantity)
        stocks.forEach((stock, i) => {
          expect(sold.get(`S${i}`) ?? 0).toBeLessThanOrEqual(stock)
          expect(s.level(s.findVariantBySku(`S${i}`)!.id)).toBe(stock - (sold.get(`S${i}`) ?? 0))
        })
        expect(shopper.status().refused).toBe(0)
      },
    ), { numRuns: 100 })
  })
})

it("the same seed places the same orders", async () => {
  const orders = async () => {
    const s = new SimulatorStore("h", () => {})
    s.seed([{ sku: "A", stock: 9 }, { sku: "B", stock: 9 }, { sku: "C", stock: 9 }])
    const other = await BigCommerceSimulator.start({ seed: 11 })
    try {
      other.store.seed([{ sku: "A", stock: 9 }, { sku: "B", stock: 9 }, { sku: "C", stock: 9 }])
      for (let i = 0; i < 8; i++) other.shopper.placeOne()
      return [...other.store.orders.values()].map((o) => o.lines.map((l) => `${l.quantity}×${l.sku}`).join("+"))
    } finally {
      await other.stop()
    }
  }
  expect(await orders()).toEqual(await orders())
})
