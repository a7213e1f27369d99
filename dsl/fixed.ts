/**
 * Exact decimals as scaled integers: the value is `u / 10^s`. This is the fast path of the
 * evaluator (Effect's BigDecimal is the reference; test/dsl proves they agree). Scales follow
 * the usual decimal rules: + and − take the larger scale, × adds scales, ÷ yields
 * DIVISION_SCALE digits rounded half-even, then drops trailing zeros down to the operands' scale.
 *
 * `u` is a JS number while |u| ≤ 2^53 − 1 (exact there, and an order of magnitude cheaper than
 * a bigint) and a bigint beyond; every operation checks that a number result is still a safe
 * integer and redoes itself in bigint when not. No float ever holds a fraction.
 */
export class Fixed {
  constructor(readonly u: number | bigint, readonly s: number) {}
}

export const DIVISION_SCALE = 20
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER)

const POW: Array<bigint> = [1n]
for (let i = 1; i <= 64; i++) POW.push(POW[i - 1]! * 10n)
export const pow10 = (n: number): bigint => POW[n] ?? 10n ** BigInt(n)
const POWN: ReadonlyArray<number> = Array.from({ length: 16 }, (_, i) => 10 ** i)

const big = (u: number | bigint): bigint => (typeof u === "number" ? BigInt(u) : u)
/** Canonical form: a number whenever the integer is safe. */
const mk = (u: bigint, s: number): Fixed => new Fixed(u <= MAX_SAFE_BIG && u >= -MAX_SAFE_BIG ? Number(u) : u, s)
const safe = Number.isSafeInteger

export const bigUnits = (a: Fixed): bigint => big(a.u)
export const fromBigUnits = mk

export const ZERO = new Fixed(0, 0)
export const ONE = new Fixed(1, 0)

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$|^([+-]?)\.(\d+)(?:[eE]([+-]?\d+))?$/

// The common shape ("-12.50", "3") without the regex: decimal strings arrive on every record.
const parsePlain = (text: string): Fixed | undefined => {
  const len = text.length
  if (len === 0 || len > 15) return undefined
  const neg = text.charCodeAt(0) === 45
  let i = neg ? 1 : 0
  const first = i
  if (i === len) return undefined
  let n = 0
  let s = -1
  for (; i < len; i++) {
    const ch = text.charCodeAt(i)
    if (ch === 46 && s < 0 && i > first && i < len - 1) s = len - i - 1
    else if (ch >= 48 && ch <= 57) n = n * 10 + (ch - 48)
    else return undefined
  }
  return new Fixed(neg ? -n : n, s < 0 ? 0 : s)
}

/** Parses "12.50", "-0.5", "1e-7"; undefined for anything else (NaN, "", "1,5"). */
export const parseFixed = (text: string): Fixed | undefined => {
  const simple = parsePlain(text)
  if (simple !== undefined) return simple
  const m = DECIMAL.exec(text.trim())
  if (m === null) return undefined
  const sign = m[1] ?? m[5] ?? ""
  const whole = m[2] ?? "0"
  const frac = m[3] ?? m[6] ?? ""
  const exp = Number(m[4] ?? m[7] ?? "0")
  let u = BigInt(whole + frac)
  let s = frac.length - exp
  if (s < 0) {
    if (-s > 1000) return undefined
    u *= pow10(-s)
    s = 0
  }
  if (s > 1000) return undefined
  return mk(sign === "-" ? -u : u, s)
}

/**
 * A JSON number as the decimal its text denotes. JSON parsers hand us doubles; the shortest
 * round-trip form of a double is the literal the sender wrote for any value with ≤ 15
 * significant digits, which covers every price and quantity.
 */
export const fromNumber = (n: number): Fixed | undefined => {
  if (safe(n)) return new Fixed(n === 0 ? 0 : n, 0)
  if (!Number.isFinite(n)) return undefined
  // Without strings: the fewest fraction digits k such that m / 10^k reads back as n is
  // exactly the shortest round-trip form String(n) would print.
  if (Math.abs(n) < 1e9) {
    for (let k = 1; k <= 6; k++) {
      const p = POWN[k]!
      const m = Math.round(n * p)
      if (m / p === n) return new Fixed(m, k)
    }
  }
  return parseFixed(String(n))
}

/** `a` with its units multiplied by 10^d (d ≥ 0). */
const up = (a: Fixed, d: number): number | bigint => {
  if (d === 0) return a.u
  if (typeof a.u === "number" && d < 16) {
    const r = a.u * POWN[d]!
    if (safe(r)) return r
  }
  return big(a.u) * pow10(d)
}

export const rescale = (a: Fixed, s: number): Fixed => (a.s === s ? a : a.s < s ? norm(up(a, s - a.s), s) : roundFixed(a, s, "down"))

const norm = (u: number | bigint, s: number): Fixed => (typeof u === "number" ? new Fixed(u, s) : mk(u, s))

const addUnits = (x: number | bigint, y: number | bigint, s: number): Fixed => {
  if (typeof x === "number" && typeof y === "number") {
    const r = x + y
    if (safe(r)) return new Fixed(r, s)
  }
  return mk(big(x) + big(y), s)
}

