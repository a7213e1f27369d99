import { BigDecimal, Clock, Effect, ParseResult, Schema } from "effect"
import type { Order } from "../../connectors/bigcommerce/schemas.js"
import { LexofficeClient } from "../../connectors/lexoffice/LexofficeClient.js"
import { OrderConfirmationInput } from "../../connectors/lexoffice/schemas.js"
import { ConnectorClients } from "../connections/ConnectorClients.js"
import { FxRates } from "../fx/FxRates.js"
import type { FlowJob } from "../jobs/FlowJob.js"
import { MappingFailed } from "../orders/errors.js"
import { voucherDateOf } from "../orders/OrderDay.js"
import { OrderInbox } from "../orders/OrderInbox.js"
import { OrderMapper } from "../orders/OrderMapper.js"
import { taxVariable } from "../orders/TaxTreatment.js"
import { OrderProtocol, type ProcessOptions } from "../orders/OrderProtocol.js"
import { type OrderKey, OrderRepo } from "../orders/OrderRepo.js"
import { OrderSettings } from "../orders/OrderSettings.js"
import { FlowFailed } from "../sync/FlowRunner.js"
import type { FlowReport } from "../sync/FlowReport.js"
import { FlowCursors } from "../sync/FlowCursors.js"
import { StockPublisher } from "../stock/StockPublisher.js"
import { channelOrderFromBigCommerce, shippingAddressesOf } from "./BigCommerceOrders.js"
import { addDays, businessDate } from "./BusinessDate.js"
import { LedgerReservations } from "../orders/LedgerReservations.js"
import { WebhookEvents } from "../webhooks/WebhookEvents.js"
import { LoadedPipelines, type LoadedPipeline } from "./LoadedPipelines.js"

// A poll looks back this far before the start of the last completed poll: our clock and the
// channel's differ, and an order modified while that poll was listing may not have been listed
// by it. BigCommerce documents no overlap of its own for `min_date_modified`; ten minutes covers
// any sane skew. The inbox makes the overlap cheap: an order it holds unchanged costs no further call.
const POLL_OVERLAP_MS = 10 * 60_000
// The first poll of a pipeline reaches back this far.
const FIRST_POLL_DAYS = 7
// Orders worked per run; the rest wait for the next wake-up or heartbeat.
const PROCESS_LIMIT = 500
// How long one run books before it hands the rest to the next run (which takes in new orders first).
const BOOKING_BUDGET_MS = 20_000
// Orders booked at once by one run. On a server each holds an order lock on a pooled connection
// of its own (OrderLock): well under half the pool.
const BOOKING_CONCURRENCY = 4

const validateConfirmation = Schema.validate(Schema.typeSchema(OrderConfirmationInput))

// The amount fields of lexoffice's voucher payloads (connectors/lexoffice/schemas.ts): the DSL
// hands them out as exact decimal text, the client takes them as exact decimals.
const AMOUNT_FIELDS = new Set([
  "netAmount", "grossAmount", "taxRatePercentage", "quantity", "discountPercentage", "lineItemAmount",
  "totalDiscountAbsolute", "totalDiscountPercentage",
])
const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/

const withExactAmounts = (value: unknown, key = ""): unknown => {
  if (AMOUNT_FIELDS.has(key)) {
    if (typeof value === "string" && DECIMAL_TEXT.test(value)) return BigDecimal.unsafeFromString(value)
    if (typeof value === "number" && Number.isSafeInteger(value)) return BigDecimal.fromBigInt(BigInt(value))
    return value
  }
  if (Array.isArray(value)) return value.map((v) => withExactAmounts(v))
  if (value !== null && typeof value === "object") {
    // a null in an optional field means "leave it out" (lexoffice takes absent, not null)
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withExactAmounts(v, k)]))
  }
  return value
}

const DAY = /^\d{4}-\d{2}-\d{2}$/

/**
 * Rules speak in calendar days; lexoffice takes date-times with an offset. The voucher date is
 * the order's placement in Berlin time (decided by the protocol); a shipping day becomes noon
 * of that day, Berlin time.
 */
const withLexofficeDates = (mapped: unknown, voucherDate: string): unknown => {
  if (typeof mapped !== "object" || mapped === null) return mapped
  const out: Record<string, unknown> = { ...(mapped as Record<string, unknown>), voucherDate }
  const shipping = out["shippingConditions"]
  if (typeof shipping === "object" && shipping !== null) {
    const s = { ...(shipping as Record<string, unknown>) }
    for (const key of ["shippingDate", "shippingEndDate"]) {
      const v = s[key]
      if (typeof v === "string" && DAY.test(v)) s[key] = v === voucherDate.slice(0, 10) ? voucherDate : voucherDateOf(new Date(`${v}T12:00:00Z`))
    }
    out["shippingConditions"] = s
  }
  return out
}

