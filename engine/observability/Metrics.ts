import { Effect, Metric, MetricState } from "effect"

/**
 * The metrics an operator alerts on, as Effect metrics (per process; Prometheus scrapes each
 * process at `/metrics`). Names follow Prometheus conventions: `_total` for counters.
 */
export const ordersOversold = Metric.counter("vortex_orders_oversold_total", {
  description: "Channel orders that could not be reserved: their units were not in stock",
  incremental: true,
})

export const runsAbandoned = Metric.counter("vortex_runs_abandoned_total", {
  description: "Sync runs closed because the worker running them stopped; their jobs were retried",
  incremental: true,
})

export const flowStale = Metric.gauge("vortex_flow_stale", {
  description: "1 while a flow has had no successful run for twice its heartbeat interval",
})

const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')

/** Every counter and gauge of this process in the Prometheus text exposition format. */
export const prometheusText = Effect.map(Metric.snapshot, (pairs) => {
  const byName = new Map<string, { help: string | undefined; type: string; samples: Array<string> }>()
  for (const pair of pairs) {
    const state = pair.metricState
    const type = MetricState.isCounterState(state) ? "counter" : MetricState.isGaugeState(state) ? "gauge" : undefined
    if (type === undefined) continue
    const value = (state as MetricState.MetricState.Counter<number> | MetricState.MetricState.Gauge<number>)
    const number = "count" in value ? value.count : value.value
    const key = pair.metricKey
    const labels = key.tags.length === 0 ? "" : `{${key.tags.map((t) => `${t.key}="${escapeLabel(t.value)}"`).join(",")}}`
    const entry = byName.get(key.name) ?? { help: key.description._tag === "Some" ? key.description.value : undefined, type, samples: [] }
    entry.samples.push(`${key.name}${labels} ${String(number)}`)
    byName.set(key.name, entry)
  }
  const lines: Array<string> = []
  for (const [name, entry] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
    if (entry.help !== undefined) lines.push(`# HELP ${name} ${entry.help}`)
    lines.push(`# TYPE ${name} ${entry.type}`, ...entry.samples.sort())
  }
  return lines.join("\n") + "\n"
})
