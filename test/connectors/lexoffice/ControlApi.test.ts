/**
 * The lexoffice simulator as a fault run drives it from another process: fault knobs under
 * `/__sim/faults` (rates from seeded dice), and the order confirmations read back with the
 * exactly-once marker Vortex wrote into them.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { LexofficeSimulator } from "../../../connectors/lexoffice/simulator/LexofficeSimulator.js"

let sim: LexofficeSimulator
beforeEach(async () => {
  sim = await LexofficeSimulator.start({ rateLimit: false, seed: 5 })
})
afterEach(() => sim.stop())

const control = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${sim.url}/__sim${path}`, {
    method, ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  })
  return { status: res.status, body: (await res.json()) as any }
}
const api = (method: string, path: string, body?: unknown) => fetch(`${sim.url}${path}`, {
  method,
  headers: { authorization: `Bearer ${sim.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
})
const confirmation = (remark: string) => ({
  voucherDate: "2026-04-02T00:00:00.000+02:00",
  address: { name: "Buyer", countryCode: "DE" },
  lineItems: [{ type: "custom", name: "Mug", quantity: 1, unitName: "Stück", unitPrice: { currency: "EUR", grossAmount: 11.9, taxRatePercentage: 19 } }],
  totalPrice: { currency: "EUR" },
  taxConditions: { taxType: "gross" },
  shippingConditions: { shippingType: "none" },
  remark,
})

describe("lexoffice simulator control API", () => {
  it("tells a harness the URL, key and webhook public key", async () => {
    const info = (await control("GET", "/info")).body
    expect(info).toEqual({ url: sim.url, token: sim.token, publicKeyPem: sim.publicKeyPem })
  })

  it("sets rate knobs; a bad one is refused whole", async () => {
    expect((await control("PUT", "/faults", { commitThen504Rate: 0.1, delays: [{ rate: 0.05, ms: 3000 }] })).status).toBe(200)
    expect(sim.faults).toMatchObject({ commitThen504Rate: 0.1, delays: [{ rate: 0.05, ms: 3000 }] })
    expect((await control("PUT", "/faults", { serverErrorRate: 0.2, delays: [{ rate: 0.8, ms: 1 }, { rate: 0.8, ms: 2 }] })).status).toBe(400)
    expect((await control("PUT", "/faults", { unknownKnob: 1 })).status).toBe(400)
    expect(sim.faults.serverErrorRate).toBe(0)
  })

  it("answers 504 after committing at the rate asked, and the state shows the voucher with its marker", async () => {
    await control("PUT", "/faults", { commitThen504Rate: 1 })
    const res = await api("POST", "/v1/order-confirmations?finalize=true", confirmation("note\n[vortex:conn-1:100]"))
    expect(res.status).toBe(504)
    const state = (await control("GET", "/state")).body
    expect(state.orderConfirmations).toHaveLength(1)
    expect(state.orderConfirmations[0].marker).toEqual({ connectionId: "conn-1", channelOrderId: "100" })
    expect(state.requests.byStatus).toEqual({ 504: 1 })
  })

  it("is no part of the contract: not logged, no auth", async () => {
    await control("GET", "/state")
    expect(sim.requestLog).toEqual([])
  })

  it("the same seed draws the same 5xx", async () => {
    const statuses = async (seed: number) => {
      const other = await LexofficeSimulator.start({ rateLimit: false, seed })
      try {
        other.faults.serverErrorRate = 0.5
        const out: Array<number> = []
        for (let i = 0; i < 12; i++) {
          out.push((await fetch(`${other.url}/v1/articles`, { headers: { authorization: `Bearer ${other.token}` } })).status)
        }
        return out
      } finally {
        await other.stop()
      }
    }
    const first = await statuses(9)
    expect(first).toContain(503)
    expect(first).toContain(200)
    expect(await statuses(9)).toEqual(first)
  })
})
