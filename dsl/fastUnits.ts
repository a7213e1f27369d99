import type { Ctx } from "./context.js"
import { div, DIVISION_SCALE, Fixed, formatFixed, fromNumber, parseFixed, roundingModes, type RoundingMode } from "./fixed.js"
import { tableOf, tableRow } from "./runtime.js"
import { nonNull, type Type } from "./types.js"

/**
 * The run-time half of the allocation-free tier (fastNum.ts generates the code that calls
 * these): units and scales as plain JS numbers. The allocation-free tier of the fast evaluator. Generic closures (compile.ts) pass a `Fixed`
 * object between every two operations; here a numeric or bool root, or a mapping's whole
 * top-level record (compileFastRecord), is generated as one JS function whose intermediate
 * units are plain JS numbers in local variables, with their scales beside them, so
 * `round(vat_add(net, rate), 2)` allocates nothing between reading `net` and printing "11.90". Scales follow exactly the rules of fixed.ts (the output text keeps its
 * scale, so they must). Helpers that decode or look up report the scale of the units they
 * return in the register `R.s` (an object field: generated code reads it without a call).
 *
 * Anything off the common path — a unit count beyond 2^53, a null, a missing rate, a division
 * by zero, a value in an unexpected shape — throws `RETRY`; a record function then declines
 * (NOT_FAST) and its fields run one by one; a root's function undoes the slots and
 * fx uses of its attempt and evaluates the same expression with the generic closures, which
 * own every error message, `??` fallback and bigint case. So this tier only has to be right
 * where it answers, and test/dsl/tiers.test.ts checks it answers exactly like the generic tier.
 */
/** The scale of the units the last helper returned. Evaluation is synchronous. */
export const R = { s: 0 }

export const RETRY = { retry: true }
export const retry = (): never => {
  throw RETRY
}

export const POWN: ReadonlyArray<number> = Array.from({ length: 16 }, (_, i) => 10 ** i)
export const safe = Number.isSafeInteger
export const z = (u: number): number => (u === 0 ? 0 : u)

/** u · 10^d, or RETRY beyond the safe range. */
export const up = (u: number, d: number): number => {
  if (d === 0) return u
  if (d > 15) return retry()
  const r = u * POWN[d]!
  return safe(r) ? r : retry()
}

/** n ÷ d rounded to an integer (d > 0, both safe). */
export type Rounder = (n: number, d: number) => number

/*
 * Integer division without `%`: `%` on values V8 holds as doubles is a call to C's fmod (a
 * sixth of the bench's profile). For safe integers n and d > 0, Math.trunc(n / d) is the exact
 * truncated quotient: the float quotient could only round up to an integer k from
 * x = k − r/d (1 ≤ r < d) if r/d were below half an ulp of x (≤ x·2^−53), i.e. r < n·2^−53 < 1.
 * Then |q·d| ≤ |n| is an exact product and n − q·d the exact remainder (n's sign, as `%`).
 * Written out in each user (no shared helper returning two values through a register).
 */

/** Is the integer u a multiple of 10? (u / 10 is exact when it is, and at least 0.1 from an integer when not.) */
export const tens = (u: number): boolean => {
  const t = u / 10
  return t === Math.trunc(t)
}

/**
 * Statements setting `q` to n ÷ d rounded with `mode` (d > 0, both safe; n and d names or
 * literals, `r` and `t` scratch locals). Generated code writes them out where it rounds (a
 * call per rounding was a tenth of the bench's profile, and a record function is too large
 * for V8 to inline its helpers), and ROUNDERS are the same statements as functions. The
 * quotient is truncated, then moved one unit away from zero or towards ±∞ as the mode and the
 * remainder say; `+ 0` turns a −0 into 0.
 */
