import { ITEM } from "./check.js"
import { attempt, compile, encoder, type Closure, type Ctx } from "./compile.js"
import { div, DIVISION_SCALE, Fixed, formatFixed, fromNumber, parseFixed, roundingModes, type RoundingMode } from "./fixed.js"
import { tableRow } from "./runtime.js"
import type { TExpr } from "./typedAst.js"
import { isNumeric, nonNull, type Type } from "./types.js"

/**
 * The allocation-free tier of the fast evaluator. Generic closures (compile.ts) pass a `Fixed`
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
const R = { s: 0 }

const RETRY = { retry: true }
const retry = (): never => {
  throw RETRY
}

const POWN: ReadonlyArray<number> = Array.from({ length: 16 }, (_, i) => 10 ** i)
const safe = Number.isSafeInteger
const z = (u: number): number => (u === 0 ? 0 : u)

/** u · 10^d, or RETRY beyond the safe range. */
const up = (u: number, d: number): number => {
  if (d === 0) return u
  if (d > 15) return retry()
  const r = u * POWN[d]!
  return safe(r) ? r : retry()
}

/** n ÷ d rounded to an integer (d > 0, both safe). */
type Rounder = (n: number, d: number) => number

/*
 * Integer division without `%`: `%` on values V8 holds as doubles is a call to C's fmod (a
 * sixth of the bench's profile). For safe integers n and d > 0, Math.trunc(n / d) is the exact
 * truncated quotient: the float quotient could only round up to an integer k from
 * x = k − r/d (1 ≤ r < d) if r/d were below half an ulp of x (≤ x·2^−53), i.e. r < n·2^−53 < 1.
 * Then |q·d| ≤ |n| is an exact product and n − q·d the exact remainder (n's sign, as `%`).
 * Written out in each user (no shared helper returning two values through a register).
 */

