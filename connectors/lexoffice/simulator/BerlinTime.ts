import { formatLexofficeDateTime } from "../Wire.js"

/**
 * lexoffice's clock: it stamps dates in German local time (CET/CEST), and its voucherlist day
 * filters compare calendar days in that zone.
 */
const offsetFormat = new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Berlin", timeZoneName: "longOffset" })
const dayFormat = new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Berlin", year: "numeric", month: "2-digit", day: "2-digit" })

const berlinOffsetMinutes = (at: Date): number => {
  const name = offsetFormat
    .formatToParts(at).find((p) => p.type === "timeZoneName")?.value ?? "GMT+01:00"
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name)
  return match === null ? 0 : (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]))
}

/** Now, as lexoffice writes a timestamp. */
export const nowStamp = (): string => {
  const now = new Date()
  return formatLexofficeDateTime(now, berlinOffsetMinutes(now))
}

/** The CET/CEST calendar day of a lexoffice timestamp, for voucherlist day filters. */
export const berlinDay = (stamp: string): string => dayFormat.format(new Date(stamp))
