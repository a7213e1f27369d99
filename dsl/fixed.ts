/**
 * Exact decimals as scaled bigints: the value is `u / 10^s`. This is the fast path of the
 * evaluator (Effect's BigDecimal is the reference; test/dsl proves they agree). Scales follow
 * the usual decimal rules: + and − take the larger scale, × adds scales, ÷ yields
 * DIVISION_SCALE digits rounded half-even, then drops trailing zeros down to the operands' scale.
 */
export class Fixed {
  constructor(readonly u: bigint, readonly s: number) {}
}

export const DIVISION_SCALE = 20

const POW: Array<bigint> = [1n]
for (let i = 1; i <= 64; i++) POW.push(POW[i - 1]! * 10n)
export const pow10 = (n: number): bigint => POW[n] ?? 10n ** BigInt(n)

export const ZERO = new Fixed(0n, 0)
export const ONE = new Fixed(1n, 0)

export const fromInt = (n: bigint): Fixed => new Fixed(n, 0)

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$|^([+-]?)\.(\d+)(?:[eE]([+-]?\d+))?$/

/** Parses "12.50", "-0.5", "1e-7"; undefined for anything else (NaN, "", "1,5"). */
export const parseFixed = (text: string): Fixed | undefined => {
  const m = DECIMAL.exec(text.trim())
  if (m === null) return undefined
  const sign = m[1] ?? m[5] ?? ""
  const whole = m[2] ?? "0"
  const frac = m[3] ?? m[6] ?? ""
  const exp = Number(m[4] ?? m[7] ?? "0")
  let u = BigInt(whole + frac)
  let s = frac.length - exp
  if (s < 0) {
    u *= pow10(-s)
    s = 0
  }
  if (s > 1000) return undefined
  return new Fixed(sign === "-" ? -u : u, s)
}

/**
 * A JSON number as the decimal its text denotes. JSON parsers hand us doubles; the shortest
 * round-trip string of a double is the literal the sender wrote for any value with ≤ 15
 * significant digits, which covers every price and quantity.
 */
export const fromNumber = (n: number): Fixed | undefined => {
  if (Number.isSafeInteger(n)) return new Fixed(BigInt(n), 0)
  return Number.isFinite(n) ? parseFixed(String(n)) : undefined
}

export const rescale = (a: Fixed, s: number): Fixed => (a.s === s ? a : a.s < s ? new Fixed(a.u * pow10(s - a.s), s) : roundFixed(a, s, "down"))

export const add = (a: Fixed, b: Fixed): Fixed =>
  a.s === b.s ? new Fixed(a.u + b.u, a.s) : a.s > b.s ? new Fixed(a.u + b.u * pow10(a.s - b.s), a.s) : new Fixed(a.u * pow10(b.s - a.s) + b.u, b.s)

export const sub = (a: Fixed, b: Fixed): Fixed =>
  a.s === b.s ? new Fixed(a.u - b.u, a.s) : a.s > b.s ? new Fixed(a.u - b.u * pow10(a.s - b.s), a.s) : new Fixed(a.u * pow10(b.s - a.s) - b.u, b.s)

export const mul = (a: Fixed, b: Fixed): Fixed => new Fixed(a.u * b.u, a.s + b.s)

export const neg = (a: Fixed): Fixed => new Fixed(-a.u, a.s)
export const abs = (a: Fixed): Fixed => (a.u < 0n ? new Fixed(-a.u, a.s) : a)

export const cmp = (a: Fixed, b: Fixed): number => {
  const x = a.s >= b.s ? a.u : a.u * pow10(b.s - a.s)
  const y = b.s >= a.s ? b.u : b.u * pow10(a.s - b.s)
  return x < y ? -1 : x > y ? 1 : 0
}

export const isZero = (a: Fixed): boolean => a.u === 0n

/** a ÷ b, or undefined when b is zero. */
export const div = (a: Fixed, b: Fixed): Fixed | undefined => {
  if (b.u === 0n) return undefined
  // a/b = (a.u * 10^(S + b.s - a.s)) / b.u  at scale S; one extra digit decides the rounding.
  const shift = DIVISION_SCALE + b.s - a.s
  const num = shift >= 0 ? a.u * pow10(shift) : a.u / pow10(-shift)
  const q = roundQuotient(num, b.u, "half_even")
  return trimZeros(new Fixed(q, DIVISION_SCALE), Math.max(a.s, b.s))
}

/** Drops trailing zeros while the scale stays at or above `floor`. */
export const trimZeros = (a: Fixed, floor: number): Fixed => {
  let { u, s } = a
  while (s > floor && u % 10n === 0n) {
    u /= 10n
    s--
  }
  return s === a.s ? a : new Fixed(u, s)
}

export type RoundingMode = "half_up" | "half_even" | "up" | "down" | "ceil" | "floor"
export const roundingModes: ReadonlyArray<RoundingMode> = ["half_up", "half_even", "up", "down", "ceil", "floor"]

/** n ÷ d rounded to an integer with the given mode (d ≠ 0). */
export const roundQuotient = (n: bigint, d: bigint, mode: RoundingMode): bigint => {
  if (d < 0n) {
    n = -n
    d = -d
  }
  const q = n / d // truncates toward zero
  const r = n % d
  if (r === 0n) return q
  const negative = n < 0n
  const away = negative ? q - 1n : q + 1n
  switch (mode) {
    case "down": return q
    case "up": return away
    case "ceil": return negative ? q : away
    case "floor": return negative ? away : q
    default: {
      const twice = (r < 0n ? -r : r) * 2n
      if (twice > d) return away
      if (twice < d) return q
      return mode === "half_up" ? away : q % 2n === 0n ? q : away
    }
  }
}

/** Rounds (or pads) to exactly `scale` fraction digits. `half_up` is German commercial rounding. */
export const roundFixed = (a: Fixed, scale: number, mode: RoundingMode): Fixed => {
  if (a.s <= scale) return a.s === scale ? a : new Fixed(a.u * pow10(scale - a.s), scale)
  return new Fixed(roundQuotient(a.u, pow10(a.s - scale), mode), scale)
}

/** "11.90": the scale is kept, so an amount rounded to cents prints its cents. */
export const formatFixed = (a: Fixed): string => {
  const negative = a.u < 0n
  const digits = (negative ? -a.u : a.u).toString()
  if (a.s === 0) return negative ? `-${digits}` : digits
  const padded = digits.padStart(a.s + 1, "0")
  const text = `${padded.slice(0, -a.s)}.${padded.slice(-a.s)}`
  return negative ? `-${text}` : text
}

/** Whole number of a scale-0 value as a JS number (string indices, counts); undefined if unsafe. */
export const toSmallInt = (a: Fixed): number | undefined => {
  const t = trimZeros(a, 0)
  if (t.s !== 0) return undefined
  const n = Number(t.u)
  return Number.isSafeInteger(n) ? n : undefined
}
