/**
 * The merchant's calendar day (lexoffice books in Germany): what `today` means in a rule and
 * which day's FX rate applies to "now".
 */
export const businessDate = (at: Date, timeZone = "Europe/Berlin"): string =>
  new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at)

export const addDays = (day: string, days: number): string => {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}
