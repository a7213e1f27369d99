import { allocateUnits } from "./allocate.js"
import { ITEM } from "./check.js"
import {
  abs, add, bigUnits, cmp, fromBigUnits, div, Fixed, formatFixed, fromNumber, mul, neg, ONE, parseFixed, pow10, rescale, roundFixed, sub, toSmallInt, trimZeros,
} from "./fixed.js"
import { compileFastRecord, compileFastRoots, type FastRecord } from "./fastNum.js"
import { DATE, DslFailure, tableRow, type EvalResult, type FxUse, type Runtime } from "./runtime.js"
import * as Text from "./textFunctions.js"
import type { TExpr } from "./typedAst.js"
import { isNumeric, nonNull, type Type } from "./types.js"

/**
 * The fast evaluator: the checked tree becomes nested JS closures once; evaluating is calling
 * them. Numbers are `Fixed` (scaled bigint). Raw JSON enters only through variables, fields,
 * table rows, rates and list elements, and is decoded there by its static type.
 */
export interface Ctx {
  readonly vars: Readonly<Record<string, unknown>>
  readonly rt: Runtime
  readonly fx: Array<FxUse>
  item: unknown
  /** Values of shared subexpressions computed so far in this evaluation (see `compileShared`). */
  readonly slots: Array<unknown>
}
export type Closure = (c: Ctx) => unknown

const failure = (why: string, e: TExpr): never => {
  throw new DslFailure(why, e.span)
}

/** Raw JSON (or an already decoded value) → runtime value of a scalar type; null stays null. */
export const decoder = (type: Type, what: string): ((raw: unknown) => unknown) => {
  const t = nonNull(type)
  const fail = (raw: unknown): never => {
    throw new DslFailure(`${what} is ${JSON.stringify(raw) ?? "undefined"}, not a ${t.t}`)
  }
  const missing = (): never => {
    throw new DslFailure(`${what} is missing`)
  }
  const nullable = type.t === "nullable" || type.t === "null" || type.t === "error"
  const scalar = ((): ((raw: unknown) => unknown) => {
    if (t.t === "percent") {
      return (raw) => {
        if (raw instanceof Fixed) return raw
        const n = typeof raw === "number" ? fromNumber(raw) : typeof raw === "string" ? parseFixed(raw) : undefined
        return n === undefined ? fail(raw) : new Fixed(n.u, n.s + 2)
      }
    }
    if (isNumeric(t)) {
      return (raw) => {
        if (raw instanceof Fixed) return raw
        if (typeof raw === "number") return fromNumber(raw) ?? fail(raw)
        if (typeof raw === "string") return parseFixed(raw) ?? fail(raw)
        return fail(raw)
      }
    }
    if (t.t === "date") return (raw) => (typeof raw === "string" && DATE.test(raw) ? raw.slice(0, 10) : fail(raw))
    if (t.t === "string" || t.t === "enum") return (raw) => (typeof raw === "string" ? raw : fail(raw))
    if (t.t === "bool") return (raw) => (typeof raw === "boolean" ? raw : fail(raw))
    if (t.t === "list") return (raw) => (Array.isArray(raw) ? raw : fail(raw))
    if (t.t === "record") return (raw) => (typeof raw === "object" && !Array.isArray(raw) ? raw : fail(raw))
    return (raw) => raw
  })()
  return (raw) => (raw === undefined || raw === null ? (nullable ? null : missing()) : scalar(raw))
}

