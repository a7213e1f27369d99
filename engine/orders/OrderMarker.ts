/**
 * The exactly-once marker (ARCHITECTURE.md §6.3). lexoffice has no idempotency key and no searchable
 * external reference (lexoffice-dhl.md §7), so Vortex writes a marker into the voucher's
 * `remark` — a text that GET /v1/order-confirmations/{id} returns — and finds a voucher by
 * reading candidates back. The marker names the order, not the attempt: whichever attempt's
 * voucher reached lexoffice, it is recognised.
 */

/** Brackets delimit it, so the marker of order "10" is not found inside that of order "100". */
export const orderMarker = (connectionId: string, channelOrderId: string): string =>
  `[vortex:${connectionId}:${channelOrderId}]`

const REMARK_MAX = 2000

/** The mapped remark with the marker on a line of its own, the remark cut so both fit in 2000 chars. */
export const withMarker = (remark: string | undefined, marker: string): string => {
  if (remark === undefined || remark.trim() === "") return marker
  const room = REMARK_MAX - marker.length - 1
  return `${remark.slice(0, Math.max(0, room))}\n${marker}`
}

/** Whether a voucher read back from lexoffice carries the marker (remark, or introduction as written by older versions). */
export const carriesMarker = (voucher: { readonly remark?: string | undefined; readonly introduction?: string | undefined }, marker: string): boolean =>
  (voucher.remark ?? "").includes(marker) || (voucher.introduction ?? "").includes(marker)
