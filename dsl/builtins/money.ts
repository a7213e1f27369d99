import { BigDecimal } from "effect"
import { allocateUnits } from "../allocate.js"
import { decoder } from "../codecs.js"
import { failure, type Ctx } from "../context.js"
import { bigUnits, Fixed, formatFixed, fromBigUnits, fromNumber, mul, parseFixed, pow10, rescale } from "../fixed.js"
import type { RateSite } from "../fastUnits.js"
import { decode, formatBig, ONE, toBig, type BD } from "../referenceNumbers.js"
import { DslFailure } from "../runtime.js"
import { show, T } from "../types.js"
import { amountType, arg, callNode, currencyArg, listArg, placesOfMoney, textual, withFallback, type Mut } from "./args.js"
import type { Builtin } from "./Builtin.js"
import type { CallOptions } from "../typedAst.js"

/** Money: `money(x, "CUR")` names a number's currency, `allocate` splits, `fx` converts. */

export const money: Builtin = {
  min: 2, max: 2, named: [],
  check: (c, e) => {
    const x = arg(c, e.args[0]!, (t) => t.t === "int" || t.t === "decimal" || t.t === "money", "an amount", e.fn)
    const currency = e.args[1]!.kind === "string" ? currencyArg(c, e.args[1]) : (c.error("DSL205", "money() currency must be a code such as \"EUR\"", e.args[1]!.span), undefined)
    // money() names the currency of a number; relabelling an amount would skip the conversion.
    if (x.type.t === "money" && currency !== undefined && x.type.currency !== currency) {
      c.error("DSL213", `money() cannot make ${show(x.type)}${x.type.currency === undefined ? " (a currency known only at run time)" : ""} into ${currency}`, e.args[0]!.span, `convert it: fx(<amount>, <its currency>, "${currency}", on: <date>)`)
    }
    return callNode(c, e, [x], T.money(currency), currency !== undefined ? { currency } : {})
  },
  generic: (_, [a0]) => a0!,
  fast: { applies: () => true, gen: (e, f) => f.num(e.args[0]!) },
  reference: (_, arg) => arg(0),
}

/** Largest remainder: the parts sum exactly to the total; money of a known currency splits in its minor units. */
export const allocate: Builtin = {
  min: 2, max: 2, named: ["default"],
  check: (c, e, named) => {
    const total = arg(c, e.args[0]!, amountType, "an amount", e.fn)
    const { list, of } = listArg(c, e.args[1]!, e.fn)
    if (of.t !== "error" && of.t !== "int" && of.t !== "decimal") c.error("DSL205", `allocate() weights must be ints or decimals, got ${show(of)}`, e.args[1]!.span)
    const { fallback, type } = withFallback(c, named.get("default"), T.list(total.type))
    const places = placesOfMoney(total.type)
    const opts: Mut<CallOptions> = places !== undefined ? { scale: places } : {}
    if (fallback !== undefined) opts.fallback = fallback
    return callNode(c, e, [total, list], type, opts, fallback === undefined ? "allocate() fails when the weights sum to zero or one is negative" : undefined)
  },
  generic: (e, [a0, a1], g) => {
    const dec = decoder(e.args[1]!.type.t === "list" ? e.args[1]!.type.of : e.args[1]!.type, "weight")
    const minScale = e.opts.scale ?? 0
    const fallback = e.opts.fallback === undefined ? undefined : g.compile(e.opts.fallback)
    const orFail = (c: Ctx, why: string): unknown => (fallback !== undefined ? fallback(c) : failure(why, e))
    return (c) => {
      const t = a0!(c) as Fixed
      const total = rescale(t, Math.max(minScale, t.s))
      const weights = (a1!(c) as ReadonlyArray<unknown>).map((w) => dec(w) as Fixed | null)
      if (weights.some((w) => w === null)) return orFail(c, "a weight is null")
      const scale = Math.max(0, ...weights.map((w) => w!.s))
      const parts = allocateUnits(bigUnits(total), weights.map((w) => bigUnits(w!) * pow10(scale - w!.s)))
      return parts === undefined ? orFail(c, "allocate() weights sum to zero or are negative") : parts.map((u) => fromBigUnits(u, total.s))
    }
  },
  reference: (e, arg, r) => {
    const otherwise = (why: string): unknown => {
      if (e.opts.fallback !== undefined) return r.ev(e.opts.fallback)
      throw new DslFailure(why, e.span)
    }
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
    const order = remainders.map((x, i) => ({ i, x }))
      .sort((a, b) => (BigDecimal.equals(a.x, b.x) ? a.i - b.i : BigDecimal.greaterThan(a.x, b.x) ? -1 : 1))
    const parts = [...floors]
    for (const { i } of order) {
      if (!BigDecimal.isPositive(left)) break
      parts[i] = BigDecimal.sum(parts[i]!, ONE)
      left = BigDecimal.subtract(left, ONE)
    }
    return parts.map((p) => BigDecimal.make(BigDecimal.scale(p, 0).value * sign, total.scale))
  },
}

