/**
 * A fault run's counts as text: the seed first, the invariants (duplicates, missing, units sold
 * beyond stock) naming every order and SKU behind a non-zero count, then the timings.
 */
import type { FaultRunReport } from "./FaultRun.js"

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

export const formatReport = (r: FaultRunReport): string => {
  const measured = r.resumptions.filter((x) => typeof x.resumedAfterMs === "number").map((x) => x.resumedAfterMs as number)
  const stalled = r.resumptions.filter((x) => x.resumedAfterMs === null)
  const unmeasured = r.resumptions.filter((x) => x.resumedAfterMs === undefined).length
  const sorted = [...measured].sort((a, b) => a - b)
  const during = r.resumptions.filter((x) => x.kill.duringOrdersRun).length
  const byVictim = new Map<string, number>()
  for (const x of r.resumptions) byVictim.set(x.kill.victim, (byVictim.get(x.kill.victim) ?? 0) + 1)
  return [
    `seed ${r.seed}`,
    `orders placed                 ${r.placed}  (shop refused ${r.shopperRefused} checkouts beyond the level shown)`,
    `order confirmations           ${r.confirmations}`,
    `duplicate confirmations       ${r.duplicates.length}${r.duplicates.length === 0 ? "" : `  ${r.duplicates.map((d) => `order ${d.channelOrderId}: ${d.vouchers.join(", ")}`).join("; ")}`}`,
    `missing after settle          ${r.missing.length}${r.missing.length === 0 ? "" : `  ${r.missing.map((id) => `order ${id} (Vortex: ${r.missingInVortex[id]})`).join(", ")}`}`,
    `confirmations of no order     ${r.strays.length}${r.strays.length === 0 ? "" : `  ${r.strays.join(", ")}`}`,
    `units sold beyond stock       ${r.unitsBeyondStock}${r.oversold.length === 0 ? "" : `  in ${r.oversold.length} SKUs: ${r.oversold.map((o) => `${o.sku} sold ${o.sold} of ${o.onHand}`).join(", ")}`}`,
    `kills                         ${r.resumptions.length} (${[...byVictim].map(([v, n]) => `${v} ${n}`).join(", ")}; ${during} while an orders run was open)`,
    `intake resumed after a kill   ${sorted.length === 0 ? "n/a" : `median ${seconds(sorted[Math.floor(sorted.length / 2)]!)}, max ${seconds(sorted[sorted.length - 1]!)}, ${sorted.filter((m) => m > 30_000).length} over 30 s`}` +
      `${stalled.length === 0 ? "" : `; never resumed after ${stalled.length} kill(s)`}${unmeasured === 0 ? "" : `; ${unmeasured} kill(s) after the last order`}`,
    `settled after faults stopped  ${r.settledAfterMs === null ? "NOT within the deadline" : seconds(r.settledAfterMs)}`,
    `lexoffice answers             ${Object.entries(r.lexofficeAnswers).map(([s, n]) => `${s}×${n}`).join(" ")}`,
    `shop webhooks                 ${r.webhooks.announced} events, ${r.webhooks.attempts} deliveries (${r.webhooks.failed} failed); balancer ${Object.values(r.proxy.forwarded).join("/")} forwarded, ${r.proxy.unreachable} with no backend`,
    `wall time                     ${seconds(r.wallMs)}; process logs in ${r.logDir}`,
  ].join("\n")
}