export const roundStatements = (mode: RoundingMode, n: string, d: string, q: string, r: string, t: string): string => {
  const head = `${q} = Math.trunc(${n} / ${d}); ${r} = ${n} - ${q} * ${d};`
  const away = `${q} = ${n} < 0 ? ${q} - 1 : ${q} + 1;`
  switch (mode) {
    case "down": return `${q} = Math.trunc(${n} / ${d}) + 0;`
    case "up": return `${head} if (${r} !== 0) ${away} else ${q} += 0;`
    case "ceil": return `${head} if (${r} > 0) ${q} += 1; else ${q} += 0;`
    case "floor": return `${head} if (${r} < 0) ${q} -= 1; else ${q} += 0;`
    case "half_up": return `${head} if ((${r} < 0 ? -${r} : ${r}) * 2 >= ${d}) ${away} else ${q} += 0;`
    // q / 2 is exact: q is odd exactly when halving leaves a fraction.
    case "half_even": return `${head} ${t} = (${r} < 0 ? -${r} : ${r}) * 2; if (${t} > ${d} || (${t} === ${d} && ${q} / 2 !== Math.trunc(${q} / 2))) ${away} else ${q} += 0;`
  }
}

/** n ÷ d rounded to an integer (d > 0, both safe), per mode: roundStatements as functions. */
export const ROUNDERS: Readonly<Record<RoundingMode, Rounder>> = Object.fromEntries(roundingModes.map((mode) =>
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  [mode, new Function("n", "d", `"use strict"; let q, r, t; ${roundStatements(mode, "n", "d", "q", "r", "t")} return q;`) as Rounder],
)) as Record<RoundingMode, Rounder>

/** n ÷ d rounded with the given mode, for a divisor of either sign. */
export const roundDiv = (n: number, d: number, round: Rounder): number => (d < 0 ? round(-n, -d) : round(n, d))

/** round(u / 10^s, k): what fixed.ts's roundFixed does, on safe integers. */
export const roundUnits = (u: number, s: number, k: number, round: Rounder): number => {
  if (s <= k) return up(u, k - s)
  const d = s - k
  if (d > 15) return retry()
  return round(u, POWN[d]!)
}

// --- decoding raw JSON (numbers and decimal text) straight to units --------------------------

/** A JSON number as units; the same digits as fixed.ts's fromNumber (shortest round-trip form). */
export const unitsOfNumber = (n: number): number => {
  if (safe(n)) {
    R.s = 0
    return z(n)
  }
  if (n < 1e9 && n > -1e9) {
    // Two places first (prices): if one place would do, two give that number's units × 10
    // (the double nearest m/10 is the one nearest 10m/100), and if two do not, one does not.
    const m = Math.round(n * 100)
    if (m / 100 === n) {
      if (tens(m)) {
        R.s = 1
        return m / 10
      }
      R.s = 2
      return m
    }
    for (let k = 3; k <= 6; k++) {
      const p = POWN[k]!
      const m = Math.round(n * p)
      if (m / p === n) {
        R.s = k
        return m
      }
    }
  }
  return unitsOfFixed(fromNumber(n))
}

/** The scale register, for tests of the decoders. */
export const lastScale = (): number => R.s

export const unitsOfFixed = (f: Fixed | undefined): number => {
  if (f === undefined || typeof f.u !== "number") return retry()
  R.s = f.s
  return f.u
}

/** "-12.50" → -1250 at scale 2, one pass over the characters; anything unusual goes to parseFixed. */
export const unitsOfText = (text: string): number => {
  const len = text.length
  if (len === 0 || len > 15) return unitsOfFixed(parseFixed(text))
  const negative = text.charCodeAt(0) === 45
  let i = negative ? 1 : 0
  const first = i
  let n = 0
  let s = -1
  for (; i < len; i++) {
    const ch = text.charCodeAt(i)
    if (ch >= 48 && ch <= 57) n = n * 10 + (ch - 48)
    else if (ch === 46 && s < 0 && i > first && i < len - 1) s = len - i - 1
    else return unitsOfFixed(parseFixed(text))
  }
  if (first === len) return retry()
  R.s = s < 0 ? 0 : s
  return negative ? z(-n) : n
}

/** Raw JSON → units of a numeric type (percents as fractions: 19 → 0.19). Null, absent or odd → RETRY. */
export const rawDecoder = (type: Type): ((raw: unknown) => number) => {
  const plain = (raw: unknown): number =>
    typeof raw === "number" ? unitsOfNumber(raw) : typeof raw === "string" ? unitsOfText(raw) : raw instanceof Fixed ? unitsOfFixed(raw) : retry()
  if (nonNull(type).t !== "percent") return plain
  return (raw) => {
    if (raw instanceof Fixed) return unitsOfFixed(raw)
    const u = plain(raw)
    R.s += 2
    return u
  }
}