export const add = (a: Fixed, b: Fixed): Fixed =>
  a.s === b.s ? addUnits(a.u, b.u, a.s) : a.s > b.s ? addUnits(a.u, up(b, a.s - b.s), a.s) : addUnits(up(a, b.s - a.s), b.u, b.s)

export const neg = (a: Fixed): Fixed => (typeof a.u === "number" ? new Fixed(a.u === 0 ? 0 : -a.u, a.s) : mk(-a.u, a.s))
export const sub = (a: Fixed, b: Fixed): Fixed => add(a, neg(b))

export const mul = (a: Fixed, b: Fixed): Fixed => {
  if (typeof a.u === "number" && typeof b.u === "number") {
    const r = a.u * b.u
    if (safe(r)) return new Fixed(r === 0 ? 0 : r, a.s + b.s)
  }
  return mk(big(a.u) * big(b.u), a.s + b.s)
}

export const abs = (a: Fixed): Fixed => (a.u < 0 ? neg(a) : a)
export const sign = (a: Fixed): number => (a.u > 0 ? 1 : a.u < 0 ? -1 : 0)

export const cmp = (a: Fixed, b: Fixed): number => {
  const x = a.s >= b.s ? a.u : up(a, b.s - a.s)
  const y = b.s >= a.s ? b.u : up(b, a.s - b.s)
  return x < y ? -1 : x > y ? 1 : 0
}

export const isZero = (a: Fixed): boolean => a.u === 0 || a.u === 0n

/** a ÷ b, or undefined when b is zero. */
export const div = (a: Fixed, b: Fixed): Fixed | undefined => {
  if (isZero(b)) return undefined
  // a/b = (a.u * 10^(S + b.s - a.s)) / b.u  at scale S; the remainder decides the rounding.
  const shift = DIVISION_SCALE + b.s - a.s
  const num = shift >= 0 ? big(a.u) * pow10(shift) : big(a.u) / pow10(-shift)
  const q = roundQuotient(num, big(b.u), "half_even")
  return trimZeros(mk(q, DIVISION_SCALE), Math.max(a.s, b.s))
}

/** Drops trailing zeros while the scale stays at or above `floor`. */
export const trimZeros = (a: Fixed, floor: number): Fixed => {
  if (a.s <= floor) return a
  if (typeof a.u === "number") {
    let u = a.u
    let s = a.s
    while (s > floor && u % 10 === 0) {
      u /= 10
      s--
    }
    return s === a.s ? a : new Fixed(u === 0 ? 0 : u, s)
  }
  // An exact quotient carries up to DIVISION_SCALE zeros: drop them all at once when possible.
  const all = pow10(a.s - floor)
  if (a.u % all === 0n) return mk(a.u / all, floor)
  if (a.u % 10n !== 0n) return a
  let u = a.u
  let s = a.s
  while (s > floor && u % 10n === 0n) {
    u /= 10n
    s--
  }
  return s === a.s ? a : mk(u, s)
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

/** The same on safe integers (d a power of ten ≤ 10^15): % and exact division keep it integral. */
const roundQuotientN = (n: number, d: number, mode: RoundingMode): number => {
  const r = n % d
  const q = (n - r) / d
  if (r === 0) return q
  const negative = n < 0
  const away = negative ? q - 1 : q + 1
  switch (mode) {
    case "down": return q
    case "up": return away
    case "ceil": return negative ? q : away
    case "floor": return negative ? away : q
    default: {
      const twice = (r < 0 ? -r : r) * 2
      if (twice > d) return away
      if (twice < d) return q
      return mode === "half_up" ? away : q % 2 === 0 ? q : away
    }
  }
}

/** Rounds (or pads) to exactly `scale` fraction digits. `half_up` is German commercial rounding. */
export const roundFixed = (a: Fixed, scale: number, mode: RoundingMode): Fixed => {
  if (a.s <= scale) return a.s === scale ? a : norm(up(a, scale - a.s), scale)
  const d = a.s - scale
  if (typeof a.u === "number" && d < 16) {
    const q = roundQuotientN(a.u, POWN[d]!, mode)
    return new Fixed(q === 0 ? 0 : q, scale)
  }
  return mk(roundQuotient(big(a.u), pow10(d), mode), scale)
}

/** "11.90": the scale is kept, so an amount rounded to cents prints its cents. */
export const formatFixed = (a: Fixed): string => {
  const negative = a.u < 0
  const digits = typeof a.u === "number" ? String(negative ? -a.u : a.u) : (negative ? -a.u : a.u).toString()
  if (a.s === 0) return negative ? `-${digits}` : digits
  const padded = digits.length > a.s ? digits : digits.padStart(a.s + 1, "0")
  const cut = padded.length - a.s
  return `${negative ? "-" : ""}${padded.slice(0, cut)}.${padded.slice(cut)}`
}

/** Whole number of a value as a JS number (string indices, counts); undefined if fractional or unsafe. */
export const toSmallInt = (a: Fixed): number | undefined => {
  const t = trimZeros(a, 0)
  return t.s === 0 && typeof t.u === "number" ? t.u : undefined
}