/** Runtime value → JSON: decimals as strings with their scale ("11.90"), percents as percent numbers. */
export const encoder = (type: Type): ((v: unknown) => unknown) => {
  const t = nonNull(type)
  if (t.t === "int") {
    const dec = decoder(type, "value")
    return (v) => {
      const f = dec(v)
      if (!(f instanceof Fixed)) return null
      const n = toSmallInt(f)
      return n !== undefined ? n : formatFixed(f)
    }
  }
  if (t.t === "percent") {
    const dec = decoder(type, "value")
    return (v) => {
      const f = dec(v)
      return f instanceof Fixed ? formatFixed(f.s >= 2 ? new Fixed(f.u, f.s - 2) : trimZeros(mul(f, HUNDRED), 0)) : null
    }
  }
  if (isNumeric(t)) {
    const dec = decoder(type, "value")
    return (v) => {
      const f = dec(v)
      return f instanceof Fixed ? formatFixed(f) : null
    }
  }
  if (t.t === "list") {
    const each = encoder(t.of)
    return (v) => (Array.isArray(v) ? v.map(each) : null)
  }
  if (t.t === "record") {
    const fields = Object.entries(t.fields).map(([k, ft]) => [k, encoder(ft)] as const)
    return (v) => {
      if (typeof v !== "object" || v === null) return null
      const out: Record<string, unknown> = {}
      for (const [k, enc] of fields) {
        const x = (v as Record<string, unknown>)[k]
        if (x !== undefined) out[k] = enc(x)
      }
      return out
    }
  }
  return (v) => (v === undefined ? null : v)
}

// A provider answers with the same few rate strings all day; parse each once.
const rateCache = new Map<string, Fixed | undefined>()
const rateText = (text: string): Fixed | undefined => {
  if (rateCache.has(text)) return rateCache.get(text)
  const f = parseFixed(text)
  if (rateCache.size > 10_000) rateCache.clear()
  rateCache.set(text, f)
  return f
}

const HUNDRED = new Fixed(100, 0)

const keyText = (v: unknown): string => (v instanceof Fixed ? formatFixed(trimZeros(v, 0)) : String(v))

const eqValues = (a: unknown, b: unknown): boolean =>
  a instanceof Fixed && b instanceof Fixed ? cmp(a, b) === 0 : a === b

/**
 * Common subexpressions: a rule set repeats itself (`src.price.netPrice` in eight fields, the
 * gross price in three). Within one evaluation the inputs do not change and evaluation has no
 * side effects (fx records the rate once either way), so a subexpression that occurs twice or
 * more and does not depend on `item` is computed once and kept in a per-evaluation slot.
 */
interface SharePlan { readonly counts: Map<string, number>; readonly slots: Map<string, number> }
let plan: SharePlan | undefined

const keys = new WeakMap<TExpr, string>()
const keyOf = (e: TExpr): string => {
  const known = keys.get(e)
  if (known !== undefined) return known
  let key: string
  switch (e.k) {
    case "num": key = `#${e.value.u}e-${e.value.s}:${e.type.t}`; break
    case "str": case "date": case "bool": key = `${e.k}${JSON.stringify(e.value)}`; break
    case "null": key = "null"; break
    case "var": key = `$${e.name}`; break
    case "field": key = `${keyOf(e.target)}.${e.name}`; break
    case "call": {
      const { fallback, ...opts } = e.opts
      key = `${e.fn}${JSON.stringify(opts)}(${e.args.map(keyOf).join(",")}${fallback === undefined ? "" : `;${keyOf(fallback)}`})`
      break
    }
    case "record": key = `{${e.fields.map(([k, v]) => `${k}:${keyOf(v)}`).join(",")}}`; break
    case "list": key = `[${e.items.map(keyOf).join(",")}]`; break
    default: {
      const kids = "left" in e ? [e.left, e.right] : "cond" in e ? [e.cond, e.then, e.else] : "arg" in e ? [e.arg] : []
      key = `${e.k}${"op" in e ? e.op : ""}(${kids.map(keyOf).join(",")})`
    }
  }
  keys.set(e, key)
  return key
}
let boundNames: ReadonlySet<string> = new Set([ITEM])
const usesBound = (key: string): boolean => {
  for (const n of boundNames) if (key.includes(`$${n}`)) return true
  return false
}

