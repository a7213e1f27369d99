import { BigDecimal } from "effect"
import { minorUnits } from "./MinorUnits.js"

/**
 * Exact arithmetic for rates. A derived rate (an inverse or a cross rate) is a quotient of
 * exact decimals; it is rounded once, to RATE_SIGNIFICANT_DIGITS significant digits, half up.
 * Significant digits rather than decimal places so that small rates (EUR per HUF ≈ 0.0026) keep
 * the same relative precision as large ones. Ten digits keep the error of a converted amount far
 * below its minor unit for any amount under 10^7. ECB rates (≤ 6 digits) and the pegs pass
 * through unchanged.
 */
export const RATE_SIGNIFICANT_DIGITS = 10

const digitsOf = (n: bigint) => n.toString().length

/**
 * `numerator / denominator` rounded half up to `significant` digits, computed with bigints so
 * that the only rounding is this one (no intermediate division precision to double-round).
 * Both operands must be positive.
 */
export const divideToSignificant = (
  numerator: BigDecimal.BigDecimal,
  denominator: BigDecimal.BigDecimal,
  significant: number = RATE_SIGNIFICANT_DIGITS,
): BigDecimal.BigDecimal => {
  const a = BigDecimal.normalize(numerator)
  const b = BigDecimal.normalize(denominator)
  if (a.value <= 0n || b.value <= 0n) throw new RangeError("divideToSignificant: operands must be positive")
  // q = a·10^k / b should have exactly `significant` digits; start from the digit counts, fix by one.
  let k = significant - (digitsOf(a.value) - digitsOf(b.value))
  const quotient = (k: number) => k >= 0
    ? { q: (a.value * 10n ** BigInt(k)) / b.value, r: (a.value * 10n ** BigInt(k)) % b.value, d: b.value }
    : { q: a.value / (b.value * 10n ** BigInt(-k)), r: a.value % (b.value * 10n ** BigInt(-k)), d: b.value * 10n ** BigInt(-k) }
  let { q, r, d } = quotient(k)
  if (digitsOf(q) > significant) ({ q, r, d } = quotient(--k))
  else if (digitsOf(q) < significant) ({ q, r, d } = quotient(++k))
  if (2n * r >= d) q += 1n
  // value = q · 10^-k · 10^(b.scale - a.scale)
  return BigDecimal.normalize(BigDecimal.make(q, k + a.scale - b.scale))
}

/**
 * `amount × rate` in `currency`, rounded half up (half away from zero, so a refund mirrors its
 * sale) to the currency's minor units. The rate is the recorded one, so anyone can reproduce the
 * amount from what the conversion stored.
 */
export const convertAmount = (
  amount: BigDecimal.BigDecimal,
  rate: BigDecimal.BigDecimal,
  currency: string,
): BigDecimal.BigDecimal =>
  BigDecimal.round(BigDecimal.multiply(amount, rate), { scale: minorUnits(currency), mode: "half-from-zero" })

/** `value · 10^-places` as plain decimal text with exactly `places` decimals. */
const plainText = (value: bigint, places: number): string => {
  const negative = value < 0n
  const digits = (negative ? -value : value).toString().padStart(places + 1, "0")
  const text = places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`
  return negative ? `-${text}` : text
}

/**
 * Exact decimal text of a rate: no trailing zeros and never an exponent ("3.9817245", "4.9771",
 * "0.00005882352941"); BigDecimal.format switches to exponent notation at 16 places.
 */
export const rateText = (rate: BigDecimal.BigDecimal): string => {
  const n = BigDecimal.normalize(rate)
  return n.scale <= 0 ? plainText(n.value * 10n ** BigInt(-n.scale), 0) : plainText(n.value, n.scale)
}

/** An amount as text with exactly the currency's minor units ("398.17", "12.345", "1500"). */
export const amountText = (amount: BigDecimal.BigDecimal, currency: string): string => {
  const places = minorUnits(currency)
  return plainText(BigDecimal.scale(amount, places).value, places)
}
