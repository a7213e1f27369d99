/**
 * lexoffice's clock: it stamps dates in German local time (CET/CEST) as
 * `yyyy-MM-ddTHH:mm:ss.SSSXXX`, and its voucherlist day filters compare calendar days in that
 * zone. Written here rather than taken from the client's Wire.ts: if the client got the format
 * wrong, a simulator sharing its formatter would agree and the tests would not notice.
 */
const offsetFormat = new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Berlin", timeZoneName: "longOffset" })
const dayFormat = new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Berlin", year: "numeric", month: "2-digit", day: "2-digit" })

const berlinOffsetMinutes = (at: Date): number => {
  const name = offsetFormat
    .formatToParts(at).find((p) => p.type === "timeZoneName")?.value ?? "GMT+01:00"
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name)
  return match === null ? 0 : (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]))
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** Now, as lexoffice writes a timestamp: Berlin wall-clock time with its UTC offset. */
export const nowStamp = (): string => {
  const now = new Date()
  const offset = berlinOffsetMinutes(now)
  // Shifted by the offset, the UTC fields of `local` read as the Berlin wall clock.
  const local = new Date(now.getTime() + offset * 60_000)
  const date = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${pad(local.getUTCMilliseconds(), 3)}`
  const zone = offset === 0 ? "Z" : `${offset < 0 ? "-" : "+"}${pad(Math.trunc(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  return `${date}T${time}${zone}`
}

/** The CET/CEST calendar day of a lexoffice timestamp, for voucherlist day filters. */
export const berlinDay = (stamp: string): string => dayFormat.format(new Date(stamp))
