import { formatLexofficeDateTime, type LexofficeDateTime } from "../../connectors/lexoffice/Wire.js"

/**
 * The calendar day an order belongs to. lexoffice dates are German local time (its voucherlist
 * day filters "reference a full day in CET/CEST"), and the FX rate of "the order date" is the
 * ECB publication of that day, also CET: so one day, Europe/Berlin, serves both.
 */
const offsetFormat = new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Berlin", timeZoneName: "longOffset" })

const berlinOffsetMinutes = (at: Date): number => {
  const name = offsetFormat.formatToParts(at).find((p) => p.type === "timeZoneName")?.value ?? "GMT+01:00"
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name)
  return match === null ? 0 : (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]))
}

/** The instant as lexoffice wants a voucher date: Berlin wall-clock time with its offset. */
export const voucherDateOf = (placedAt: Date): LexofficeDateTime => formatLexofficeDateTime(placedAt, berlinOffsetMinutes(placedAt))

/** `yyyy-mm-dd` of the instant in Berlin. */
export const orderDayOf = (placedAt: Date): string => voucherDateOf(placedAt).slice(0, 10)

/** `yyyy-mm-dd` shifted by whole days (calendar arithmetic, no time zone involved). */
export const shiftDay = (day: string, days: number): string => {
  const date = new Date(`${day}T00:00:00Z`)
  date.setUTCDate(date.getUTCDate() + days)
  return date.toISOString().slice(0, 10)
}
