import { BigDecimal, Effect, Metric, Option, ParseResult, Schema } from "effect"
import { LexofficeClient } from "../../connectors/lexoffice/LexofficeClient.js"
import { OrderConfirmationInput } from "../../connectors/lexoffice/schemas.js"
import { FxRates } from "../fx/FxRates.js"
import { ordersOversold } from "../observability/Metrics.js"
import { ChannelOrder } from "./ChannelOrder.js"
import { ContactResolver } from "./ContactResolver.js"
import { MappingFailed } from "./errors.js"
import { orderDayOf, voucherDateOf } from "./OrderDay.js"
import { orderFx } from "./OrderFx.js"
import { OrderLock } from "./OrderLock.js"
import { OrderMapper } from "./OrderMapper.js"
import { orderMarker, withMarker } from "./OrderMarker.js"
import { type Intent, type OrderKey, OrderRepo, type OrderRow, type OrderState } from "./OrderRepo.js"
import { OrderSettings } from "./OrderSettings.js"
import { StockReservations } from "./StockReservations.js"
import { REQUIRES_REFERENCED_CONTACT, taxConditionsMismatch, taxTreatment } from "./TaxTreatment.js"
import { findVoucherByMarker } from "./VoucherReconciliation.js"

/**
 * How a `process` call ended: `done` (the order is in a final state), `busy` (another worker
 * holds it), `deferred` (an unknown outcome is waiting out the reconciliation grace),
 * `retry-later` (lexoffice unavailable; the state is kept), `paused` (it got past the point the
 * caller asked to stop at), `not-found`.
 */
export interface ProcessResult {
  readonly state: OrderState | null
  readonly outcome: "done" | "busy" | "deferred" | "retry-later" | "paused" | "not-found"
}

export interface ProcessOptions {
  /**
   * `reservation`: only take the order's stock (or find it oversold), no lexoffice call. A run
   * reserves every new order first, so no order's stock push waits behind another order's
   * lexoffice round trips (ARCHITECTURE.md §7: every reservation immediately enqueues a push).
   */
  readonly until?: "reservation"
}

const decodeOrder = Schema.decodeUnknown(ChannelOrder)
const encodeRequest = Schema.encode(OrderConfirmationInput)
const decodeRequest = Schema.decodeUnknown(OrderConfirmationInput)

// Enough for received → reserved → creating → (unknown outcome → reconcile → create again) → created
// in one call; beyond that the order waits for the next run rather than spin on a sick lexoffice.
const MAX_STEPS = 8

type Requirements = LexofficeClient | OrderMapper | StockReservations | OrderSettings

const isFinal = (state: OrderState) => state === "created" || state === "oversold" || state === "failed" || state === "cancelled"

/** The channel cancelled the order (or refunded it in full): read from the latest payload the inbox stored. */
const cancelledOnChannel = (payload: unknown) =>
  typeof payload === "object" && payload !== null && (payload as { cancelled?: unknown }).cancelled === true

/**
 * The exactly-once state machine of ARCHITECTURE.md §6:
 *
 *   received ──reserve──▶ reserved ──commit intent──▶ creating ──POST──▶ created
 *       └──▶ oversold                      │              ▲  └─ unknown outcome: reconcile by marker,
 *                                          └──▶ failed    │     adopt the voucher found, else POST again
 *
 * Every step runs under the order lock and moves the persisted state with a fenced transition;
 * a worker that dies anywhere leaves a state from which the next run continues safely. The one
 * rule that makes it exactly once: an order found in `creating` is never POSTed again before a
 * reconciliation has looked for the marker of that order and found nothing.
 *
 * Stock (ARCHITECTURE.md §7): units are held from `reserved` for as long as the channel order stands.
 * - `oversold` holds nothing: a reservation is all lines or none, and it failed.
 * - `failed` keeps its units. The failure is lexoffice's or the mapping's, not the sale's: the
 *   channel still shows the order as bought and the merchant will ship it (and book it once an
 *   operator repairs and reopens it). Releasing would offer the buyer's units to other channels
 *   and oversell them. Reopening a failed order resumes at `reserved`, on the units it kept.
 * - An order the channel cancels or refunds in full before it is booked (received, reserved,
 *   failed, oversold) ends `cancelled` with its units released. One in `creating` finishes its
 *   booking first (the voucher may already exist: exactly once comes first), then, like one
 *   cancelled after `created`, gives its units back and stays `created`; the order confirmation
 *   in lexoffice is left for a credit note. Units already shipped are not released.
 * Every release wakes a stock push to every channel, as a reservation does.
 */
