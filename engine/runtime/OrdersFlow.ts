import { Clock, Effect, ParseResult, Schema } from "effect"
import { LexofficeClient } from "../../connectors/lexoffice/LexofficeClient.js"
import { OrderConfirmationInput } from "../../connectors/lexoffice/schemas.js"
import { ConnectorClients } from "../connections/ConnectorClients.js"
import { FxRates } from "../fx/FxRates.js"
import type { FlowJob } from "../jobs/FlowJob.js"
import { MappingFailed } from "../orders/errors.js"
import { OrderInbox } from "../orders/OrderInbox.js"
import { OrderMapper } from "../orders/OrderMapper.js"
import { OrderProtocol } from "../orders/OrderProtocol.js"
import { OrderRepo } from "../orders/OrderRepo.js"
import { OrderSettings } from "../orders/OrderSettings.js"
import { FlowFailed } from "../sync/FlowRunner.js"
import type { FlowReport } from "../sync/FlowReport.js"
import { SyncRuns } from "../sync/SyncRuns.js"
import { channelOrderFromBigCommerce } from "./BigCommerceOrders.js"
import { addDays, businessDate } from "./BusinessDate.js"
import { LedgerReservations } from "./LedgerReservations.js"
import { LoadedPipelines, type LoadedPipeline } from "./LoadedPipelines.js"

// A poll looks back this far past the last complete run: clocks differ and an order modified
// during that run may not have been listed by it. The inbox makes the overlap free.
const POLL_OVERLAP_MS = 10 * 60_000
// The first poll of a pipeline reaches back this far.
const FIRST_POLL_DAYS = 7
// Orders worked per run; the rest wait for the next wake-up or heartbeat.
const PROCESS_LIMIT = 500

const decodeConfirmation = Schema.decodeUnknown(OrderConfirmationInput)

/**
 * Orders, channel → lexoffice: intake (poll or the orders a webhook named) into the inbox, then
 * the exactly-once protocol for every unfinished order of this channel connection.
 */
export const runOrdersFlow = (pipeline: LoadedPipeline, job: FlowJob) => Effect.gen(function* () {
  const loaded = yield* LoadedPipelines
  const clients = yield* ConnectorClients
  const inbox = yield* OrderInbox
  const protocol = yield* OrderProtocol
  const repo = yield* OrderRepo
  const runs = yield* SyncRuns
  const fx = yield* FxRates
  const { tenantId, name } = pipeline.binding
  const connectionId = pipeline.binding.targetConnectionId
  const flowFailed = (message: string, retryable: boolean) => new FlowFailed({ pipeline: name, flow: "orders", message, retryable })

  const channel = yield* clients.bigcommerce(connectionId).pipe(Effect.mapError((e) => flowFailed(e.message, false)))
  const lexoffice = yield* clients.lexoffice(pipeline.binding.sourceConnectionId).pipe(Effect.mapError((e) => flowFailed(e.message, false)))
  const { program, tables } = yield* loaded.program(pipeline, "orders")
  const now = new Date(yield* Clock.currentTimeMillis)
  const today = businessDate(now)
  const rates = yield* fx.snapshot(addDays(today, -40), today).pipe(Effect.orDie)
  const runtime = { tables, rates }
  const target = pipeline.document["target"] as Record<string, unknown> | undefined
  const defaultTaxRate = typeof target?.["defaultTaxRate"] === "string" ? target["defaultTaxRate"] : "19"
  const errors: Array<{ item?: string; message: string }> = []
  let apiCalls = 0
  let read = 0
  let skipped = 0

  // 1. intake
  const channelError = (e: { readonly _tag: string; readonly message?: string }) => flowFailed(`BigCommerce: ${e._tag} ${e.message ?? ""}`, true)
  const orders = job.orderIds !== undefined
    ? yield* Effect.forEach(job.orderIds, (id) => channel.getOrder(Number(id)).pipe(Effect.tap(() => { apiCalls++ }), Effect.mapError(channelError)))
    : yield* Effect.gen(function* () {
      const last = yield* runs.lastCompleteStart(tenantId, name, "orders")
      const since = last === null ? new Date(now.getTime() - FIRST_POLL_DAYS * 86_400_000) : new Date(last.getTime() - POLL_OVERLAP_MS)
      apiCalls++
      return yield* channel.listOrdersModifiedSince(since).pipe(Effect.mapError(channelError))
    })
  for (const order of orders.length === 0 ? [] : orders) {
    read++
    const products = yield* channel.getOrderProducts(order.id).pipe(Effect.mapError(channelError))
    apiCalls++
    const canonical = channelOrderFromBigCommerce(order, products, { defaultTaxRate })
    // an order the pipeline does not take yet (unpaid) is not received: a later poll sees it again once it changes
    const gate = program.evaluate(canonical, { today, runtime })
    if (gate._tag === "Skipped") { skipped++; continue }
    const received = yield* inbox.receive(tenantId, connectionId, canonical, { modifiedAt: new Date(order.date_modified).toISOString() }).pipe(Effect.either)
    if (received._tag === "Left") errors.push({ item: canonical.id, message: received.left.message })
  }

  // 2. the protocol, with this pipeline's mapping, over every unfinished order of this connection
  const mapper = OrderMapper.of({
    map: (order, context) => {
      const outcome = program.evaluate(order, {
        today, runtime,
        ...(context.contactId !== undefined ? { contact: { id: context.contactId } } : {}),
      })
      if (outcome._tag !== "Mapped") {
        return Effect.fail(new MappingFailed({ reason: outcome._tag === "Failed" ? outcome.message : `skipped by ${outcome.by}` }))
      }
      return decodeConfirmation(outcome.value).pipe(
        Effect.mapError((e) => new MappingFailed({ reason: `the mapped order confirmation is not what lexoffice takes: ${ParseResult.TreeFormatter.formatErrorSync(e)}` })),
      )
    },
  })
  const keys = (yield* repo.unfinished(PROCESS_LIMIT * 4)).filter((k) => k.connectionId === connectionId && k.tenantId === tenantId).slice(0, PROCESS_LIMIT)
  let written = 0
  for (const key of keys) {
    const result = yield* protocol.process(key).pipe(
      Effect.provideService(OrderMapper, mapper),
      Effect.provideService(LexofficeClient, lexoffice),
    )
    if (result.state === "created") written++
    if (result.state === "failed" || result.state === "oversold") {
      const row = yield* repo.find(key)
      const reason = row._tag === "Some" ? row.value.failureReason ?? result.state : result.state
      errors.push({ item: key.channelOrderId, message: `${result.state}: ${reason}` })
    }
  }
  return { read, written, skipped, failed: errors.length, apiCalls, errors } satisfies FlowReport
}).pipe(
  Effect.provide(LedgerReservations),
  Effect.provideServiceEffect(OrderSettings, Effect.sync(() => ({
    ...OrderSettings.defaults,
    finalize: pipeline.options("orders")["finalize"] !== false,
  }))),
)