const countShared = (e: TExpr, counts: Map<string, number>): void => {
  const key = keyOf(e)
  counts.set(key, (counts.get(key) ?? 0) + 1)
  if ((counts.get(key) ?? 0) > 1) return // its children were counted the first time
  const kids: Array<TExpr | undefined> = e.k === "call" ? [...e.args, e.opts.fallback] : e.k === "list" ? [...e.items] : e.k === "record" ? e.fields.map(([, v]) => v)
    : "left" in e ? [e.left, e.right] : "cond" in e ? [e.cond, e.then, e.else] : "arg" in e ? [e.arg] : e.k === "field" ? [e.target] : []
  for (const k of kids) if (k !== undefined) countShared(k, counts)
}

export type Tier = "fast" | "generic"
/** Which tier compileShared builds by default; test/dsl flips it to compare the tiers. */
export const compileOptions: { tier: Tier } = { tier: "fast" }

/**
 * Compiles several roots together so their common subexpressions share slots. Each closure
 * returns its root's value encoded as JSON (see `encoder`): numeric and bool roots run on the
 * allocation-free tier of fastNum.ts, which falls back to these generic closures when it must;
 * `tier: "generic"` compiles the generic closures alone (the tests compare the two tiers).
 */
export const compileShared = (
  roots: ReadonlyArray<TExpr>,
  /** Names bound per list element (`item`, `as:` names): what mentions them is never shared. */
  loopNames: ReadonlySet<string> = new Set([ITEM]),
  tier: Tier = compileOptions.tier,
  /**
   * The top-level output record, if the roots belong to a mapping: each field's root index or
   * its own closure. On the fast tier it becomes one generated function (`record`) that
   * returns NOT_FAST when the caller must evaluate the fields one by one instead.
   */
  recordFields?: ReadonlyArray<readonly [name: string, field: number | Closure]>,
): { readonly closures: Array<Closure>; readonly slotCount: number; readonly record?: FastRecord } => {
  const counts = new Map<string, number>()
  for (const r of roots) countShared(r, counts)
  const current: SharePlan = { counts, slots: new Map() }
  plan = current
  boundNames = loopNames
  try {
    const generic = roots.map(compile)
    if (tier === "generic") {
      const closures = generic.map((f, i) => { const enc = encoder(roots[i]!.type); return (c: Ctx) => enc(f(c)) })
      return { closures, slotCount: current.slots.size }
    }
    const share = { counts, keyOf, bound: loopNames, slotOf: (key: string) => current.slots.get(key) }
    const closures = compileFastRoots(roots, generic, share)
    const record = recordFields === undefined ? undefined : compileFastRecord(recordFields, roots, closures, share)
    return record === undefined ? { closures, slotCount: current.slots.size } : { closures, slotCount: current.slots.size, record }
  } finally {
    plan = undefined
    boundNames = new Set([ITEM])
  }
}

/**
 * Slots filled while a fast-tier attempt runs (fastNum.ts): when the attempt falls back to
 * this tier, it empties them again so the values (and the fx uses they recorded) are redone.
 */
export const attempt: { on: boolean; n: number; readonly filled: Array<number> } = { on: false, n: 0, filled: [] }

export const compile = (e: TExpr): Closure => {
  const f = compileNode(e)
  if (plan === undefined || e.k === "num" || e.k === "str" || e.k === "bool" || e.k === "null" || e.k === "date" || e.k === "var") return f
  const key = keyOf(e)
  if ((plan.counts.get(key) ?? 0) < 2 || usesBound(key)) return f
  let slot = plan.slots.get(key)
  if (slot === undefined) {
    slot = plan.slots.size
    plan.slots.set(key, slot)
  }
  const i = slot
  return (c) => {
    const have = c.slots[i]
    if (have !== undefined) return have
    const v = f(c)
    c.slots[i] = v
    if (attempt.on) attempt.filled[attempt.n++] = i
    return v
  }
}

