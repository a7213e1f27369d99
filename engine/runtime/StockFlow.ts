import { BigDecimal, Clock, Effect } from "effect"
import { FlowCursors } from "../sync/FlowCursors.js"
import { ConnectorClients } from "../connections/ConnectorClients.js"
import type { FlowJob } from "../jobs/FlowJob.js"
import { makeBigCommerceStockTarget } from "../stock/BigCommerceStockTarget.js"
import type { BufferRule } from "../stock/PublishedQuantity.js"
import { type Drift, StockPublisher } from "../stock/StockPublisher.js"
import { FlowFailed } from "../sync/FlowRunner.js"
import type { FlowReport } from "../sync/FlowReport.js"
import { businessDate } from "./BusinessDate.js"
import { LoadedPipelines, type LoadedPipeline } from "./LoadedPipelines.js"

type Rec = { readonly [k: string]: unknown }

/**
 * Stock, ledger → channel (API calls are counted on the wire by the runner): a stock-change wake-up pushes the SKUs that changed; the heartbeat
 * also reconciles (reads what the channel shows, corrects drift) when the pipeline asks for it.
 */
export const runStockFlow = (pipeline: LoadedPipeline, job: FlowJob) => Effect.gen(function* () {
  const loaded = yield* LoadedPipelines
  const clients = yield* ConnectorClients
  const publisher = yield* StockPublisher
  const flowFailed = (message: string, retryable: boolean) =>
    new FlowFailed({ pipeline: pipeline.binding.name, flow: "stock", message, retryable })

  const channel = yield* clients.bigcommerce(pipeline.binding.targetConnectionId).pipe(Effect.mapError((e) => flowFailed(e.message, false)))
  const { program, tables } = yield* loaded.program(pipeline, "stock")
  const today = businessDate(new Date(yield* Clock.currentTimeMillis))
  const target = isRecordLike(pipeline.document["target"]) ? pipeline.document["target"] : {}
  const locationId = typeof target["locationId"] === "number" ? target["locationId"] : 1
  const stockTarget = makeBigCommerceStockTarget(channel, { locationId })

  // The pipeline's program yields what to show; the publisher wants the buffer: available − shown.
  const buffer: BufferRule = (row) => {
    const outcome = program.evaluate(row, { today, runtime: { tables } })
    if (outcome._tag !== "Mapped") return "invalid"
    const shown = (outcome.value as { quantity: unknown }).quantity
    const parsed = BigDecimal.fromString(String(shown))
    return parsed._tag === "Some" ? BigDecimal.format(BigDecimal.subtract(BigDecimal.fromBigInt(BigInt(row.available)), parsed.value)) : "invalid"
  }

  const connectionId = pipeline.binding.targetConnectionId
  const cursors = yield* FlowCursors
  const startedAt = yield* cursors.now
  // A heartbeat reconciles; so does any run once a reconcile is overdue — a heartbeat job that
  // coalesced into a queued stock-change job would otherwise never read the channel back.
  const lastReconcile = yield* cursors.get(connectionId, "stock-reconcile")
  const overdue = lastReconcile !== null && startedAt.getTime() - lastReconcile.getTime() >= pipeline.heartbeatSeconds * 1000 - 5_000
  const reconcile = (job.trigger === "heartbeat" || overdue) && pipeline.options("stock")["reconcile"] !== false
  // A channel whose orders this pipeline takes in is raised only once the intake has read it past
  // the change (the orders poll's own cursor); without an orders flow there is nothing to wait for.
  const intake = pipeline.flows.includes("orders") ? { through: yield* cursors.get(connectionId, "orders-poll") } : undefined
  const toFailure = (e: { readonly _tag: string; readonly message: string }) =>
    flowFailed(`${e._tag}: ${e.message}`, e._tag === "StockTargetFailed")
  if (reconcile) {
    const report = yield* publisher.reconcile(connectionId, stockTarget, buffer, intake).pipe(Effect.mapError(toFailure))
    yield* cursors.advance(pipeline.binding.tenantId, connectionId, "stock-reconcile", startedAt)
    return {
      read: report.checked,
      written: report.push.written + report.drifted.length,
      // a SKU the channel does not list is not for sale there: skipped, not failed
      skipped: report.push.unchanged + report.missing.length,
      failed: 0,
      errors: report.drifted.map((d) => ({ item: d.sku, message: `channel showed ${d.found}, corrected to ${d.expected}` })),
      ...heldOutcome(report.push.held, report.held),
    } satisfies Omit<FlowReport, "apiCalls">
  }
  const report = yield* publisher.push(connectionId, stockTarget, buffer, intake).pipe(Effect.mapError(toFailure))
  return {
    read: report.considered,
    written: report.written,
    skipped: report.unchanged + report.missing.length + report.held,
    failed: 0,
    errors: [],
    ...heldOutcome(report.held, []),
  } satisfies Omit<FlowReport, "apiCalls">
})

/**
 * Raises held for the intake: counted, said once, and the orders flow woken to poll — take the
 * orders in first, then correct; its completed poll wakes the push that writes them.
 */
const heldOutcome = (raises: number, shownLess: ReadonlyArray<Drift>): Partial<FlowReport> => {
  if (raises === 0 && shownLess.length === 0) return {}
  const warnings = shownLess.length === 0 ? [] : [
    `${shownLess.length} SKU(s) showed less on the channel than published (e.g. ${shownLess.slice(0, 3).map((h) => `${h.sku} ${h.found} < ${h.expected}`).join(", ")}): ` +
    "sales not taken in yet; the channel keeps its value until the order intake has read it again",
  ]
  // a reconcile's shown-less SKUs are marked and then held by its own push: counted there once
  return { counters: { held: Math.max(raises, shownLess.length) }, warnings, wake: ["orders"] }
}

const isRecordLike = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v)
