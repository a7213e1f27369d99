import { BigDecimal, Option } from "effect"
import { ITEM } from "./check.js"
import { DIVISION_SCALE, type RoundingMode } from "./fixed.js"
import { DATE, DslFailure, tableRow, type EvalResult, type FxUse, type Runtime } from "./runtime.js"
import * as Text from "./textFunctions.js"
import type { TExpr } from "./typedAst.js"
import { isNumeric, nonNull, type Type } from "./types.js"

/**
 * The reference semantics: a plain tree-walking interpreter over Effect's `BigDecimal`,
 * written independently of the closure compiler (different number type, different control
 * flow). It is slow on purpose-free grounds; its job is to be obviously right, and the property
 * tests in test/dsl check the fast evaluator against it on generated rules and inputs.
 */
type BD = BigDecimal.BigDecimal

const bigMode: Record<RoundingMode, BigDecimal.RoundingMode> = {
  half_up: "half-from-zero", half_even: "half-even", up: "from-zero", down: "to-zero", ceil: "ceil", floor: "floor",
}

/** Rounds to exactly `scale` digits (BigDecimal.round may return fewer when they are zeros). */
const roundTo = (x: BD, scale: number, mode: RoundingMode): BD => BigDecimal.scale(BigDecimal.round(x, { scale, mode: bigMode[mode] }), scale)

const ONE = BigDecimal.fromBigInt(1n)
const HUNDRED = BigDecimal.fromBigInt(100n)

const parseBig = (s: string): BD | undefined => (s.trim() === "" ? undefined : Option.getOrUndefined(BigDecimal.fromString(s.trim().replace(/^\+/, ""))))

const toBig = (raw: unknown, percent: boolean): BD | undefined => {
  if (BigDecimal.isBigDecimal(raw)) return raw
  const n = typeof raw === "number" ? (Number.isFinite(raw) ? parseBig(String(raw)) : undefined) : typeof raw === "string" ? parseBig(raw) : undefined
  if (n === undefined) return undefined
  return percent ? BigDecimal.unsafeDivide(n, HUNDRED) : n
}

/** Same contract as compile.ts's decoder, restated over BigDecimal. */
const decode = (type: Type, raw: unknown, what: string): unknown => {
  const t = nonNull(type)
  if (raw === undefined || raw === null) {
    if (type.t === "nullable" || type.t === "null" || type.t === "error") return null
    throw new DslFailure(`${what} is missing`)
  }
  const bad = (): never => {
    throw new DslFailure(`${what} is ${JSON.stringify(raw)}, not a ${t.t}`)
  }
  if (isNumeric(t)) return toBig(raw, t.t === "percent") ?? bad()
  switch (t.t) {
    case "date": return typeof raw === "string" && DATE.test(raw) ? raw.slice(0, 10) : bad()
    case "string": case "enum": return typeof raw === "string" ? raw : bad()
    case "bool": return typeof raw === "boolean" ? raw : bad()
    case "list": return Array.isArray(raw) ? raw : bad()
    case "record": return typeof raw === "object" && !Array.isArray(raw) ? raw : bad()
    default: return raw
  }
}

/** Decimal text keeping the value's scale: 11.9 with scale 2 prints "11.90". */
const formatBig = (x: BD): string => {
  if (x.scale <= 0) return (x.value * 10n ** BigInt(-x.scale)).toString()
  const neg = x.value < 0n
  const digits = (neg ? -x.value : x.value).toString().padStart(x.scale + 1, "0")
  return `${neg ? "-" : ""}${digits.slice(0, -x.scale)}.${digits.slice(-x.scale)}`
}

const encode = (type: Type, v: unknown): unknown => {
  const t = nonNull(type)
  if (v === null || v === undefined) return null
  if (isNumeric(t)) {
    const x = decode(type, v, "value") as BD
    if (t.t === "percent") return formatBig(BigDecimal.normalize(BigDecimal.multiply(x, HUNDRED)))
    if (t.t === "int") {
      const n = Number(formatBig(BigDecimal.normalize(x)))
      return Number.isSafeInteger(n) ? n : formatBig(x)
    }
    return formatBig(x)
  }
  if (t.t === "list") return (v as ReadonlyArray<unknown>).map((x) => encode(t.of, x))
  if (t.t === "record") {
    const out: Record<string, unknown> = {}
    for (const [k, ft] of Object.entries(t.fields)) {
      const x = (v as Record<string, unknown>)[k]
      if (x !== undefined) out[k] = encode(ft, x)
    }
    return out
  }
  return v
}

/** ÷ as the language defines it: DIVISION_SCALE digits half-even, trailing zeros dropped to the operands' scale. */
const divide = (a: BD, b: BD): BD | undefined => {
  if (BigDecimal.isZero(b)) return undefined
  const q = roundTo(BigDecimal.unsafeDivide(a, b), DIVISION_SCALE, "half_even")
  const floor = Math.max(a.scale, b.scale)
  const n = BigDecimal.normalize(q)
  return n.scale >= floor ? n : BigDecimal.scale(n, floor)
}