const compileNode = (e: TExpr): Closure => {
  switch (e.k) {
    case "num": { const v = e.value; return () => v }
    case "str": case "date": case "bool": { const v = e.value; return () => v }
    case "null": return () => null
    case "var": {
      const dec = decoder(e.type, e.name)
      const scalar = !(nonNull(e.type).t === "record" || nonNull(e.type).t === "list")
      if (e.name === ITEM) return scalar ? (c) => dec(c.item) : (c) => c.item ?? null
      const name = e.name
      return scalar ? (c) => dec(c.vars[name]) : (c) => c.vars[name] ?? null
    }
    case "field": {
      const target = compile(e.target)
      const name = e.name
      const dec = decoder(e.type, `${describe(e)}`)
      return (c) => {
        const o = target(c)
        if (o === null || typeof o !== "object") return null
        return dec((o as Record<string, unknown>)[name])
      }
    }
    case "need": {
      const arg = compile(e.arg)
      const why = `${describe(e.arg)} is null`
      return (c) => {
        const v = arg(c)
        return v === null || v === undefined ? failure(why, e) : v
      }
    }
    case "neg": { const a = compile(e.arg); return (c) => neg(a(c) as Fixed) }
    case "not": { const a = compile(e.arg); return (c) => !(a(c) as boolean) }
    case "arith": {
      const l = compile(e.left)
      const r = compile(e.right)
      switch (e.op) {
        case "+": return (c) => add(l(c) as Fixed, r(c) as Fixed)
        case "-": return (c) => sub(l(c) as Fixed, r(c) as Fixed)
        case "*": return (c) => mul(l(c) as Fixed, r(c) as Fixed)
        default: return (c) => div(l(c) as Fixed, r(c) as Fixed) ?? failure("division by zero", e)
      }
    }
    case "cmp": {
      const l = compile(e.left)
      const r = compile(e.right)
      if (e.numeric) {
        const nullable = e.left.type.t === "nullable" || e.right.type.t === "nullable"
        const test = (x: number): boolean => {
          switch (e.op) {
            case "==": return x === 0
            case "!=": return x !== 0
            case "<": return x < 0
            case "<=": return x <= 0
            case ">": return x > 0
            default: return x >= 0
          }
        }
        if (e.op === "==" || e.op === "!=") {
          const want = e.op === "=="
          return nullable
            ? (c) => eqValues(l(c), r(c)) === want
            : (c) => (cmp(l(c) as Fixed, r(c) as Fixed) === 0) === want
        }
        return (c) => test(cmp(l(c) as Fixed, r(c) as Fixed))
      }
      switch (e.op) {
        case "==": return (c) => l(c) === r(c)
        case "!=": return (c) => l(c) !== r(c)
        case "<": return (c) => (l(c) as string) < (r(c) as string)
        case "<=": return (c) => (l(c) as string) <= (r(c) as string)
        case ">": return (c) => (l(c) as string) > (r(c) as string)
        default: return (c) => (l(c) as string) >= (r(c) as string)
      }
    }
    case "in": {
      const l = compile(e.left)
      const r = compile(e.right)
      const t = e.right.type.t === "list" ? e.right.type.of : e.right.type
      const dec = decoder(t, "list element")
      return (c) => {
        const x = l(c)
        for (const el of r(c) as ReadonlyArray<unknown>) if (eqValues(x, dec(el))) return true
        return false
      }
    }
    case "and": { const l = compile(e.left); const r = compile(e.right); return (c) => (l(c) as boolean) && (r(c) as boolean) }
    case "or": { const l = compile(e.left); const r = compile(e.right); return (c) => (l(c) as boolean) || (r(c) as boolean) }
    case "coalesce": {
      const l = compile(e.left)
      const r = compile(e.right)
      if (e.left.failAt === undefined) return (c) => l(c) ?? r(c)
      return (c) => {
        let v: unknown
        try {
          v = l(c)
        } catch (x) {
          if (!(x instanceof DslFailure)) throw x
          return r(c)
        }
        return v ?? r(c)
      }
    }
    case "if": {
      const cond = compile(e.cond)
      const th = compile(e.then)
      const el = compile(e.else)
      return (c) => ((cond(c) as boolean) ? th(c) : el(c))
    }
    case "list": { const items = e.items.map(compile); return (c) => items.map((i) => i(c)) }
    case "record": {
      const fields = e.fields.map(([k, v]) => [k, compile(v)] as const)
      return (c) => {
        const out: Record<string, unknown> = {}
        for (const [k, f] of fields) out[k] = f(c)
        return out
      }
    }
    case "call": return compileCall(e as Extract<TExpr, { k: "call" }>)
  }
}

