import { SqlClient } from "@effect/sql"
import { Effect, Option } from "effect"

/**
 * The persisted state machine of ARCHITECTURE.md §6. `oversold`, `created`, `failed` and `cancelled`
 * are final (`failed` and `oversold` until an operator reopens them).
 */
export type OrderState = "received" | "reserved" | "oversold" | "creating" | "created" | "failed" | "cancelled"

export const FINAL_STATES: ReadonlySet<OrderState> = new Set(["oversold", "created", "failed", "cancelled"])

export interface OrderKey {
  readonly tenantId: string
  readonly connectionId: string
  readonly channelOrderId: string
}

export interface OrderRow {
  readonly id: string
  readonly tenantId: string
  readonly connectionId: string
  readonly channelOrderId: string
  readonly payload: unknown
  readonly modifiedAt: Date
  readonly deliveries: number
  readonly state: OrderState
  readonly attempt: number
  readonly attemptStartedAt: Date | null
  /** True when the current attempt started at least the reconciliation grace ago (DB clock). */
  readonly graceElapsed: boolean
  readonly marker: string | null
  readonly contactId: string | null
  /** The exact order-confirmation body sent (wire JSON), committed with the intent. */
  readonly request: unknown
  readonly currency: string | null
  readonly fxRate: string | null
  readonly fxRateDate: string | null
  readonly fxSource: string | null
  readonly fxPath: string | null
  readonly totalGross: string | null
  readonly totalGrossEur: string | null
  readonly lexofficeId: string | null
  readonly lexofficeNumber: string | null
  readonly failureReason: string | null
  readonly receivedAt: Date
  readonly updatedAt: Date
}

export interface OrderEvent {
  readonly at: Date
  readonly fromState: OrderState | null
  readonly toState: OrderState
  readonly attempt: number
  readonly detail: string | null
}

/** What is committed before lexoffice is called (ARCHITECTURE.md §6.3). */
export interface Intent {
  readonly marker: string
  readonly contactId: string | null
  readonly request: unknown
  readonly currency: string
  readonly fxRate: string
  readonly fxRateDate: string
  readonly fxSource: string
  readonly fxPath: string
  readonly totalGross: string
  readonly totalGrossEur: string
}