const keyText = (v: unknown): string => (BigDecimal.isBigDecimal(v) ? BigDecimal.format(BigDecimal.normalize(v)) : String(v))
const same = (a: unknown, b: unknown): boolean => (BigDecimal.isBigDecimal(a) && BigDecimal.isBigDecimal(b) ? BigDecimal.equals(a, b) : a === b)

interface Env { readonly vars: Readonly<Record<string, unknown>>; readonly rt: Runtime; readonly fx: Array<FxUse>; readonly item: unknown }

const ev = (e: TExpr, env: Env): unknown => {
  switch (e.k) {
    case "num": return BigDecimal.make(BigInt(e.value.u), e.value.s)
    case "str": case "bool": case "date": return e.value
    case "null": return null
    case "var": return decode(e.type, e.name === ITEM ? env.item : env.vars[e.name], e.name)
    case "field": {
      const o = ev(e.target, env)
      return o === null || typeof o !== "object" ? null : decode(e.type, (o as Record<string, unknown>)[e.name], e.name)
    }
    case "need": {
      const v = ev(e.arg, env)
      if (v === null || v === undefined) throw new DslFailure("a needed value is null", e.span)
      return v
    }
    case "neg": return BigDecimal.negate(ev(e.arg, env) as BD)
    case "not": return !(ev(e.arg, env) as boolean)
    case "arith": {
      const a = ev(e.left, env) as BD
      const b = ev(e.right, env) as BD
      if (e.op === "+") return BigDecimal.sum(a, b)
      if (e.op === "-") return BigDecimal.subtract(a, b)
      if (e.op === "*") return BigDecimal.multiply(a, b)
      const q = divide(a, b)
      if (q === undefined) throw new DslFailure("division by zero", e.span)
      return q
    }
    case "cmp": {
      const a = ev(e.left, env)
      const b = ev(e.right, env)
      if (e.op === "==") return same(a, b)
      if (e.op === "!=") return !same(a, b)
      const order = e.numeric
        ? BigDecimal.lessThan(a as BD, b as BD) ? -1 : BigDecimal.equals(a as BD, b as BD) ? 0 : 1
        : (a as string) < (b as string) ? -1 : a === b ? 0 : 1
      return e.op === "<" ? order < 0 : e.op === "<=" ? order <= 0 : e.op === ">" ? order > 0 : order >= 0
    }
    case "in": {
      const x = ev(e.left, env)
      const of = e.right.type.t === "list" ? e.right.type.of : e.right.type
      return (ev(e.right, env) as ReadonlyArray<unknown>).some((el) => same(x, decode(of, el, "element")))
    }
    case "and": return (ev(e.left, env) as boolean) ? ev(e.right, env) : false
    case "or": return (ev(e.left, env) as boolean) ? true : ev(e.right, env)
    case "coalesce": {
      try {
        const v = ev(e.left, env)
        if (v !== null && v !== undefined) return v
      } catch (x) {
        if (!(x instanceof DslFailure)) throw x
      }
      return ev(e.right, env)
    }
    case "if": return ev(e.cond, env) === true ? ev(e.then, env) : ev(e.else, env)
    case "list": return e.items.map((i) => ev(i, env))
    case "record": return Object.fromEntries(e.fields.map(([k, v]) => [k, ev(v, env)]))
    case "call": return call(e as Extract<TExpr, { k: "call" }>, env)
  }
}

const eachItem = (list: ReadonlyArray<unknown>, env: Env, body: TExpr): Array<unknown> => list.map((item) => ev(body, { ...env, item }))

