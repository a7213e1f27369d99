import { BigDecimal, Either, ParseResult, Schema } from "effect"

/**
 * lexoffice's wire conventions that are not payload shapes: exact decimals carried in JSON
 * numbers, its one accepted date-time pattern, and its search-string encoding.
 */

// A decimal literal with at most 15 significant digits survives the trip through an IEEE double
// unchanged (the shortest round-trip representation of the double is that literal), so reading
// `${n}` recovers exactly what lexoffice wrote. lexoffice amounts have ≤ 4 decimals, so only
// absurd magnitudes would exceed this; those are refused rather than silently rounded.
const MAX_EXACT_DIGITS = 15

const significantDigits = (literal: string): number =>
  literal.replace(/^-/, "").replace(".", "").replace(/^0+/, "").length

/** A JSON number on the wire, an exact `BigDecimal` inside Vortex. */
export const Decimal = Schema.transformOrFail(Schema.Number, Schema.BigDecimalFromSelf, {
  strict: true,
  decode: (n, _, ast) => {
    const literal = `${n}`
    if (!Number.isFinite(n) || literal.includes("e") || significantDigits(literal) > MAX_EXACT_DIGITS) {
      return ParseResult.fail(new ParseResult.Type(ast, n, `not an exact decimal amount: ${literal}`))
    }
    return ParseResult.succeed(BigDecimal.unsafeFromString(literal))
  },
  encode: (d, _, ast) => {
    const literal = BigDecimal.format(BigDecimal.normalize(d))
    if (literal.includes("e") || significantDigits(literal) > MAX_EXACT_DIGITS) {
      return ParseResult.fail(new ParseResult.Type(ast, d, `decimal too precise for a JSON number: ${literal}`))
    }
    return ParseResult.succeed(Number(literal))
  },
})

/** `yyyy-MM-ddTHH:mm:ss.SSSXXX`; any other pattern is a 406 at lexoffice (DOC FAQ "Datetime format"). */
export const DATE_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$/

export const LexofficeDateTime = Schema.String.pipe(Schema.pattern(DATE_TIME_PATTERN), Schema.brand("LexofficeDateTime"))
export type LexofficeDateTime = typeof LexofficeDateTime.Type

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, "0")

/**
 * Formats an instant in a fixed UTC offset (minutes east of UTC, e.g. 60 for CET, 120 for CEST),
 * because lexoffice's "relevant date" for tax rates is the local calendar day.
 */
export const formatLexofficeDateTime = (instant: Date, offsetMinutes = 0): LexofficeDateTime => {
  const local = new Date(instant.getTime() + offsetMinutes * 60_000)
  const date = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${pad(local.getUTCMilliseconds(), 3)}`
  const zone = offsetMinutes === 0
    ? "Z"
    : `${offsetMinutes < 0 ? "-" : "+"}${pad(Math.trunc(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`
  return LexofficeDateTime.make(`${date}T${time}${zone}`)
}

/** Search strings are HTML-encoded, then URL-encoded (DOC FAQ "Search string encoding"); the HTTP layer does the second step. */
export const htmlEncode = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

export const htmlDecode = (text: string): string =>
  text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&")

/** Parses JSON without throwing, for boundary code. */
export const parseJson = (text: string): Either.Either<unknown, string> =>
  Either.try({ try: () => JSON.parse(text) as unknown, catch: (e) => String(e) })
