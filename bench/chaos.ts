/**
 * The full fault run of issue #10 against real processes on a PostgreSQL server (DATABASE_URL):
 * two `vortex up` behind a balancer and one `vortex worker`, killed at random; lexoffice 504
 * after commit, 5xx, 3 s / 40 s latency and 429 storms; 30 % of the shop's webhooks twice, 5 %
 * never. Prints the seed first and the counts side by side against the acceptance goals.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/chaos.ts [--orders 300] [--kills 50] [--seed N]
 *     [--every MS] [--skus N] [--no-rate-limit]
 */
import { parseArgs } from "node:util"
import { formatReport } from "../test/chaos/ChaosReport.js"
import { HEARTBEAT_MS, issueFaultMix, runFaultRun } from "../test/chaos/FaultRun.js"
import { newSeed } from "../test/chaos/SeededRandom.js"

const { values } = parseArgs({
  options: {
    orders: { type: "string", default: "300" },
    kills: { type: "string", default: "50" },
    seed: { type: "string" },
    every: { type: "string", default: "2000" },
    skus: { type: "string", default: "40" },
    "no-rate-limit": { type: "boolean", default: false },
  },
})
const databaseUrl = process.env.DATABASE_URL
if (databaseUrl === undefined) {
  console.error("bench/chaos.ts needs a PostgreSQL server: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres")
  process.exit(2)
}
const count = (name: string, text: string) => {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} takes a non-negative integer, got "${text}"`)
    process.exit(2)
  }
  return n
}
const seed = values.seed === undefined ? newSeed() : count("seed", values.seed)
const SETTLE_GOAL_MS = 2 * 60_000 + HEARTBEAT_MS

const report = await runFaultRun({
  seed,
  databaseUrl,
  orders: count("orders", values.orders),
  kills: count("kills", values.kills),
  skus: count("skus", values.skus),
  // about as many units as the orders take (~3 each): SKUs run low, some sell out
  stockPerSku: [16, 30],
  orderEveryMs: count("every", values.every),
  lexofficeRateLimit: !values["no-rate-limit"],
  faults: issueFaultMix,
  // Past the goal, keep waiting a while: how late a run settles is worth knowing too.
  settleDeadlineMs: SETTLE_GOAL_MS + 5 * 60_000,
  graceMs: 15_000,
  log: (line) => console.log(line),
})

const resumed = report.resumptions.map((r) => r.resumedAfterMs)
const measured = resumed.filter((m): m is number => typeof m === "number")
const slowest = measured.length === 0 ? "none measured" : `slowest ${(Math.max(...measured) / 1000).toFixed(1)} s`
const goals: Array<[string, string, boolean]> = [
  ["duplicate confirmations", `${report.duplicates.length} (goal 0)`, report.duplicates.length === 0],
  ["missing after settle", `${report.missing.length} (goal 0)`, report.missing.length === 0],
  ["units sold beyond stock", `${report.unitsBeyondStock} (goal 0)`, report.unitsBeyondStock === 0],
  ["intake resumed after every kill", `${slowest}, never ${resumed.filter((m) => m === null).length}× (goal ≤ 30 s)`,
    resumed.every((m) => m === undefined || (m !== null && m <= 30_000))],
  ["settled after faults stopped", `${report.settledAfterMs === null ? "not settled" : `${(report.settledAfterMs / 1000).toFixed(1)} s`} (goal ≤ ${SETTLE_GOAL_MS / 1000} s)`,
    report.settledAfterMs !== null && report.settledAfterMs <= SETTLE_GOAL_MS],
]
console.log(`\n${formatReport(report)}\n`)
console.log("acceptance (issue #10)")
for (const [what, measured, met] of goals) console.log(`  ${met ? "met " : "MISS"}  ${what.padEnd(34)} ${measured}`)
process.exit(goals.every(([, , met]) => met) ? 0 : 1)