// --- encoding units to the JSON the generic encoder produces ----------------------------------

// The fraction digits of 2- and 3-place amounts, printed once: cents are most of what leaves.
export const FRACTIONS: ReadonlyArray<ReadonlyArray<string> | undefined> = [undefined, undefined,
  Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0")),
  Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"))]

export const WHOLES_MAX = 1 << 14
export const WHOLES: Array<string | undefined> = new Array(WHOLES_MAX)

/** "11.90" from 1190 at scale 2: integer arithmetic, no intermediate objects. */
export const formatUnits = (u: number, s: number): string => {
  if (s === 0) return String(z(u))
  if (s > 15) return formatFixed(new Fixed(u, s))
  const negative = u < 0
  const a = negative ? -u : u
  const p = POWN[s]!
  const whole = Math.trunc(a / p)
  const frac = a - whole * p
  const table = FRACTIONS[s]
  const f = table !== undefined ? table[frac]! : String(frac).padStart(s, "0")
  // The integer part with its point from a table for amounts below 2^14: one concatenation.
  const w = whole < WHOLES_MAX ? (WHOLES[whole] ??= `${whole}.`) : `${whole}.`
  return negative ? "-" + w + f : w + f
}

/** "12." for 12: the integer part with its point, from the table below WHOLES_MAX. */
export const wholeDot = (w: number): string => (w < WHOLES_MAX ? (WHOLES[w] ??= `${w}.`) : `${w}.`)

/** Drops trailing zeros from (u, s) down to scale `floor`; the result's scale lands in S. */
export const trimUnits = (u: number, s: number, floor: number): number => {
  while (s > floor && tens(u)) {
    u /= 10
    s--
  }
  R.s = s
  return z(u)
}

export const unitsEncoder = (type: Type): ((u: number, s: number) => unknown) => {
  const t = nonNull(type)
  if (t.t === "int") {
    return (u, s) => {
      const w = trimUnits(u, s, 0)
      return R.s === 0 ? w : formatUnits(u, s)
    }
  }
  if (t.t === "percent") {
    return (u, s) => {
      if (s >= 2) return formatUnits(u, s - 2)
      const w = trimUnits(up(u, 2), s, 0)
      return formatUnits(w, R.s)
    }
  }
  return formatUnits
}

/** Division as fixed.ts defines it (DIVISION_SCALE digits half-even, trimmed); the rare exact-in-bigint case via fixed.ts. */
export const divide = (x: number, xs: number, y: number, ys: number): number => {
  if (y === 0) return retry()
  const q = div(new Fixed(x, xs), new Fixed(y, ys))
  return unitsOfFixed(q)
}

/**
 * round(x ÷ y, k, mode) in one integer division. The language rounds x ÷ y to 20 places
 * half-even first; with a divisor below 10^(19−k) that first rounding cannot change the second:
 * a non-zero remainder r/d stays ≥ 1/d ≥ 10 units of the 20th place away from 0, 1 and (unless
 * exactly at it) ½, and the first rounding moves it by at most half a unit.
 */
export const roundedQuotient = (x: number, xs: number, y: number, ys: number, k: number, mode: Rounder): number => {
  if (y === 0) return retry()
  if (quotientFits(x, xs, y, ys, k)) return roundDiv(Q.n, Q.d, mode)
  return roundUnits(divide(x, xs, y, ys), R.s, k, mode)
}

/** Where roundedQuotient can divide straight to k places: the numerator and divisor, scaled. */
export const Q = { n: 0, d: 0 }
export const quotientFits = (x: number, xs: number, y: number, ys: number, k: number): boolean => {
  const e = k + ys - xs
  if (k > 15 || DIVISION_SCALE + ys - xs < 0 || e > 15 || e < -15) return false
  const n = e >= 0 ? x * POWN[e]! : x
  const d = e >= 0 ? y : y * POWN[-e]!
  const limit = POWN[19 - k] ?? 1e19 / 10 ** k
  if (!safe(n) || !safe(d) || d >= limit || d <= -limit) return false
  Q.n = n
  Q.d = d
  return true
}

export const cmpUnits = (x: number, xs: number, y: number, ys: number): number => {
  const a = xs >= ys ? x : up(x, ys - xs)
  const b = ys >= xs ? y : up(y, xs - ys)
  return a < b ? -1 : a > b ? 1 : 0
}

/** fx(x, from, to, on:) on units: the rate is looked up, recorded and multiplied in. */
export const fxUnits = (c: Ctx, x: number, xs: number, from: string, to: string, on: string, site: RateSite): number => {
  if (from === to) {
    R.s = xs
    return x
  }
  const r = c.rt.rates?.(from, to, on)
  if (r === undefined) return retry()
  // A call site mostly sees one currency pair, so one rate text again and again.
  let rate = site.rate
  if (r.rate !== site.raw || rate === undefined) {
    rate = rateOf(r.rate)
    site.raw = r.rate
    site.rate = rate
  }
  if (rate === undefined) return retry()
  c.fx.push({ from, to, on, rate: rate.text, date: r.date, source: r.source })
  const u = x * rate.u
  R.s = xs + rate.s
  return safe(u) ? u || 0 : retry()
}

/** lookup(table, key) with a numeric key: rows are keyed by the key's shortest text ("19" for 19.00). */
export const lookupUnits = (c: Ctx, table: string, x: number, xs: number, percentKey: boolean, dec: (raw: unknown) => number): number => {
  let u = x
  if (percentKey) {
    u = x * 100
    if (!safe(u)) return retry()
  }
  u = trimUnits(u, xs, 0)
  const row = tableRow(tableOf(c.rt, table), formatUnits(u, R.s))
  return row === undefined || row === null ? retry() : dec(row)
}

/** A date as the generic decoder reads it (its first ten characters), or RETRY. */
// Starts as a day the check below accepts anyway, so a first "" is not taken for a known day.
let lastDate = "0000-00-00"
export const dateOf = (raw: unknown): string => {
  if (raw === lastDate) return raw
  if (typeof raw !== "string" || raw.length < 10) return retry()
  for (let i = 0; i < 10; i++) {
    const ch = raw.charCodeAt(i)
    if (i === 4 || i === 7 ? ch !== 45 : ch < 48 || ch > 57) return retry()
  }
  if (raw.length > 10) return raw.slice(0, 10)
  // Records of a batch mostly carry the same day: the next one is then one string comparison.
  lastDate = raw
  return raw
}

// A provider answers with the same few rate strings all day: parse and print each once.
export interface RateUnits { readonly u: number; readonly s: number; readonly text: string }
/** The last rate an fx call site converted with. */
export interface RateSite { raw: string | number | undefined; rate: RateUnits | undefined }
export const rateCache = new Map<string | number, RateUnits | undefined>()
export const rateOf = (raw: string | number): RateUnits | undefined => {
  const known = rateCache.get(raw)
  if (known !== undefined || rateCache.has(raw)) return known
  const f = typeof raw === "number" ? fromNumber(raw) : parseFixed(raw)
  const r = f === undefined || typeof f.u !== "number" ? undefined : { u: f.u, s: f.s, text: formatFixed(f) }
  if (rateCache.size > 10_000) rateCache.clear()
  rateCache.set(raw, r)
  return r
}


/**
 * What generated code reaches by name (destructured from `H` at the top of each function).
 * Module-level values here are scratch registers (R, Q: evaluation is synchronous and no
 * helper calls another between a write and its read) and caches of pure functions (rate
 * texts, integer parts, the last valid date): none carries an answer from one evaluation to
 * the next.
 */
export const HELPERS: Readonly<Record<string, unknown>> = {
  retry, up, POWN, Q, quotientFits, roundUnits, roundedQuotient, divide, cmpUnits, unitsOfFixed, safe, Fixed, fxUnits, lookupUnits, dateOf, formatUnits, R, WHOLES, wholeDot,
}
export const HELPER_NAMES = `const { ${Object.keys(HELPERS).join(", ")} } = H;`