const call = (e: Extract<TExpr, { k: "call" }>, env: Env): unknown => {
  const arg = (i: number) => ev(e.args[i]!, env)
  const otherwise = (why: string): unknown => {
    if (e.opts.fallback !== undefined) return ev(e.opts.fallback, env)
    throw new DslFailure(why, e.span)
  }
  switch (e.fn) {
    case "round": return roundTo(arg(0) as BD, e.opts.scale ?? 0, e.opts.mode ?? "half_up")
    case "vat_add": return BigDecimal.multiply(arg(0) as BD, BigDecimal.sum(ONE, arg(1) as BD))
    case "vat_strip": {
      const q = divide(arg(0) as BD, BigDecimal.sum(ONE, arg(1) as BD))
      if (q === undefined) throw new DslFailure("VAT rate of -100%", e.span)
      return q
    }
    case "percent": return BigDecimal.unsafeDivide(arg(0) as BD, HUNDRED)
    case "money": return arg(0)
    case "abs": return BigDecimal.abs(arg(0) as BD)
    case "min": return e.args.map((_, i) => arg(i) as BD).reduce((a, b) => (BigDecimal.lessThan(b, a) ? b : a))
    case "max": return e.args.map((_, i) => arg(i) as BD).reduce((a, b) => (BigDecimal.greaterThan(b, a) ? b : a))
    case "coalesce": {
      for (let i = 0; i < e.args.length; i++) {
        const v = arg(i)
        if (v !== null && v !== undefined) return v
      }
      return null
    }
    case "upper": return Text.upper(arg(0) as string)
    case "lower": return Text.lower(arg(0) as string)
    case "trim": return Text.trim(arg(0) as string)
    case "replace": return Text.replace(arg(0) as string, arg(1) as string, arg(2) as string)
    case "substr": return Text.substr(arg(0) as string, Number(keyText(arg(1))), e.args.length > 2 ? Number(keyText(arg(2))) : undefined)
    case "concat": return e.args.map((a, i) => {
      const v = arg(i)
      if (a.type.t === "percent") return `${encode(a.type, v) as string}%`
      return BigDecimal.isBigDecimal(v) ? formatBig(v) : String(v)
    }).join("")
    case "lookup": {
      const key = e.opts.percentKey === true ? BigDecimal.multiply(arg(0) as BD, HUNDRED) : arg(0)
      const row = tableRow(env.rt.tables?.[e.opts.table ?? ""], keyText(key))
      return row === undefined ? otherwise("no row") : decode(e.type, row, "row")
    }
    case "fx": {
      const [amount, from, to, on] = [arg(0) as BD, arg(1) as string, arg(2) as string, arg(3) as string]
      if (from === to) return amount
      const r = env.rt.rates?.(from, to, on)
      const rate = r === undefined ? undefined : toBig(r.rate, false)
      if (r === undefined || rate === undefined) return otherwise("no rate")
      env.fx.push({ from, to, on, rate: formatBig(rate), date: r.date, source: r.source })
      return BigDecimal.multiply(amount, rate)
    }
    case "allocate": {
      // Shares computed as exact BigDecimal quotients, then largest remainder in minor units.
      let total = arg(0) as BD
      if (e.opts.scale !== undefined && total.scale < e.opts.scale) total = BigDecimal.scale(total, e.opts.scale)
      const of = e.args[1]!.type.t === "list" ? e.args[1]!.type.of : e.args[1]!.type
      const weights = (arg(1) as ReadonlyArray<unknown>).map((w) => decode(of, w, "weight") as BD | null)
      if (weights.length === 0 || weights.some((w) => w === null || BigDecimal.isNegative(w))) return otherwise("bad weights")
      const sum = weights.reduce<BD>((a, b) => BigDecimal.sum(a, b!), BigDecimal.fromBigInt(0n))
      if (BigDecimal.isZero(sum)) return otherwise("weights sum to zero")
      // Work in whole minor units so every share and remainder is an exact BigDecimal.
      const sign = BigDecimal.isNegative(total) ? -1n : 1n
      const units = BigDecimal.fromBigInt(BigDecimal.abs(total).value)
      const products = weights.map((w) => BigDecimal.multiply(units, w!))
      const remainders = products.map((p) => BigDecimal.unsafeRemainder(p, sum))
      const floors = products.map((p, i) => BigDecimal.unsafeDivide(BigDecimal.subtract(p, remainders[i]!), sum))
      let left = BigDecimal.subtract(units, floors.reduce((a, b) => BigDecimal.sum(a, b), BigDecimal.fromBigInt(0n)))
      const order = remainders.map((r, i) => ({ i, r }))
        .sort((a, b) => (BigDecimal.equals(a.r, b.r) ? a.i - b.i : BigDecimal.greaterThan(a.r, b.r) ? -1 : 1))
      const parts = [...floors]
      for (const { i } of order) {
        if (!BigDecimal.isPositive(left)) break
        parts[i] = BigDecimal.sum(parts[i]!, ONE)
        left = BigDecimal.subtract(left, ONE)
      }
      return parts.map((p) => BigDecimal.make(BigDecimal.scale(p, 0).value * sign, total.scale))
    }
    case "map": return eachItem(arg(0) as ReadonlyArray<unknown>, env, e.args[1]!)
    case "filter": {
      const list = arg(0) as ReadonlyArray<unknown>
      const keep = eachItem(list, env, e.args[1]!)
      return list.filter((_, i) => keep[i] === true)
    }
    case "count": {
      const list = arg(0) as ReadonlyArray<unknown>
      return BigDecimal.fromBigInt(BigInt(e.args.length === 1 ? list.length : eachItem(list, env, e.args[1]!).filter((x) => x === true).length))
    }
    case "sum": {
      const list = arg(0) as ReadonlyArray<unknown>
      const of = e.args[0]!.type.t === "list" ? e.args[0]!.type.of : e.type
      const values = e.args.length === 1 ? list.map((x) => decode(of, x, "element")) : eachItem(list, env, e.args[1]!)
      return values.reduce<BD>((a, b) => BigDecimal.sum(a, b as BD), BigDecimal.fromBigInt(0n))
    }
    default: throw new DslFailure(`unknown function ${e.fn}`, e.span)
  }
}

/** Evaluates a checked expression with the reference semantics; same result shape as the fast path. */
export const referenceEvaluate = (e: TExpr, vars: Readonly<Record<string, unknown>>, rt: Runtime = {}): EvalResult => {
  const fx: Array<FxUse> = []
  try {
    return { ok: true, value: encode(e.type, ev(e, { vars, rt, fx, item: vars[ITEM] })), fx }
  } catch (x) {
    if (x instanceof DslFailure) return { ok: false, error: x.why }
    return { ok: false, error: `internal error: ${String(x)}` }
  }
}

