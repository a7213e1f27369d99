/**
 * The fault run's verdict, computed from the simulators' own state — what lexoffice holds and
 * what the shop sold — never from Vortex's database, which is the thing under test. Pure
 * functions, so the counting itself is unit-tested apart from any run.
 */
export interface PlacedOrder {
  readonly channelOrderId: string
  readonly placedAt: number
  readonly lines: ReadonlyArray<{ readonly sku: string; readonly quantity: number }>
}

export interface Confirmation {
  readonly voucherId: string
  readonly voucherNumber: string | null
  /** From Vortex's marker in the voucher; null when the voucher carries none. */
  readonly marker: { readonly connectionId: string; readonly channelOrderId: string } | null
}

export interface Duplicate {
  readonly channelOrderId: string
  readonly vouchers: ReadonlyArray<string>
}

/** Channel orders of this shop connection with more than one order confirmation. */
export const duplicates = (confirmations: ReadonlyArray<Confirmation>, shopConnectionId: string): Array<Duplicate> => {
  const byOrder = new Map<string, Array<string>>()
  for (const c of confirmations) {
    if (c.marker === null || c.marker.connectionId !== shopConnectionId) continue
    const list = byOrder.get(c.marker.channelOrderId) ?? []
    list.push(c.voucherNumber ?? c.voucherId)
    byOrder.set(c.marker.channelOrderId, list)
  }
  return [...byOrder].filter(([, v]) => v.length > 1).map(([channelOrderId, vouchers]) => ({ channelOrderId, vouchers }))
    .sort((a, b) => Number(a.channelOrderId) - Number(b.channelOrderId))
}

/** Placed channel orders with no order confirmation at all. */
export const missing = (placed: ReadonlyArray<PlacedOrder>, confirmations: ReadonlyArray<Confirmation>, shopConnectionId: string): Array<string> => {
  const booked = new Set(confirmations.filter((c) => c.marker?.connectionId === shopConnectionId).map((c) => c.marker!.channelOrderId))
  return placed.map((o) => o.channelOrderId).filter((id) => !booked.has(id))
}

/** Order confirmations that name no channel order of this shop: nothing Vortex should have made. */
export const strays = (confirmations: ReadonlyArray<Confirmation>, placed: ReadonlyArray<PlacedOrder>, shopConnectionId: string): Array<string> => {
  const ids = new Set(placed.map((o) => o.channelOrderId))
  return confirmations.filter((c) => c.marker === null || c.marker.connectionId !== shopConnectionId || !ids.has(c.marker.channelOrderId))
    .map((c) => c.voucherNumber ?? c.voucherId)
}

export interface Oversold {
  readonly sku: string
  readonly sold: number
  readonly onHand: number
  readonly beyond: number
}

/**
 * Per SKU, units the channel sold beyond the stock on hand Vortex was given. Every order counted
 * here respected the quantity the shop showed (the simulator's checkout refuses anything more),
 * so any unit beyond stock is a unit Vortex published that did not exist.
 */
export const oversold = (placed: ReadonlyArray<PlacedOrder>, onHand: ReadonlyMap<string, number>): Array<Oversold> => {
  const sold = new Map<string, number>()
  for (const o of placed) for (const l of o.lines) sold.set(l.sku, (sold.get(l.sku) ?? 0) + l.quantity)
  return [...sold]
    .map(([sku, units]) => ({ sku, sold: units, onHand: onHand.get(sku) ?? 0, beyond: units - (onHand.get(sku) ?? 0) }))
    .filter((o) => o.beyond > 0)
    .sort((a, b) => a.sku.localeCompare(b.sku))
}

export interface Kill {
  readonly at: number
  readonly victim: string
  /** Whether an orders run was open (a `sync_runs` row `running`) when the process died. */
  readonly duringOrdersRun: boolean
}

export interface Resumption {
  readonly kill: Kill
  /** ms from the kill until Vortex took in an order placed after it; null: none was taken in; undefined: none was placed. */
  readonly resumedAfterMs: number | null | undefined
}

/**
 * Intake after each kill: the first order placed after the kill that Vortex took in (its
 * `orders` row appeared), measured from the kill. Timing only: it reads Vortex's intake times,
 * the correctness counts above do not.
 */
export const resumptions = (kills: ReadonlyArray<Kill>, placed: ReadonlyArray<PlacedOrder>, takenIn: ReadonlyMap<string, number>): Array<Resumption> =>
  kills.map((kill) => {
    const after = placed.filter((o) => o.placedAt > kill.at)
    if (after.length === 0) return { kill, resumedAfterMs: undefined }
    const times = after.map((o) => takenIn.get(o.channelOrderId)).filter((t): t is number => t !== undefined)
    return { kill, resumedAfterMs: times.length === 0 ? null : Math.min(...times) - kill.at }
  })