const describe = (e: TExpr): string => (e.k === "var" ? e.name : e.k === "field" ? `${describe(e.target)}.${e.name}` : "value")

/** Runs `f` with `item` bound to each element in turn, restoring the outer binding after. */
const withItems = <A>(c: Ctx, list: ReadonlyArray<unknown>, f: (el: unknown) => A): Array<A> => {
  const outer = c.item
  try {
    const out: Array<A> = []
    for (const el of list) {
      c.item = el
      out.push(f(el))
    }
    return out
  } finally {
    c.item = outer
  }
}

const compileCall = (e: Extract<TExpr, { k: "call" }>): Closure => {
  const args = e.args.map(compile)
  const [a0, a1, a2, a3] = args as [Closure, Closure, Closure, Closure]
  const fallback = e.opts.fallback === undefined ? undefined : compile(e.opts.fallback)
  const orFail = (c: Ctx, why: string): unknown => (fallback !== undefined ? fallback(c) : failure(why, e))
  switch (e.fn) {
    case "round": {
      const scale = e.opts.scale ?? 0
      const mode = e.opts.mode ?? "half_up"
      return (c) => roundFixed(a0(c) as Fixed, scale, mode)
    }
    case "vat_add": return (c) => mul(a0(c) as Fixed, add(ONE, a1(c) as Fixed))
    case "vat_strip": return (c) => div(a0(c) as Fixed, add(ONE, a1(c) as Fixed)) ?? failure("VAT rate of -100%", e)
    case "percent": return (c) => { const n = a0(c) as Fixed; return new Fixed(n.u, n.s + 2) }
    case "money": return a0
    case "abs": return (c) => abs(a0(c) as Fixed)
    case "min": case "max": {
      const pick = e.fn === "min" ? -1 : 1
      return (c) => {
        let best = a0(c) as Fixed
        for (let i = 1; i < args.length; i++) {
          const v = args[i]!(c) as Fixed
          if (cmp(v, best) === pick) best = v
        }
        return best
      }
    }
    case "coalesce": return (c) => {
      for (const a of args) {
        const v = a(c)
        if (v !== null && v !== undefined) return v
      }
      return null
    }
    case "upper": return (c) => Text.upper(a0(c) as string)
    case "lower": return (c) => Text.lower(a0(c) as string)
    case "trim": return (c) => Text.trim(a0(c) as string)
    case "replace": return (c) => Text.replace(a0(c) as string, a1(c) as string, a2(c) as string)
    case "substr": return (c) => Text.substr(a0(c) as string, toSmallInt(a1(c) as Fixed) ?? 0, args.length > 2 ? toSmallInt(a2(c) as Fixed) ?? 0 : undefined)
    case "concat": {
      // Each piece prints as it would at the edge: 19% as "19%", 1.50 as "1.50".
      const pieces = e.args.map((a, i) => {
        const f = args[i]!
        if (a.type.t === "percent") { const enc = encoder(a.type); return (c: Ctx) => `${enc(f(c)) as string}%` }
        return (c: Ctx) => { const v = f(c); return v instanceof Fixed ? formatFixed(v) : String(v) }
      })
      return (c) => pieces.map((p) => p(c)).join("")
    }
    case "lookup": {
      const table = e.opts.table ?? ""
      // Rows decode as the call's type (the table's value type joined with the default's).
      const dec = decoder(e.type, `row of table ${table}`)
      const keyOfValue = e.opts.percentKey === true ? (v: unknown) => keyText(mul(v as Fixed, HUNDRED)) : keyText
      return (c) => {
        const key = keyOfValue(a0(c))
        const row = tableRow(c.rt.tables?.[table], key)
        return row === undefined ? orFail(c, `table ${table} has no row for ${key}`) : dec(row)
      }
    }
    case "fx": {
      return (c) => {
        const amount = a0(c) as Fixed
        const from = a1(c) as string
        const to = a2(c) as string
        if (from === to) return amount
        const on = a3(c) as string
        const r = c.rt.rates?.(from, to, on)
        const rate = r === undefined ? undefined : typeof r.rate === "number" ? fromNumber(r.rate) : rateText(r.rate)
        if (r === undefined || rate === undefined) return orFail(c, `no ${from}→${to} rate for ${on}`)
        c.fx.push({ from, to, on, rate: formatFixed(rate), date: r.date, source: r.source })
        return mul(amount, rate)
      }
    }
    case "allocate": {
      const dec = decoder(e.args[1]!.type.t === "list" ? e.args[1]!.type.of : e.args[1]!.type, "weight")
      const minScale = e.opts.scale ?? 0
      return (c) => {
        const total = rescale(a0(c) as Fixed, Math.max(minScale, (a0(c) as Fixed).s))
        const weights = (a1(c) as ReadonlyArray<unknown>).map((w) => dec(w) as Fixed | null)
        if (weights.some((w) => w === null)) return orFail(c, "a weight is null")
        const scale = Math.max(0, ...weights.map((w) => w!.s))
        const parts = allocateUnits(bigUnits(total), weights.map((w) => bigUnits(w!) * pow10(scale - w!.s)))
        return parts === undefined ? orFail(c, "allocate() weights sum to zero or are negative") : parts.map((u) => fromBigUnits(u, total.s))
      }
    }
    case "map": return (c) => withItems(c, a0(c) as ReadonlyArray<unknown>, () => a1(c))
    case "filter": return (c) => {
      const list = a0(c) as ReadonlyArray<unknown>
      const keep = withItems(c, list, () => a1(c) as boolean)
      return list.filter((_, i) => keep[i])
    }
    case "count": {
      if (args.length === 1) return (c) => new Fixed((a0(c) as ReadonlyArray<unknown>).length, 0)
      return (c) => new Fixed(withItems(c, a0(c) as ReadonlyArray<unknown>, () => a1(c) as boolean).filter(Boolean).length, 0)
    }
    case "sum": {
      const zero = new Fixed(0, 0)
      if (args.length === 1) {
        const of = e.args[0]!.type.t === "list" ? e.args[0]!.type.of : e.type
        const dec = decoder(of, "list element")
        return (c) => {
          let acc = zero
          for (const el of a0(c) as ReadonlyArray<unknown>) acc = add(acc, dec(el) as Fixed)
          return acc
        }
      }
      return (c) => withItems(c, a0(c) as ReadonlyArray<unknown>, () => a1(c) as Fixed).reduce(add, zero)
    }
    default: return () => failure(`unknown function ${e.fn}`, e)
  }
}

/** Wraps a compiled root into the total evaluation boundary. */
export const evaluator = (e: TExpr, tier: Tier = compileOptions.tier): ((vars: Readonly<Record<string, unknown>>, rt?: Runtime) => EvalResult) => {
  const { closures: [f], slotCount } = compileShared([e], new Set([ITEM]), tier) as { closures: [Closure]; slotCount: number }
  return (vars, rt = {}) => {
    const c: Ctx = { vars, rt, fx: [], item: vars[ITEM], slots: new Array(slotCount) }
    try {
      return { ok: true, value: f(c), fx: c.fx }
    } catch (x) {
      if (x instanceof DslFailure) return x.span === undefined ? { ok: false, error: x.why } : { ok: false, error: x.why, span: x.span }
      return { ok: false, error: `internal error: ${String(x)}` }
    }
  }
}
