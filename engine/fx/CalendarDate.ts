/**
 * Calendar dates as `yyyy-mm-dd` strings: the form the ECB publishes, PostgreSQL's `date::text`
 * prints and the DSL passes. Arithmetic goes through UTC midnight so no time zone can shift a day.
 */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const DAY_MS = 86_400_000

/** True for a real calendar date (rejects 2026-02-30, 2026-13-01, "20260314"). */
export const isIsoDate = (s: string): boolean => {
  const m = ISO_DATE.exec(s)
  if (m === null) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(Date.UTC(y, mo - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d
}

/** `date` moved by `days` (negative = earlier). `date` must satisfy `isIsoDate`. */
export const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10)