export class OrderProtocol extends Effect.Service<OrderProtocol>()("engine/OrderProtocol", {
  dependencies: [OrderRepo.Default, OrderLock.Default, ContactResolver.Default, FxRates.Default],
  effect: Effect.gen(function* () {
    const repo = yield* OrderRepo
    const lock = yield* OrderLock
    const contacts = yield* ContactResolver
    const fxRates = yield* FxRates

    const fail = (row: OrderRow, reason: string) =>
      repo.transition(row, "failed", reason, { failureReason: reason }).pipe(Effect.as("moved" as const))

    /**
     * The channel cancelled the order. Released before the state moves: a crash in between
     * leaves an order still unfinished whose next release finds nothing left to give back.
     */
    const cancel = (row: OrderRow) =>
      Effect.gen(function* () {
        const stock = yield* StockReservations
        const status = (row.payload as { status?: unknown }).status
        const units = yield* stock.release(row.tenantId, { connectionId: row.connectionId, channelOrderId: row.channelOrderId })
        if (row.state === "created") {
          if (units > 0) yield* repo.note(row, `cancelled on the channel (${String(status)}) after it was booked: ${units} unit(s) released; the order confirmation stays in lexoffice`)
          return
        }
        yield* repo.transition(row, "cancelled", `cancelled on the channel (${String(status)}) before it was booked; ${units} unit(s) released`)
      })

    const reserve = (row: OrderRow, order: ChannelOrder) =>
      Effect.gen(function* () {
        const stock = yield* StockReservations
        const result = yield* stock.reserve(row.tenantId, {
          connectionId: row.connectionId,
          channelOrderId: row.channelOrderId,
          lines: order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
          placedAt: new Date(order.placedAt),
        })
        if (result === "reserved") return yield* repo.transition(row, "reserved", "stock reserved")
        const reason = `oversold: ${result.insufficient.map((s) => `${s.sku} requested ${s.requested}, available ${s.available}`).join("; ")}`
        const moved = yield* repo.transition(row, "oversold", reason, { failureReason: reason })
        // Loud, once (the transition succeeds for one worker only): an operator must restock and
        // reopen, or cancel on the channel. BigCommerce cannot refuse an order it has taken.
        if (moved) {
          const where = yield* repo.stockChannels(row.tenantId, row.connectionId)
          yield* Effect.logWarning(`order ${row.channelOrderId} from ${where.origin} OVERSOLD — ` +
            `${result.insufficient.map((s) => `${s.sku}: requested ${s.requested}, available ${s.available}`).join("; ")}; ` +
            `stock published to ${where.published.join(", ") || "no channel"}`)
          yield* Metric.update(ordersOversold.pipe(Metric.tagged("connection", where.origin)), 1)
        }
        return moved
      })

    /** Everything decided before lexoffice is called; committed as one transition. */
    const prepareIntent = (row: OrderRow, order: ChannelOrder) =>
      Effect.gen(function* () {
        const settings = yield* OrderSettings
        const mapper = yield* OrderMapper
        const placedAt = new Date(order.placedAt)
        const fx = yield* orderFx(order.currency, orderDayOf(placedAt)).pipe(Effect.provideService(FxRates, fxRates))
        const tax = taxTreatment(order.shipping.countryCode, settings.taxPolicy)
        // A one-time pipeline asks lexoffice for a contact only when the tax type cannot do without one.
        const contactId = settings.contact === "find-or-create" || tax.requiresContact ? yield* contacts.resolve(row.tenantId, order) : undefined
        const mapped = yield* mapper.map(order, { ...(contactId === undefined ? {} : { contactId }), fx, tax, voucherDate: voucherDateOf(placedAt) }).pipe(
          // A one-time pipeline's map cannot name `contact` (VX033) and writes the buyer's address:
          // where the tax type needs a referenced contact, the resolved one takes its place.
          Effect.map((m) => settings.contact === "one-time" && contactId !== undefined && m.address.contactId === undefined ? { ...m, address: { contactId } } : m),
        )
        const mismatch = taxConditionsMismatch(tax, mapped.taxConditions)
        if (mismatch !== undefined) return yield* new MappingFailed({ reason: mismatch })
        if (REQUIRES_REFERENCED_CONTACT.has(mapped.taxConditions.taxType) && mapped.address.contactId === undefined) {
          return yield* new MappingFailed({ reason: `taxType ${mapped.taxConditions.taxType} requires a referenced lexoffice contact (address.contactId)` })
        }
        if (tax.zeroRated && mapped.lineItems.some((l) => l.unitPrice !== undefined && !BigDecimal.isZero(l.unitPrice.taxRatePercentage))) {
          return yield* new MappingFailed({ reason: `a ${tax.taxType} voucher needs taxRatePercentage 0 on every line` })
        }
        const marker = orderMarker(row.connectionId, row.channelOrderId)
        const request = yield* encodeRequest({ ...mapped, remark: withMarker(mapped.remark, marker) }).pipe(
          Effect.mapError((e) => new MappingFailed({ reason: `payload not encodable: ${ParseResult.TreeFormatter.formatErrorSync(e)}` })),
        )
        const total = BigDecimal.unsafeFromString(order.totalGross)
        return {
          marker,
          contactId: mapped.address.contactId ?? null,
          request,
          currency: order.currency,
          fxRate: fx.rate,
          fxRateDate: fx.rateDate,
          fxSource: fx.source,
          fxPath: fx.path,
          totalGross: order.totalGross,
          totalGrossEur: BigDecimal.format(fx.toEur(total)),
        } satisfies Intent
      })

    /** The one POST. Whatever happens to it, the state stays `creating` unless lexoffice answered definitively. */
    const create = (row: OrderRow) =>
      Effect.gen(function* () {
        const client = yield* LexofficeClient
        const settings = yield* OrderSettings
        const request = yield* decodeRequest(row.request).pipe(Effect.orDie)
        const result = yield* Effect.either(client.createOrderConfirmation(request, { finalize: settings.finalize }))
        if (result._tag === "Right") {
          const id = result.right.id
          const moved = yield* repo.transition(row, "created", `created ${id}`, { lexoffice: { id, number: null } })
          // The id is safe; the number is a convenience read (only finalized vouchers have one).
          if (moved) yield* readVoucherNumber(row.id, id)
          return "moved" as const
        }
        const error = result.left
        switch (error._tag) {
          case "LexofficeValidationError":
          case "LexofficeRequestRejected":
          case "LexofficeInvalidRequest": // refused before sending: nothing reached lexoffice
          case "LexofficeConflict":
          case "LexofficeNotFound": {
            const details = error._tag === "LexofficeValidationError" ? ` [${error.details.map((d) => `${d.field}: ${d.message}`).join("; ")}]` : ""
            return yield* fail(row, `lexoffice refused the order confirmation: ${error.message}${details}`)
          }
          case "LexofficeAccessDenied":
            yield* repo.note(row, `lexoffice access denied (${error.status}): ${error.message}`)
            return "stop" as const
          default:
            // 504 "possibly processed", timeout, connection lost, 5xx/429 after retries, or an
            // unreadable 2xx: the voucher may exist. Only a reconciliation may decide.
            yield* repo.note(row, `outcome unknown (${error._tag}): ${error.message}`)
            return "moved" as const
        }
      })

    const readVoucherNumber = (orderId: string, voucherId: string) =>
      Effect.gen(function* () {
        const client = yield* LexofficeClient
        const voucher = yield* client.getOrderConfirmation(voucherId)
        if (voucher.voucherNumber !== undefined) yield* repo.setVoucherNumber(orderId, voucher.voucherNumber)
      }).pipe(Effect.ignore)

    /** Resume of an order in `creating`: look for its voucher before any new create. */
    const reconcileThenCreate = (row: OrderRow) =>
      Effect.gen(function* () {
        const found = yield* Effect.either(findVoucher(row, voucherDayOf(row)))
        if (found._tag === "Left") {
          yield* repo.note(row, found.left.message)
          return "stop" as const
        }
        if (Option.isSome(found.right)) {
          const voucher = found.right.value
          yield* repo.transition(row, "created", `adopted ${voucher.id}: found by its marker after an unknown outcome`, {
            lexoffice: { id: voucher.id, number: voucher.voucherNumber },
          })
          return "moved" as const
        }
        const attempt = row.attempt + 1
        const moved = yield* repo.transition(row, "creating", `no voucher carries the marker; attempt ${attempt}`, { attempt })
        if (!moved) return "moved" as const
        return yield* create({ ...row, attempt })
      })

    /** The Berlin day of the voucher date the intent sent (the mapping wrote it in Berlin time). */
    const voucherDayOf = (row: OrderRow) => {
      const request = row.request as { voucherDate?: unknown } | null
      return typeof request?.voucherDate === "string" ? request.voucherDate.slice(0, 10) : orderDayOf(row.receivedAt)
    }

    const findVoucher = (row: OrderRow, voucherDay: string) =>
      findVoucherByMarker({
        contactId: row.contactId,
        voucherDay,
        marker: row.marker!,
        owned: (ids) => repo.ownedVoucherIds(ids),
      })

    /** One step from the row's current state. "moved": read again and continue; "stop": end this call. */
    const step = (row: OrderRow) =>
      Effect.gen(function* () {
        switch (row.state) {
          case "received": {
            const order = yield* decodeOrder(row.payload).pipe(Effect.orDie)
            yield* reserve(row, order)
            return "moved" as const
          }
          case "reserved": {
            if (row.marker !== null && row.request !== null) {
              // Reopened after a failure that followed an intent: an earlier attempt's voucher may
              // exist after all. The rule holds here too: no POST before looking for the marker.
              if (!row.graceElapsed) return "deferred" as const
              const earlier = yield* Effect.either(findVoucher(row, voucherDayOf(row)))
              if (earlier._tag === "Left") {
                yield* repo.note(row, earlier.left.message)
                return "stop" as const
              }
              if (Option.isSome(earlier.right)) {
                const voucher = earlier.right.value
                yield* repo.transition(row, "created", `adopted ${voucher.id}: found by its marker when reopened`, {
                  lexoffice: { id: voucher.id, number: voucher.voucherNumber },
                })
                return "moved" as const
              }
              yield* repo.note(row, "reopened: no voucher carries the marker; preparing a new intent")
            }
            const order = yield* decodeOrder(row.payload).pipe(Effect.orDie)
            const intent = yield* Effect.either(prepareIntent(row, order))
            if (intent._tag === "Left") {
              const error = intent.left
              if (error._tag === "LexofficeBusy") {
                yield* repo.note(row, `lexoffice unavailable while preparing: ${error.message}`)
                return "stop" as const
              }
              const reason = error._tag === "FxRateMissing" ? error.message : `${error._tag}: ${error.reason}`
              return yield* fail(row, reason)
            }
            const attempt = row.attempt + 1
            // The intent is committed before the call: from here on, any crash resumes in `creating`.
            const moved = yield* repo.transition(row, "creating", `intent committed; attempt ${attempt}`, { attempt, intent: intent.right })
            if (!moved) return "moved" as const
            const committed = yield* repo.find(row)
            if (Option.isNone(committed) || committed.value.state !== "creating") return "moved" as const
            return yield* create(committed.value)
          }
          case "creating":
            return row.graceElapsed ? yield* reconcileThenCreate(row) : "deferred" as const
          default:
            return "stop" as const
        }
      })

    const run = (key: OrderKey, orderId: string, options: ProcessOptions) =>
      Effect.gen(function* () {
        const settings = yield* OrderSettings
        for (let steps = 0; steps < MAX_STEPS; steps++) {
          const current = yield* repo.find(key, settings.reconcileGraceMs)
          if (Option.isNone(current)) return { state: null, outcome: "not-found" } as ProcessResult
          const row = current.value
          if (row.id !== orderId) return { state: row.state, outcome: "busy" } as ProcessResult
          // `creating` is never interrupted: its voucher may exist, and only the protocol may decide
          if (cancelledOnChannel(row.payload) && row.state !== "creating" && row.state !== "cancelled") {
            yield* cancel(row)
            if (row.state === "created") return { state: row.state, outcome: "done" } as ProcessResult
            continue
          }
          if (isFinal(row.state)) return { state: row.state, outcome: "done" } as ProcessResult
          if (options.until === "reservation" && row.state !== "received") return { state: row.state, outcome: "paused" } as ProcessResult
          const next = yield* step(row)
          if (next === "deferred") return { state: row.state, outcome: "deferred" } as ProcessResult
          if (next === "stop") {
            const after = yield* repo.find(key)
            return { state: Option.match(after, { onNone: () => null, onSome: (r) => r.state }), outcome: "retry-later" } as ProcessResult
          }
        }
        const last = yield* repo.find(key)
        return { state: Option.match(last, { onNone: () => null, onSome: (r) => r.state }), outcome: "retry-later" } as ProcessResult
      })

    /** Works one order as far as it can go now. Safe to call any number of times, from any number of workers. */
    const process = (key: OrderKey, options: ProcessOptions = {}): Effect.Effect<ProcessResult, never, Requirements> =>
      Effect.gen(function* () {
        const found = yield* repo.find(key)
        if (Option.isNone(found)) return { state: null, outcome: "not-found" } as ProcessResult
        const row = found.value
        // a final order needs the lock again only when the channel has cancelled it since
        const cancelPending = cancelledOnChannel(row.payload) && row.state !== "cancelled" && row.state !== "creating"
        if (isFinal(row.state) && !cancelPending) return { state: row.state, outcome: "done" } as ProcessResult
        if (options.until === "reservation" && row.state !== "received" && !cancelPending) return { state: row.state, outcome: "paused" } as ProcessResult
        const locked = yield* lock.withLock(row.id, run(key, row.id, options))
        return Option.getOrElse(locked, () => ({ state: row.state, outcome: "busy" }) as ProcessResult)
      }).pipe(Effect.withSpan("OrderProtocol.process", { attributes: { channelOrderId: key.channelOrderId } }))

    /**
     * An operator's second chance for a `failed` order (mapping fixed, contact repaired) or an
     * `oversold` one (stock arrived): back to where it left the happy path — `reserved` when its
     * stock was reserved (a failure never releases it), else `received`. The next `process`
     * continues from there; an order that ever had an intent still reconciles before any POST.
     */
    const reopen = (key: OrderKey) =>
      Effect.gen(function* () {
        const found = yield* repo.find(key)
        if (Option.isNone(found)) return "not-found" as const
        const row = found.value
        if (row.state !== "failed" && row.state !== "oversold") return "not-reopenable" as const
        const to = row.state === "failed" && (yield* repo.wasReserved(row.id)) ? "reserved" : "received"
        const moved = yield* repo.transition(row, to, `reopened from ${row.state}`, { failureReason: null })
        return moved ? "reopened" as const : "not-reopenable" as const
      }).pipe(Effect.withSpan("OrderProtocol.reopen"))

    /** Every unfinished order, oldest first (the heartbeat's safety net for lost wake-ups). */
    const drain = (limit = 100) =>
      Effect.gen(function* () {
        const keys = yield* repo.unfinished(limit)
        return yield* Effect.forEach(keys, (key) => Effect.map(process(key), (result) => ({ key, result })))
      }).pipe(Effect.withSpan("OrderProtocol.drain"))

    return { process, drain, reopen } as const
  }),
}) {}