/** SQL for orders, and only SQL. Every read is scoped to a tenant (ARCHITECTURE.md §10). */
export class OrderRepo extends Effect.Service<OrderRepo>()("engine/OrderRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const columns = (graceMs: number) => sql`
      id, tenant_id, connection_id, channel_order_id, payload, modified_at, deliveries, state, attempt,
      attempt_started_at, (attempt_started_at IS NULL OR attempt_started_at <= now() - make_interval(secs => ${graceMs / 1000})) AS grace_elapsed,
      marker, contact_id, request, currency, fx_rate::text AS fx_rate, fx_rate_date::text AS fx_rate_date,
      fx_source, fx_path, total_gross::text AS total_gross, total_gross_eur::text AS total_gross_eur,
      lexoffice_id, lexoffice_number, failure_reason, received_at, updated_at`

    const find = (key: OrderKey, graceMs = 0) =>
      sql<OrderRow>`
        SELECT ${columns(graceMs)} FROM orders
        WHERE tenant_id = ${key.tenantId} AND connection_id = ${key.connectionId} AND channel_order_id = ${key.channelOrderId}`.pipe(
        Effect.map((rows) => Option.fromNullable(rows[0])),
        Effect.orDie,
        Effect.withSpan("OrderRepo.find"),
      )

    const events = (tenantId: string, orderId: string) =>
      sql<OrderEvent>`
        SELECT e.at, e.from_state, e.to_state, e.attempt, e.detail
        FROM order_events e JOIN orders o ON o.id = e.order_id
        WHERE o.tenant_id = ${tenantId} AND e.order_id = ${orderId}
        ORDER BY e.id`.pipe(Effect.orDie, Effect.withSpan("OrderRepo.events"))

    /** One order with its full history. */
    const get = (key: OrderKey) =>
      Effect.flatMap(find(key), Option.match({
        onNone: () => Effect.succeed(Option.none<OrderRow & { readonly events: ReadonlyArray<OrderEvent> }>()),
        onSome: (row) => Effect.map(events(key.tenantId, row.id), (events) => Option.some({ ...row, events })),
      }))

    /** One order by its Vortex id, with its history (the API's /orders/{id}). */
    const getById = (tenantId: string, orderId: string) =>
      sql<OrderRow>`SELECT ${columns(0)} FROM orders WHERE tenant_id = ${tenantId} AND id::text = ${orderId}`.pipe(
        Effect.orDie,
        Effect.flatMap((rows) =>
          rows[0] === undefined
            ? Effect.succeed(Option.none<OrderRow & { readonly events: ReadonlyArray<OrderEvent> }>())
            : Effect.map(events(tenantId, rows[0].id), (events) => Option.some({ ...rows[0]!, events }))),
      )

    const listByState = (tenantId: string, state: OrderState, limit = 100) =>
      sql<OrderRow>`
        SELECT ${columns(0)} FROM orders
        WHERE tenant_id = ${tenantId} AND state = ${state}
        ORDER BY received_at, id LIMIT ${limit}`.pipe(Effect.orDie, Effect.withSpan("OrderRepo.listByState"))

    const countByState = (tenantId: string) =>
      sql<{ state: OrderState; n: number }>`
        SELECT state, count(*)::int AS n FROM orders WHERE tenant_id = ${tenantId} GROUP BY state`.pipe(
        Effect.map((rows) => Object.fromEntries(rows.map((r) => [r.state, r.n])) as Partial<Record<OrderState, number>>),
        Effect.orDie,
      )

    /** Orders a worker should still work on, oldest first, across tenants or of one connection. */
    const unfinished = (limit = 100, of?: { readonly tenantId: string; readonly connectionId: string }) =>
      sql<OrderKey>`
        SELECT tenant_id, connection_id, channel_order_id FROM orders
        WHERE state IN ('received', 'reserved', 'creating')
          ${of === undefined ? sql`` : sql`AND tenant_id = ${of.tenantId} AND connection_id = ${of.connectionId}`}
        ORDER BY updated_at, id LIMIT ${limit}`.pipe(Effect.orDie, Effect.withSpan("OrderRepo.unfinished"))

    /** lexoffice ids already owned by some order: a reconciliation need not read those again. */
    const ownedVoucherIds = (ids: ReadonlyArray<string>) =>
      ids.length === 0
        ? Effect.succeed(new Set<string>())
        : sql<{ lexofficeId: string }>`SELECT lexoffice_id FROM orders WHERE lexoffice_id IN ${sql.in(ids)}`.pipe(
          Effect.map((rows) => new Set(rows.map((r) => r.lexofficeId))),
          Effect.orDie,
        )

    /**
     * Moves `row` from the state and attempt it was read in to `to`, and journals it, in one
     * transaction. The WHERE on (state, attempt) fences a worker whose view is stale: its update
     * matches nothing and it learns so (false) instead of overwriting newer progress.
     */
    const transition = (
      row: Pick<OrderRow, "id" | "state" | "attempt">,
      to: OrderState,
      detail: string | null,
      set: {
        readonly attempt?: number
        readonly intent?: Intent
        readonly lexoffice?: { readonly id: string; readonly number: string | null }
        /** A reason to record, or null to clear it (reopened); undefined leaves it. */
        readonly failureReason?: string | null
      } = {},
    ) =>
      sql.withTransaction(Effect.gen(function* () {
        const attempt = set.attempt ?? row.attempt
        const intent = set.intent
        const updated = yield* sql`
          UPDATE orders SET
            state = ${to},
            attempt = ${attempt},
            ${set.attempt !== undefined && set.attempt !== row.attempt ? sql`attempt_started_at = now(),` : sql``}
            ${intent === undefined ? sql`` : sql`
              marker = ${intent.marker}, contact_id = ${intent.contactId}, request = ${JSON.stringify(intent.request)}::jsonb,
              currency = ${intent.currency}, fx_rate = ${intent.fxRate}::numeric, fx_rate_date = ${intent.fxRateDate}::date,
              fx_source = ${intent.fxSource}, fx_path = ${intent.fxPath},
              total_gross = ${intent.totalGross}::numeric, total_gross_eur = ${intent.totalGrossEur}::numeric,`}
            ${set.lexoffice === undefined ? sql`` : sql`lexoffice_id = ${set.lexoffice.id}, lexoffice_number = ${set.lexoffice.number},`}
            ${set.failureReason === undefined ? sql`` : sql`failure_reason = ${set.failureReason},`}
            updated_at = now()
          WHERE id = ${row.id} AND state = ${row.state} AND attempt = ${row.attempt}
          RETURNING id`
        if (updated.length === 0) return false
        yield* sql`
          INSERT INTO order_events ${sql.insert({ orderId: row.id, fromState: row.state, toState: to, attempt, detail })}`
        return true
      })).pipe(Effect.orDie, Effect.withSpan("OrderRepo.transition", { attributes: { to } }))

    /** A journal line without a state change (an unknown outcome, a busy lexoffice, a late amendment). */
    const note = (row: Pick<OrderRow, "id" | "state" | "attempt">, detail: string) =>
      sql`INSERT INTO order_events ${sql.insert({ orderId: row.id, fromState: row.state, toState: row.state, attempt: row.attempt, detail })}`.pipe(
        Effect.asVoid,
        Effect.orDie,
      )

    /** For an operator's log line: the order's channel by name, and the channels the tenant's stock is published to. */
    const stockChannels = (tenantId: string, connectionId: string) =>
      sql<{ name: string; origin: boolean; target: boolean }>`
        SELECT c.name, c.id = ${connectionId} AS origin, EXISTS (SELECT 1 FROM stock_targets t WHERE t.connection_id = c.id) AS target
        FROM connections c WHERE c.tenant_id = ${tenantId}
        ORDER BY c.name`.pipe(
        Effect.map((rows) => ({ origin: rows.find((r) => r.origin)?.name ?? connectionId, published: rows.filter((r) => r.target).map((r) => r.name) })),
        Effect.orDie,
      )

    /** Whether the order ever got its stock reserved (a failed order may be reopened there). */
    const wasReserved = (orderId: string) =>
      sql`SELECT 1 FROM order_events WHERE order_id = ${orderId} AND to_state = 'reserved' LIMIT 1`.pipe(
        Effect.map((rows) => rows.length > 0),
        Effect.orDie,
      )

    /** The voucher number, read after the id was safely stored. */
    const setVoucherNumber = (orderId: string, number: string) =>
      sql`UPDATE orders SET lexoffice_number = ${number}, updated_at = now() WHERE id = ${orderId} AND lexoffice_number IS NULL`.pipe(
        Effect.asVoid,
        Effect.orDie,
      )

    return { find, get, getById, events, listByState, countByState, unfinished, ownedVoucherIds, transition, note, wasReserved, setVoucherNumber, stockChannels } as const
  }),
}) {}
