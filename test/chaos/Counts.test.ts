import { describe, expect, it } from "vitest"
import { duplicates, missing, oversold, resumptions, strays, type Confirmation, type PlacedOrder } from "./Counts.js"

const shop = "shop-conn"
const order = (id: number, placedAt: number, lines: PlacedOrder["lines"] = [{ sku: "A", quantity: 1 }]): PlacedOrder => ({ channelOrderId: String(id), placedAt, lines })
const booked = (n: string, id: number | null, connectionId = shop): Confirmation =>
  ({ voucherId: `v-${n}`, voucherNumber: n, marker: id === null ? null : { connectionId, channelOrderId: String(id) } })

describe("fault-run counts from the simulators' state", () => {
  const placed = [order(100, 1_000), order(101, 2_000), order(102, 3_000)]
  const confirmations = [booked("AB1", 100), booked("AB2", 101), booked("AB3", 101), booked("AB4", null), booked("AB5", 102, "other")]

  it("a channel order with two confirmations is a duplicate, named with its vouchers", () => {
    expect(duplicates(confirmations, shop)).toEqual([{ channelOrderId: "101", vouchers: ["AB2", "AB3"] }])
  })

  it("a placed order with no confirmation of this shop is missing", () => {
    expect(missing(placed, confirmations, shop)).toEqual(["102"])
  })

  it("a confirmation naming no placed order of this shop is a stray", () => {
    expect(strays(confirmations, placed, shop)).toEqual(["AB4", "AB5"])
  })

  it("units beyond the stock Vortex was given are counted per SKU", () => {
    const sold = [order(1, 0, [{ sku: "A", quantity: 3 }, { sku: "B", quantity: 1 }]), order(2, 0, [{ sku: "A", quantity: 2 }])]
    expect(oversold(sold, new Map([["A", 4], ["B", 1]]))).toEqual([{ sku: "A", sold: 5, onHand: 4, beyond: 1 }])
  })

  it("intake resumes at the first order placed after a kill that Vortex took in", () => {
    const kills = [{ at: 1_500, victim: "worker", duringOrdersRun: true }, { at: 2_500, victim: "up-0", duringOrdersRun: false }, { at: 9_000, victim: "up-1", duringOrdersRun: false }]
    const takenIn = new Map([["100", 1_100], ["102", 7_000]])
    expect(resumptions(kills, placed, takenIn).map((r) => r.resumedAfterMs)).toEqual([5_500, 4_500, undefined])
    expect(resumptions(kills.slice(0, 1), placed, new Map()).map((r) => r.resumedAfterMs)).toEqual([null])
  })
})