/**
 * Orders, channel → lexoffice: intake (poll or the orders a webhook named) into the inbox, then
 * the exactly-once protocol for every unfinished order of this channel connection.
 */
export const runOrdersFlow = (pipeline: LoadedPipeline, job: FlowJob) => Effect.gen(function* () {
  const loaded = yield* LoadedPipelines
  const clients = yield* ConnectorClients
  const inbox = yield* OrderInbox
  const webhooks = yield* WebhookEvents
  const protocol = yield* OrderProtocol
  const repo = yield* OrderRepo
  const cursors = yield* FlowCursors
  const publisher = yield* StockPublisher
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
  let read = 0
  let skipped = 0

  // 1. intake
  const channelError = (e: { readonly _tag: string; readonly message?: string }) => flowFailed(`BigCommerce: ${e._tag} ${e.message ?? ""}`, true)
  const fetchOrders = (ids: ReadonlyArray<string>) =>
    Effect.forEach(ids.filter((id) => /^\d+$/.test(id)), (id) => channel.getOrder(Number(id)).pipe(
      Effect.map((order): ReadonlyArray<Order> => [order]),
      // gone from the channel (deleted) since the hook named it: nothing to take in
      Effect.catchTag("BigCommerceNotFound", () => Effect.succeed([])),
      Effect.mapError(channelError),
    )).pipe(Effect.map((found) => found.flat()))
  // The order webhooks stored so far (before their 2xx, so none is lost) name what changed.
  const pending = yield* webhooks.pendingOrders(connectionId)
  // The poll's own cursor: only a completed poll moves it, so an order whose every webhook was
  // lost is listed by the next poll however many webhook-woken runs happened in between.
  const polledThrough = yield* cursors.get(connectionId, "orders-poll")
  // A heartbeat's job may coalesce into a queued wake-up, and a stock reconcile may be holding an
  // upward correction until the intake has read the channel again: then this run polls too.
  const pollDue = polledThrough === null
    || now.getTime() - polledThrough.getTime() >= pipeline.heartbeatSeconds * 1000 - 5_000
    || (yield* publisher.holdsWaiting(connectionId, polledThrough))
  const poll = job.orderIds === undefined && (job.trigger !== "webhook" || pollDue)
  const pollStart = yield* cursors.now
  const orders = job.orderIds !== undefined
    ? yield* fetchOrders(job.orderIds)
    : poll
    ? yield* Effect.gen(function* () {
      const since = polledThrough === null ? new Date(now.getTime() - FIRST_POLL_DAYS * 86_400_000) : new Date(polledThrough.getTime() - POLL_OVERLAP_MS)
      return yield* channel.listOrdersModifiedSince(since).pipe(Effect.mapError(channelError))
    })
    // A wake-up reads exactly the orders its hooks named, however many wake-ups coalesced into
    // it: no time window to list again and again, so its cost follows what is new, not the
    // shop's recent volume. An order a lost hook never named waits for the next poll.
    : yield* fetchOrders(pending.orderIds)
  const unchanged = yield* inbox.unchanged(tenantId, connectionId, orders.map((o) => ({ id: String(o.id), modifiedAt: new Date(o.date_modified), status: o.status })))
  // orders the channel cancelled since the inbox last saw them: their stock goes back even when they are past the unfinished states
  const cancelled: Array<OrderKey> = []
  for (const order of orders) {
    read++
    if (unchanged.has(String(order.id))) { skipped++; continue }
    const details = yield* Effect.all([channel.getOrderProducts(order.id, order.items_total), shippingAddressesOf(channel, order)]).pipe(
      // deleted on the channel between the listing and these reads: nothing to take in
      Effect.catchTag("BigCommerceNotFound", () => Effect.succeed(null)),
      Effect.mapError(channelError),
    )
    if (details === null) { skipped++; continue }
    const [products, shippingAddresses] = details
    const canonical = channelOrderFromBigCommerce(order, products, { defaultTaxRate, shippingAddresses })
    // an order the pipeline does not take yet (unpaid) is not received: a later poll sees it again once it changes
    const gate = program.evaluate(canonical, { today, runtime })
    if (gate._tag === "Skipped") { skipped++; continue }
    const received = yield* inbox.receive(tenantId, connectionId, canonical, { modifiedAt: new Date(order.date_modified).toISOString() }).pipe(Effect.either)
    if (received._tag === "Left") errors.push({ item: canonical.id, message: received.left.message })
    else if (canonical.cancelled === true && received.right !== "duplicate") cancelled.push({ tenantId, connectionId, channelOrderId: canonical.id })
  }
  // every delivery read before this intake is taken in (a poll lists what they named too)
  if (pending.through !== null && job.orderIds === undefined) yield* webhooks.handledThrough(connectionId, pending.through)
  // a poll that took in every order it listed has read the channel through its start
  const receivedAll = errors.length === 0
  if (poll && receivedAll) yield* cursors.advance(tenantId, connectionId, "orders-poll", pollStart)

  // 2. the protocol, with this pipeline's mapping, over every unfinished order of this connection
  const mapper = OrderMapper.of({
    map: (order, context) => {
      const outcome = program.evaluate(order, {
        today, runtime,
        ...(context.contactId !== undefined ? { contact: { id: context.contactId } } : {}),
        tax: taxVariable(context.tax),
      })
      if (outcome._tag !== "Mapped") {
        return Effect.fail(new MappingFailed({ reason: outcome._tag === "Failed" ? outcome.message : `skipped by ${outcome.by}` }))
      }
      return validateConfirmation(withExactAmounts(withLexofficeDates(outcome.value, context.voucherDate))).pipe(
        Effect.mapError((e) => new MappingFailed({ reason: `the mapped order confirmation is not what lexoffice takes: ${ParseResult.TreeFormatter.formatErrorSync(e)}` })),
      )
    },
  })
  const unfinished = yield* repo.unfinished(PROCESS_LIMIT, { tenantId, connectionId })
  const keys = [...cancelled, ...unfinished.filter((k) => !cancelled.some((c) => c.channelOrderId === k.channelOrderId))]
  const work = (key: OrderKey, options: ProcessOptions = {}) => protocol.process(key, options).pipe(
    Effect.provideService(OrderMapper, mapper),
    Effect.provideService(LexofficeClient, lexoffice),
  )
  // Every new order's stock first: one local transaction each, and each wakes its stock push at
  // once (ARCHITECTURE.md §7), instead of waiting behind the lexoffice round trips of the orders before it.
  for (const key of keys) yield* work(key, { until: "reservation" })
  // Every order listed up to the intake's cursor now holds its units in the ledger (none left
  // unworked): raises of this channel held on older changes may go out now.
  const intakeThrough = poll && receivedAll ? pollStart : polledThrough
  if (intakeThrough !== null && unfinished.length < PROCESS_LIMIT) yield* publisher.intakeCaughtUp(tenantId, connectionId, intakeThrough)
  // Booking is paced by lexoffice (2 requests/s): a backlog of hundreds takes minutes. The run
  // books for a while and then ends, asking for another, so new orders are taken in (and their
  // stock reserved) every few seconds instead of after the whole backlog; a few orders at once
  // keep the rate limit busy while one waits out a slow answer.
  const bookUntil = (yield* Clock.currentTimeMillis) + BOOKING_BUDGET_MS
  let written = 0
  let deferred = 0
  yield* Effect.forEach(keys, (key) => Effect.gen(function* () {
    if ((yield* Clock.currentTimeMillis) > bookUntil) {
      deferred++
      return
    }
    const result = yield* work(key)
    if (result.state === "created") written++
    if (result.state === "failed" || result.state === "oversold") {
      const row = yield* repo.find(key)
      const reason = row._tag === "Some" ? row.value.failureReason ?? result.state : result.state
      errors.push({ item: key.channelOrderId, message: `${result.state}: ${reason}` })
    }
  }), { concurrency: BOOKING_CONCURRENCY, discard: true })
  // API calls are counted on the wire by the runner (connectors/http/ApiCallCount.ts)
  return {
    read, written, skipped, failed: errors.length, errors,
    ...(deferred === 0 ? {} : { counters: { deferred }, wake: ["orders" as const] }),
  } satisfies Omit<FlowReport, "apiCalls">
}).pipe(
  Effect.provide(LedgerReservations),
  Effect.provideServiceEffect(OrderSettings, Effect.sync(() => ({
    ...OrderSettings.defaults,
    finalize: pipeline.options("orders")["finalize"] !== false,
    // schemas/pipeline.schema.json: `contact` defaults to one-time
    contact: pipeline.options("orders")["contact"] === "find-or-create" ? "find-or-create" as const : "one-time" as const,
  }))),
)
