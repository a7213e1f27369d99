import { assert, describe, it } from "@effect/vitest"
import { staleFlows } from "../../engine/sync/FlowHealth.js"

const minute = 60_000
const now = Date.parse("2026-12-05T12:00:00Z")
const at = (minutesAgo: number) => new Date(now - minutesAgo * minute)
const scheduled = [{ pipeline: "shop", flows: ["orders", "stock", "catalog"], heartbeatSeconds: 300 }]

describe("flow health", () => {
  it("a flow is stale once it has gone twice its heartbeat without a successful run, never before", () => {
    const stale = staleFlows(scheduled, [
      { pipeline: "shop", flow: "orders", lastSuccessAt: at(10), firstRunAt: at(60) },
      { pipeline: "shop", flow: "stock", lastSuccessAt: at(9), firstRunAt: at(60) },
    ], now)
    assert.deepStrictEqual(stale.map((s) => [s.flow, s.forSeconds]), [["orders", 600]])
  })

  it("a flow that ran but never succeeded counts from its first run; one that never ran is not judged", () => {
    const stale = staleFlows(scheduled, [{ pipeline: "shop", flow: "orders", lastSuccessAt: null, firstRunAt: at(11) }], now)
    assert.deepStrictEqual(stale, [{ pipeline: "shop", flow: "orders", lastSuccessAt: null, forSeconds: 660 }])
  })
})