// A provider answers with the same few rate strings all day; parse each once (a cache of a pure parse).
const rateCache = new Map<string, Fixed | undefined>()
const rateText = (text: string): Fixed | undefined => {
  if (rateCache.has(text)) return rateCache.get(text)
  const f = parseFixed(text)
  if (rateCache.size > 10_000) rateCache.clear()
  rateCache.set(text, f)
  return f
}

/** `fx(amount, "FROM", "TO", on: date, default:)`: the dated rate, recorded; the amount itself when the currencies agree. */
export const fx: Builtin = {
  min: 3, max: 4, named: ["on", "default"],
  check: (c, e, named) => {
    const amount = arg(c, e.args[0]!, amountType, "an amount", e.fn)
    const from = arg(c, e.args[1]!, textual, "a currency code", e.fn)
    const to = arg(c, e.args[2]!, textual, "a currency code", e.fn)
    currencyArg(c, e.args[1]!)
    const toCode = currencyArg(c, e.args[2]!)
    if (amount.type.t === "money" && amount.type.currency !== undefined && e.args[1]!.kind === "string" && e.args[1]!.value !== amount.type.currency) {
      c.error("DSL213", `fx() converts from ${e.args[1]!.value} but the amount is ${show(amount.type)}`, e.args[1]!.span)
    }
    if (e.args[3] !== undefined && named.has("on")) c.error("DSL106", "the rate date given twice", named.get("on")!.span)
    const onExpr = named.get("on") ?? e.args[3]
    if (onExpr === undefined) return c.error("DSL208", "fx() needs the date of the rate: on: <date>", e.span, "e.g. on: src.orderDate")
    const on = arg(c, onExpr, (t) => t.t === "date", "a date", e.fn)
    const { fallback, type } = withFallback(c, named.get("default"), T.money(toCode))
    return callNode(c, e, [amount, from, to, on], type, fallback !== undefined ? { fallback } : {}, fallback === undefined ? "fx() has no rate for some currency pairs and dates" : undefined)
  },
  generic: (e, [a0, a1, a2, a3], g) => {
    const fallback = e.opts.fallback === undefined ? undefined : g.compile(e.opts.fallback)
    return (c) => {
      const amount = a0!(c) as Fixed
      const from = a1!(c) as string
      const to = a2!(c) as string
      if (from === to) return amount
      const on = a3!(c) as string
      const r = c.rt.rates?.(from, to, on)
      const rate = r === undefined ? undefined : typeof r.rate === "number" ? fromNumber(r.rate) : rateText(r.rate)
      if (r === undefined || rate === undefined) return fallback !== undefined ? fallback(c) : failure(`no ${from}→${to} rate for ${on}`, e)
      c.fx.push({ from, to, on, rate: formatFixed(rate), date: r.date, source: r.source })
      return mul(amount, rate)
    }
  },
  fast: {
    applies: () => true,
    gen: (e, f) => {
      const [a, as] = f.num(e.args[0]!)
      // The same order of evaluation as the generic tier: amount, from, to, then (if needed) the date.
      const from = f.temp("t")
      const to = f.temp("t")
      const fromCode = f.text(e.args[1]!)
      f.out.push(`${from} = ${fromCode};`)
      const toCode = f.text(e.args[2]!)
      f.out.push(`${to} = ${toCode};`)
      const dayCode: Array<string> = []
      const day = f.branch(() => {
        const before = f.out.length
        const d = f.text(e.args[3]!)
        dayCode.push(...f.out.splice(before))
        return d
      })
      const site: RateSite = { raw: undefined, rate: undefined }
      f.out.push(`if (${from} === ${to}) { ${f.u} = ${a}; ${f.s} = ${as}; } else {`, ...dayCode, `${f.u} = fxUnits(c, ${a}, ${as}, ${from}, ${to}, ${day}, ${f.ref(site)}); ${f.s} = R.s; }`)
      return [f.u, f.s]
    },
  },
  reference: (e, arg, r) => {
    const [amount, from, to, on] = [arg(0) as BD, arg(1) as string, arg(2) as string, arg(3) as string]
    if (from === to) return amount
    const q = r.rt.rates?.(from, to, on)
    const rate = q === undefined ? undefined : toBig(q.rate, false)
    if (q === undefined || rate === undefined) {
      if (e.opts.fallback !== undefined) return r.ev(e.opts.fallback)
      throw new DslFailure("no rate", e.span)
    }
    r.fx.push({ from, to, on, rate: formatBig(rate), date: q.date, source: q.source })
    return BigDecimal.multiply(amount, rate)
  },
}