/** Is the integer u a multiple of 10? (u / 10 is exact when it is, and at least 0.1 from an integer when not.) */
const tens = (u: number): boolean => {
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
const roundDiv = (n: number, d: number, round: Rounder): number => (d < 0 ? round(-n, -d) : round(n, d))

/** round(u / 10^s, k): what fixed.ts's roundFixed does, on safe integers. */
const roundUnits = (u: number, s: number, k: number, round: Rounder): number => {
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

const unitsOfFixed = (f: Fixed | undefined): number => {
  if (f === undefined || typeof f.u !== "number") return retry()
  R.s = f.s
  return f.u
}

/** "-12.50" → -1250 at scale 2, one pass over the characters; anything unusual goes to parseFixed. */
const unitsOfText = (text: string): number => {
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
const rawDecoder = (type: Type): ((raw: unknown) => number) => {
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
const FRACTIONS: ReadonlyArray<ReadonlyArray<string> | undefined> = [undefined, undefined,
  Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0")),
  Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"))]

const WHOLES_MAX = 1 << 14
const WHOLES: Array<string | undefined> = new Array(WHOLES_MAX)

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
const wholeDot = (w: number): string => (w < WHOLES_MAX ? (WHOLES[w] ??= `${w}.`) : `${w}.`)

/**
 * Statements setting `v` to formatUnits(u, k) for a scale k known when generating (a rounded
 * amount's), written out in the record function: the same digits as formatUnits, tested
 * against it through the tier tests.
 */
const formatStatements = (u: string, k: number, v: string, em: Emitter): string => {
  if (k === 0) return `${v} = String(${u} + 0);`
  const table = FRACTIONS[k]
  if (table === undefined) return `${v} = formatUnits(${u}, ${k});`
  const [a, w, t] = [em.temp("a"), em.temp("w"), em.temp("t")]
  const f = em.ref(table)
  return `${a} = ${u} < 0 ? -${u} : ${u}; ${w} = Math.trunc(${a} / ${POWN[k]!}); ${t} = ${w} < ${WHOLES_MAX} ? WHOLES[${w}] : undefined; if (${t} === undefined) ${t} = wholeDot(${w});`
    + ` ${v} = ${u} < 0 ? "-" + ${t} + ${f}[${a} - ${w} * ${POWN[k]!}] : ${t} + ${f}[${a} - ${w} * ${POWN[k]!}];`
}

/** Drops trailing zeros from (u, s) down to scale `floor`; the result's scale lands in S. */
const trimUnits = (u: number, s: number, floor: number): number => {
  while (s > floor && tens(u)) {
    u /= 10
    s--
  }
  R.s = s
  return z(u)
}

const unitsEncoder = (type: Type): ((u: number, s: number) => unknown) => {
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

// --- compiling -------------------------------------------------------------------------------

interface Sharing {
  readonly counts: ReadonlyMap<string, number>
  readonly keyOf: (e: TExpr) => string
  readonly bound: ReadonlySet<string>
  /** The generic tier's slot of a shared subexpression (compile.ts's plan). */
  readonly slotOf: (key: string) => number | undefined
}
let sharing: Sharing | undefined

const usesBound = (key: string, bound: ReadonlySet<string>): boolean => {
  for (const n of bound) if (key.includes(`$${n}`)) return true
  return false
}

/** A numeric node this tier evaluates itself (else it adapts the generic closure). */
const fastNumeric = (e: TExpr): boolean => {
  if (!isNumeric(e.type)) return false
  switch (e.k) {
    case "num": return typeof e.value.u === "number"
    case "var": case "field": case "neg": case "arith": case "if": return true
    case "call": return ["round", "vat_add", "vat_strip", "percent", "money", "abs", "min", "max", "fx"].includes(e.fn)
      || (e.fn === "lookup" && e.type.t !== "percent" && isNumeric(e.args[0]!.type))
    default: return false
  }
}

/** Division as fixed.ts defines it (DIVISION_SCALE digits half-even, trimmed); the rare exact-in-bigint case via fixed.ts. */
const divide = (x: number, xs: number, y: number, ys: number): number => {
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
const roundedQuotient = (x: number, xs: number, y: number, ys: number, k: number, mode: Rounder): number => {
  if (y === 0) return retry()
  if (quotientFits(x, xs, y, ys, k)) return roundDiv(Q.n, Q.d, mode)
  return roundUnits(divide(x, xs, y, ys), R.s, k, mode)
}

/** Where roundedQuotient can divide straight to k places: the numerator and divisor, scaled. */
const Q = { n: 0, d: 0 }
const quotientFits = (x: number, xs: number, y: number, ys: number, k: number): boolean => {
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

const cmpUnits = (x: number, xs: number, y: number, ys: number): number => {
  const a = xs >= ys ? x : up(x, ys - xs)
  const b = ys >= xs ? y : up(y, xs - ys)
  return a < b ? -1 : a > b ? 1 : 0
}

/** fx(x, from, to, on:) on units: the rate is looked up, recorded and multiplied in. */
const fxUnits = (c: Ctx, x: number, xs: number, from: string, to: string, on: string, site: RateSite): number => {
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
const lookupUnits = (c: Ctx, table: string, x: number, xs: number, percentKey: boolean, dec: (raw: unknown) => number): number => {
  let u = x
  if (percentKey) {
    u = x * 100
    if (!safe(u)) return retry()
  }
  u = trimUnits(u, xs, 0)
  const row = tableRow(c.rt.tables?.[table], formatUnits(u, R.s))
  return row === undefined || row === null ? retry() : dec(row)
}

/** A date as the generic decoder reads it (its first ten characters), or RETRY. */
// Starts as a day the check below accepts anyway, so a first "" is not taken for a known day.
let lastDate = "0000-00-00"
const dateOf = (raw: unknown): string => {
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

/** A chain of record fields from a variable (`src.price`) as [variable, field names], if that is what `e` is. */
const recordPath = (e: TExpr): readonly [string, ReadonlyArray<string>] | undefined => {
  const steps: Array<string> = []
  let at = e
  while (at.k === "field") {
    steps.unshift(at.name)
    at = at.target
  }
  return at.k === "var" ? [at.name, steps] : undefined
}

// A provider answers with the same few rate strings all day: parse and print each once.
interface RateUnits { readonly u: number; readonly s: number; readonly text: string }
/** The last rate an fx call site converted with. */
interface RateSite { raw: string | number | undefined; rate: RateUnits | undefined }
const rateCache = new Map<string | number, RateUnits | undefined>()
const rateOf = (raw: string | number): RateUnits | undefined => {
  const known = rateCache.get(raw)
  if (known !== undefined || rateCache.has(raw)) return known
  const f = typeof raw === "number" ? fromNumber(raw) : parseFixed(raw)
  const r = f === undefined || typeof f.u !== "number" ? undefined : { u: f.u, s: f.s, text: formatFixed(f) }
  if (rateCache.size > 10_000) rateCache.clear()
  rateCache.set(raw, r)
  return r
}

// --- generated code for a root ------------------------------------------------------------------

/**
 * The same tier as straight-line JS: a root's numeric tree becomes one generated function with
 * its units and scales in local variables. Closures call each other through call sites shared
 * by every closure of a kind, so V8 sees every property read and call there as megamorphic;
 * a function per root gets its own, monomorphic, inlinable sites (measured ≈ 2× on the bench).
 * Only constants the compiler made reach the source text: numbers, JSON-quoted names, slot
 * indices; everything else (decoders, generic closures, helpers) is passed in by reference.
 */
class Emitter {
  readonly vars: Array<string> = []
  readonly refs: Array<unknown> = []
  private n = 0
  /** Locals holding a repeated pure subexpression (or input read) once computed: key → locals. */
  readonly memo = new Map<string, ReadonlyArray<string>>()
  /** Memo keys certainly computed at the point being emitted (straight-line code so far). */
  private known = new Set<string>()
  temp(prefix: string): string {
    const v = `${prefix}${this.n++}`
    this.vars.push(v)
    return v
  }
  ref(x: unknown): string {
    this.refs.push(x)
    return `K[${this.refs.length - 1}]`
  }
  /** Whether the code reads or writes the context's slots (itself or through a closure). */
  usesSlots = false
  /** A closure the code calls with the context (which may use its slots). */
  closure(f: Closure): string {
    this.usesSlots = true
    return this.ref(f)
  }
  /** Emits code that runs only sometimes (a branch, a fallback): what it computes is not known after it. */
  branch<A>(f: () => A): A {
    const saved = this.known
    this.known = new Set(saved)
    try {
      return f()
    } finally {
      this.known = saved
    }
  }
  /**
   * The locals of `key`'s value, computing it here unless certainly computed already. A key
   * first met here is computed straight; one computed before only on some path is computed
   * under a test of its first local (locals start undefined and are assigned once, no loops).
   */
  memoized(key: string, out: Array<string>, compute: (out: Array<string>) => ReadonlyArray<string>): ReadonlyArray<string> {
    const have = this.memo.get(key)
    if (have !== undefined && this.known.has(key)) return have
    const assign = (locals: ReadonlyArray<string>, values: ReadonlyArray<string>): string =>
      locals.map((l, i) => (l === values[i] ? "" : `${l} = ${values[i]!};`)).join(" ")
    let locals: ReadonlyArray<string>
    if (have === undefined) {
      const values = compute(out)
      // A constant (a rounded value's scale) stays a constant: the same expression always has it.
      locals = values.map((v, i) => (i > 0 && /^\d+$/.test(v) ? v : this.temp("m")))
      this.memo.set(key, locals)
      out.push(assign(locals, values))
    } else {
      locals = have
      const inner: Array<string> = []
      const values = this.branch(() => compute(inner))
      out.push(`if (${locals[0]!} === undefined) {`, ...inner, assign(locals, values), "}")
    }
    this.known.add(key)
    return locals
  }
}

// Built on first use: `attempt` comes from compile.ts, which imports this module.
let helpers: Record<string, unknown> | undefined
const H = `const { retry, up, POWN, Q, quotientFits, roundUnits, roundedQuotient, divide, cmpUnits, unitsOfFixed, safe, Fixed, attempt, fxUnits, lookupUnits, dateOf, formatUnits, R, WHOLES, wholeDot } = H;`

type Code = readonly [u: string, s: string]

const genNum = (e: TExpr, em: Emitter, out: Array<string>): Code => {
  if (!fastNumeric(e)) {
    const g = em.closure(compile(e))
    const u = em.temp("u")
    const s = em.temp("s")
    out.push(`{ const v = ${g}(c); ${u} = v instanceof Fixed ? unitsOfFixed(v) : retry(); ${s} = R.s; }`)
    return [u, s]
  }
  if (e.k === "num") return [`(${e.value.u})`, String(e.value.s)]
  const key = sharing?.keyOf(e)
  const repeated = key !== undefined && (sharing?.counts.get(key) ?? 0) >= 2
  // A repeated subexpression without fx is computed once per evaluation into locals (a
  // generated function has no loops, so `item` is fixed within it too). One with fx keeps the
  // generic tier's slot, so its rate is recorded once even where a generic closure also needs it.
  if (repeated && !key.includes("fx{")) {
    const [u, s] = em.memoized(key, out, (o) => genNumNode(e, em, o))
    return [u!, s!]
  }
  const slot = repeated && sharing !== undefined && e.k !== "var" && !usesBound(key, sharing.bound) ? sharing.slotOf(key) : undefined
  if (slot === undefined) return genNumNode(e, em, out)
  const u = em.temp("u")
  const s = em.temp("s")
  const inner: Array<string> = []
  em.usesSlots = true
  const [cu, cs] = em.branch(() => genNumNode(e, em, inner))
  out.push(`{ const h = c.slots[${slot}]; if (h !== undefined) { ${u} = unitsOfFixed(h); ${s} = R.s; } else {`, ...inner,
    `${u} = ${cu}; ${s} = ${cs}; c.slots[${slot}] = new Fixed(${u}, ${s}); attempt.filled[attempt.n++] = ${slot}; } }`)
  return [u, s]
}

const genNumNode = (e: TExpr, em: Emitter, out: Array<string>): Code => {
  const u = em.temp("u")
  const s = em.temp("s")
  const decoded = (raw: string, type: Type): Code => {
    // The common JSON numbers (integers, one or two places) decoded right here, as
    // unitsOfNumber does (its first steps, written out); anything else through the decoder.
    const [x, m, w] = [em.temp("x"), em.temp("m"), em.temp("w")]
    const pct = nonNull(type).t === "percent" ? 2 : 0
    out.push(`${x} = ${raw};`,
      `if (typeof ${x} === "number" && Number.isSafeInteger(${x})) { ${u} = ${x} + 0; ${s} = ${pct}; }`,
      `else if (typeof ${x} === "number" && ${x} < 1e9 && ${x} > -1e9 && (${m} = Math.round(${x} * 100)) / 100 === ${x}) {`,
      `  ${w} = ${m} / 10; if (${w} === Math.trunc(${w})) { ${u} = ${w}; ${s} = ${1 + pct}; } else { ${u} = ${m}; ${s} = ${2 + pct}; } }`,
      `else { ${u} = ${em.ref(rawDecoder(type))}(${x}); ${s} = R.s; }`)
    return [u, s]
  }
  switch (e.k) {
    case "var": return decoded(e.name === ITEM ? "c.item" : `c.vars[${JSON.stringify(e.name)}]`, e.type)
    case "field": {
      const path = recordPath(e.target)
      if (path === undefined) {
        const o = em.temp("o")
        out.push(`${o} = ${em.closure(compile(e.target))}(c); if (typeof ${o} !== "object" || ${o} === null) retry();`)
        return decoded(`${o}[${JSON.stringify(e.name)}]`, e.type)
      }
      return decoded(`${genRecord(path[0], path[1], em, out)}[${JSON.stringify(e.name)}]`, e.type)
    }
    case "neg": {
      const [a, as] = genNum(e.arg, em, out)
      out.push(`${u} = -${a} || 0; ${s} = ${as};`)
      return [u, s]
    }
    case "arith": {
      const [a, as] = genNum(e.left, em, out)
      const [b, bs] = genNum(e.right, em, out)
      switch (e.op) {
        case "+": case "-": {
          const op = e.op
          out.push(`if (${as} === ${bs}) { ${u} = ${a} ${op} ${b}; ${s} = ${as}; } else if (${as} > ${bs}) { ${u} = ${a} ${op} up(${b}, ${as} - ${bs}); ${s} = ${as}; } else { ${u} = up(${a}, ${bs} - ${as}) ${op} ${b}; ${s} = ${bs}; }`,
            `if (!safe(${u})) retry(); ${u} = ${u} || 0;`)
          return [u, s]
        }
        case "*":
          out.push(`${u} = ${a} * ${b}; if (!safe(${u})) retry(); ${u} = ${u} || 0; ${s} = ${as} + ${bs};`)
          return [u, s]
        default:
          out.push(`${u} = divide(${a}, ${as}, ${b}, ${bs}); ${s} = R.s;`)
          return [u, s]
      }
    }
    case "if": {
      const thenCode: Array<string> = []
      const elseCode: Array<string> = []
      const cond = genBool(e.cond, em, out)
      const [tu, ts] = em.branch(() => genNum(e.then, em, thenCode))
      const [eu, es] = em.branch(() => genNum(e.else, em, elseCode))
      out.push(`if (${cond}) {`, ...thenCode, `${u} = ${tu}; ${s} = ${ts}; } else {`, ...elseCode, `${u} = ${eu}; ${s} = ${es}; }`)
      return [u, s]
    }
    case "call": return genCall(e as Extract<TExpr, { k: "call" }>, em, out, u, s)
    default: {
      out.push(`{ const v = ${em.closure(compile(e))}(c); ${u} = v instanceof Fixed ? unitsOfFixed(v) : retry(); ${s} = R.s; }`)
      return [u, s]
    }
  }
}

/** 1 + rate (of vat_add/vat_strip), once per evaluation per rate expression. */
const onePlus = (rate: TExpr, em: Emitter, out: Array<string>): Code => {
  const compute = (o: Array<string>): Code => {
    const [ru, rs] = genNum(rate, em, o)
    const u = em.temp("u")
    o.push(`${u} = up(1, ${rs}) + ${ru}; if (!safe(${u})) retry();`)
    return [u, rs]
  }
  if (sharing === undefined) return compute(out)
  const [u, s] = em.memoized(`1+${sharing.keyOf(rate)}`, out, compute)
  return [u!, s!]
}

const genCall = (e: Extract<TExpr, { k: "call" }>, em: Emitter, out: Array<string>, u: string, s: string): Code => {
  const arg = (i: number): Code => genNum(e.args[i]!, em, out)
  switch (e.fn) {
    case "round": {
      const k = e.opts.scale ?? 0
      const modeName = e.opts.mode ?? "half_up"
      const mode = em.ref(ROUNDERS[modeName])
      const inline = (n: string, d: string): string => roundStatements(modeName, n, d, u, em.temp("r"), em.temp("t"))
      const x = e.args[0]!
      // The rounder is called from the generated code itself, so V8 inlines that one mode.
      const quotient = x.k === "arith" && x.op === "/" && isNumeric(x.type) ? [genNum(x.left, em, out), genNum(x.right, em, out)] as const
        : x.k === "call" && x.fn === "vat_strip" && isNumeric(x.type) ? ((a: Code) => [a, onePlus(x.args[1]!, em, out)] as const)(genNum(x.args[0]!, em, out))
        : undefined
      if (quotient !== undefined) {
        const [[a, as], [b, bs]] = quotient
        const n = em.temp("n")
        const d = em.temp("d")
        // See roundedQuotient: the same test, with the division done here when it passes.
        out.push(`if (${b} === 0) retry();`,
          `if (!quotientFits(${a}, ${as}, ${b}, ${bs}, ${k})) ${u} = roundedQuotient(${a}, ${as}, ${b}, ${bs}, ${k}, ${mode});`,
          `else { ${n} = Q.n; ${d} = Q.d; if (${d} < 0) { ${n} = -${n}; ${d} = -${d}; } ${inline(n, d)} }`)
      } else {
        const [a, as] = genNum(x, em, out)
        const p = em.temp("p")
        out.push(`if (${as} <= ${k}) ${u} = up(${a}, ${k} - ${as}); else if (${as} - ${k} > 15) retry(); else { ${p} = POWN[${as} - ${k}]; ${inline(a, p)} }`)
      }
      // The scale is a constant the encoder can use (a rounded amount prints its k places).
      return [u, String(k)]
    }
    case "vat_add": {
      const [a, as] = arg(0)
      const [b, bs] = onePlus(e.args[1]!, em, out)
      out.push(`${u} = ${a} * ${b}; if (!safe(${u})) retry(); ${u} = ${u} || 0; ${s} = ${as} + ${bs};`)
      return [u, s]
    }
    case "vat_strip": {
      const [a, as] = arg(0)
      const [b, bs] = onePlus(e.args[1]!, em, out)
      out.push(`${u} = divide(${a}, ${as}, ${b}, ${bs}); ${s} = R.s;`)
      return [u, s]
    }
    case "percent": {
      const [a, as] = arg(0)
      out.push(`${u} = ${a}; ${s} = ${as} + 2;`)
      return [u, s]
    }
    case "money": return arg(0)
    case "abs": {
      const [a, as] = arg(0)
      out.push(`${u} = ${a} < 0 ? -${a} : ${a}; ${s} = ${as};`)
      return [u, s]
    }
    case "min": case "max": {
      const pick = e.fn === "min" ? -1 : 1
      const [a, as] = arg(0)
      out.push(`${u} = ${a}; ${s} = ${as};`)
      for (let i = 1; i < e.args.length; i++) {
        const [b, bs] = arg(i)
        out.push(`if (cmpUnits(${b}, ${bs}, ${u}, ${s}) === ${pick}) { ${u} = ${b}; ${s} = ${bs}; }`)
      }
      return [u, s]
    }
    case "fx": {
      const [a, as] = arg(0)
      // The same order of evaluation as the generic tier: amount, from, to, then (if needed) the date.
      const f = em.temp("t")
      const t = em.temp("t")
      const fromCode = genText(e.args[1]!, em, out)
      out.push(`${f} = ${fromCode};`)
      const toCode = genText(e.args[2]!, em, out)
      out.push(`${t} = ${toCode};`)
      const dayCode: Array<string> = []
      const day = em.branch(() => genText(e.args[3]!, em, dayCode))
      out.push(`if (${f} === ${t}) { ${u} = ${a}; ${s} = ${as}; } else {`, ...dayCode, `${u} = fxUnits(c, ${a}, ${as}, ${f}, ${t}, ${day}, ${em.ref({ raw: undefined, rate: undefined } satisfies RateSite)}); ${s} = R.s; }`)
      return [u, s]
    }
    case "lookup": {
      const [a, as] = arg(0)
      out.push(`${u} = lookupUnits(c, ${JSON.stringify(e.opts.table ?? "")}, ${a}, ${as}, ${e.opts.percentKey === true}, ${em.ref(rawDecoder(e.type))}); ${s} = R.s;`)
      return [u, s]
    }
    default: {
      out.push(`{ const v = ${em.closure(compile(e))}(c); ${u} = v instanceof Fixed ? unitsOfFixed(v) : retry(); ${s} = R.s; }`)
      return [u, s]
    }
  }
}

/** A string or date argument (fx's currencies and day): literal, direct read, or the generic closure. */
const genText = (e: TExpr, em: Emitter, out: Array<string>): string => {
  if (e.k === "str") return JSON.stringify(e.value)
  const path = e.k === "field" ? recordPath(e.target) : undefined
  const t = e.type.t
  if (e.k !== "field" || path === undefined || (t !== "date" && t !== "string")) return `${em.closure(compile(e))}(c)`
  const [root, steps] = path
  return em.memoized(`${t}:${JSON.stringify([root, ...steps, e.name])}`, out, (o) => {
    const r = genRecord(root, steps, em, o)
    const v = em.temp("t")
    const raw = `${r}[${JSON.stringify(e.name)}]`
    o.push(t === "date" ? `${v} = dateOf(${raw});` : `${v} = ${raw}; if (typeof ${v} !== "string") retry();`)
    return [v]
  })[0]!
}

/**
 * The record at a variable's field path (`src.price`), read once per evaluation into a local
 * and checked to be a record: each field of it is then one property load.
 */
const genRecord = (root: string, steps: ReadonlyArray<string>, em: Emitter, out: Array<string>): string =>
  em.memoized(`record:${JSON.stringify([root, ...steps])}`, out, (o) => {
    const from = steps.length === 0
      ? (root === ITEM ? "c.item" : `c.vars[${JSON.stringify(root)}]`)
      : `${genRecord(root, steps.slice(0, -1), em, o)}[${JSON.stringify(steps[steps.length - 1])}]`
    const v = em.temp("o")
    o.push(`${v} = ${from}; if (typeof ${v} !== "object" || ${v} === null || Array.isArray(${v})) retry();`)
    return [v]
  })[0]!

const genBool = (e: TExpr, em: Emitter, out: Array<string>): string => {
  const b = em.temp("b")
  if (e.k === "cmp" && e.numeric && fastNumeric(e.left) && fastNumeric(e.right)) {
    const [x, xs] = genNum(e.left, em, out)
    const [y, ys] = genNum(e.right, em, out)
    const op = e.op === "==" ? "===" : e.op === "!=" ? "!==" : e.op
    out.push(`${b} = cmpUnits(${x}, ${xs}, ${y}, ${ys}) ${op} 0;`)
    return b
  }
  if (e.k === "and" || e.k === "or") {
    const l = genBool(e.left, em, out)
    const rest: Array<string> = []
    const r = em.branch(() => genBool(e.right, em, rest))
    out.push(`if (${e.k === "and" ? "" : "!"}${l}) {`, ...rest, `${b} = ${r}; } else ${b} = ${l};`)
    return b
  }
  if (e.k === "not") {
    const a = genBool(e.arg, em, out)
    out.push(`${b} = !${a};`)
    return b
  }
  out.push(`${b} = ${em.closure(compile(e))}(c);`)
  return b
}

/** A numeric or bool root as one generated function returning its encoded JSON value. */
/**
 * A numeric or bool root as one generated function returning its encoded JSON value; on RETRY
 * (or any failure) it undoes its attempt and returns what `fallback` (the generic tier) says.
 */
const generate = (e: TExpr, fallback: (c: Ctx, fxBefore: number, mark: number, was: boolean) => unknown): Closure => {
  const em = new Emitter()
  const body: Array<string> = []
  const result = genRoot(e, em, body)
  const source = `"use strict"; ${H} const fallback = ${em.ref(fallback)};
return (c) => {
  const before = c.fx.length, mark = attempt.n, was = attempt.on;
  attempt.on = true;
  try {
    ${em.vars.length > 0 ? `let ${em.vars.join(", ")};` : ""}
    ${body.join("\n    ")}
    const v = ${result};
    attempt.n = mark;
    attempt.on = was;
    return v;
  } catch {
    return fallback(c, before, mark, was);
  }
}`
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function("H", "K", source)(helperRefs(), em.refs) as Closure
}

const helperRefs = (): Record<string, unknown> =>
  helpers ??= { retry, up, POWN, Q, quotientFits, roundUnits, roundedQuotient, divide, cmpUnits, unitsOfFixed, safe, Fixed, attempt, fxUnits, lookupUnits, dateOf, formatUnits, R, WHOLES, wholeDot }

/** A root this tier generates code for (else it runs its generic closure). */
const generated = (e: TExpr): boolean =>
  (isNumeric(e.type) && fastNumeric(e)) || (e.type.t === "bool" && (e.k === "cmp" || e.k === "and" || e.k === "or" || e.k === "not"))

/** The encoded JSON value of a generated root: its units printed, or its bool. */
const genRoot = (e: TExpr, em: Emitter, out: Array<string>): string => {
  if (!isNumeric(e.type)) return genBool(e, em, out)
  const [u, s] = genNum(e, em, out)
  const t = nonNull(e.type).t
  if (t !== "int" && t !== "percent" && /^\d+$/.test(s)) {
    const v = em.temp("v")
    out.push(formatStatements(u, Number(s), v, em))
    return v
  }
  // Decimals and money print their units at their scale (often a constant: a rounded amount's).
  return t === "int" || t === "percent" ? `${em.ref(unitsEncoder(e.type))}(${u}, ${s})` : `formatUnits(${u}, ${s})`
}

/** A whole-record function; one that never touches the slots can run on a context without them. */
export interface FastRecord { readonly run: (c: Ctx) => unknown; readonly usesSlots: boolean }

/** What a record function returns when it cannot answer: the caller then runs the field closures. */
export const NOT_FAST: unique symbol = Symbol("not fast")

/** How often record functions declined (counted on that slow path only), so tests can tell the paths apart. */
export const declined = { n: 0 }

/**
 * A whole output record as ONE generated function: every generated field's code in field
 * order, sharing its locals, so a field path is read and decoded once per record and a
 * subexpression repeated across fields (the gross price of three fields) is computed once;
 * other fields call their own closures in their turn. Anything unusual (RETRY, or a failure
 * a field reports) returns NOT_FAST and the caller evaluates the record again, field by field,
 * on a fresh context: that path gives the answer and owns every error.
 */
export const compileFastRecord = (
  /** Each field: the index of its root, or the closure of a nested block, list or literal. */
  fields: ReadonlyArray<readonly [name: string, field: number | Closure]>,
  roots: ReadonlyArray<TExpr>,
  /** The roots' own closures (encoding their value), for roots this tier does not generate. */
  rootClosures: ReadonlyArray<Closure>,
  share: Sharing,
): FastRecord | undefined => {
  // A literal would treat that name as the prototype slot (mapping.ts keeps plain stores for it).
  if (fields.some(([name]) => name === "__proto__")) return undefined
  sharing = share
  try {
    const em = new Emitter()
    const body: Array<string> = []
    // Values in field order: fx uses are recorded in the order the fields run.
    const values = fields.map(([, f]) => {
      const v = em.temp("v")
      if (typeof f === "function") body.push(`${v} = ${em.closure(f)}(c);`)
      else if (!generated(roots[f]!)) body.push(`${v} = ${em.closure(rootClosures[f]!)}(c);`)
      else body.push(`${v} = ${genRoot(roots[f]!, em, body)};`)
      return v
    })
    const literal = fields.map(([name], i) => `${JSON.stringify(name)}: ${values[i]!}`).join(", ")
    const source = `"use strict"; ${H} const NOT_FAST = ${em.ref(NOT_FAST)};
return (c) => {
  const mark = attempt.n;
  try {
    ${em.vars.length > 0 ? `let ${em.vars.join(", ")};` : ""}
    ${body.join("\n    ")}
    attempt.n = mark;
    return { ${literal} };
  } catch {
    attempt.n = mark;
    return NOT_FAST;
  }
}`
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    return { run: new Function("H", "K", source)(helperRefs(), em.refs) as (c: Ctx) => unknown, usesSlots: em.usesSlots }
  } finally {
    sharing = undefined
  }
}

/**
 * Roots → closures that return the root's encoded JSON value. A numeric or bool root runs on
 * this tier and falls back to `generic` (the same root's generic closure) on RETRY.
 */
export const compileFastRoots = (
  roots: ReadonlyArray<TExpr>,
  generic: ReadonlyArray<Closure>,
  share: Sharing,
): Array<Closure> => {
  sharing = share
  try {
    const closures = roots.map((e, i): Closure => {
      const enc = encoder(e.type)
      const slow = generic[i]!
      // Undo the attempt (its fx uses and the slots it filled) and let the generic tier answer.
      const fallback = (c: Ctx, fxBefore: number, mark: number, was: boolean): unknown => {
        for (let j = mark; j < attempt.n; j++) c.slots[attempt.filled[j]!] = undefined
        attempt.n = mark
        attempt.on = was
        if (c.fx.length !== fxBefore) c.fx.length = fxBefore
        return enc(slow(c))
      }
      // RETRY, or a failure the generic tier reports in its own words (or a `??` above catches).
      return generated(e) ? generate(e, fallback) : (c) => enc(slow(c))
    })
    return closures
  } finally {
    sharing = undefined
  }
}
