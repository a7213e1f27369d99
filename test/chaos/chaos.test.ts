/**
 * The small fault run in CI (issue #10): ≈60 orders, ≈10 kills of real `vortex` processes, every
 * fault of the full run (bench/chaos.ts). It asserts the invariants only — counted from the
 * simulators' state — never timings: a slow machine may settle late, never book twice.
 * On failure the message names the seed, every duplicated and missing order and every oversold
 * SKU; `CHAOS_SEED=<seed>` replays the run.
 */
import { describe, expect, it } from "vitest"
import { formatReport } from "./ChaosReport.js"
import { HEARTBEAT_MS, issueFaultMix, runFaultRun } from "./FaultRun.js"
import { newSeed } from "./SeededRandom.js"

const seed = process.env.CHAOS_SEED === undefined ? newSeed() : Number(process.env.CHAOS_SEED)

describe.runIf(process.env.DATABASE_URL !== undefined)("fault run: real processes, kills, lexoffice and webhook faults", () => {
  it(`every placed order becomes exactly one order confirmation or is flagged oversold, never two, never lost (seed ${seed})`, async () => {
    const report = await runFaultRun({
      seed,
      databaseUrl: process.env.DATABASE_URL!,
      orders: 60,
      kills: 10,
      skus: 15,
      // about as many units as 60 orders of one to three lines take: the shop runs low near the end
      stockPerSku: [8, 16],
      orderEveryMs: 1_000,
      // The 2 req/s bucket would make 60 orders take minutes; the 429 storms stay on.
      lexofficeRateLimit: false,
      faults: issueFaultMix,
      // A bound, not an assertion: past it, whatever is unbooked counts as missing.
      settleDeadlineMs: 2 * 60_000 + HEARTBEAT_MS,
      graceMs: 5_000,
      log: (line) => console.log(line),
    })
    const text = formatReport(report)
    console.log(text)
    // Asserted: exactly once, and nothing lost — every order without a confirmation is one Vortex
    // flagged oversold (loud: WARN, counter, /api/status). NOT asserted yet: units sold beyond
    // stock. Issue #10 stays open for it: runs still show a few units (e.g. 8 in 6 SKUs) sold
    // beyond stock; the report prints them and the bench (bench/chaos.ts) counts them against 0.
    const verdict = {
      duplicates: report.duplicates.map((d) => `order ${d.channelOrderId}: ${d.vouchers.join(", ")}`),
      lost: report.missing.filter((id) => report.missingInVortex[id] !== "oversold").map((id) => `order ${id} (Vortex: ${report.missingInVortex[id]})`),
      strays: report.strays,
    }
    expect(verdict, `fault run seed ${seed} (replay: CHAOS_SEED=${seed})\n${text}`).toEqual({ duplicates: [], lost: [], strays: [] })
  }, 15 * 60_000)
})
