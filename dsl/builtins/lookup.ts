import { BigDecimal } from "effect"
import { decoder, HUNDRED, keyText } from "../codecs.js"
import { failure } from "../context.js"
import { didYouMean } from "../didYouMean.js"
import { mul, type Fixed } from "../fixed.js"
import { rawDecoder } from "../fastUnits.js"
import { decode, HUNDRED as BIG_HUNDRED, keyText as bigKeyText, type BD } from "../referenceNumbers.js"
import { DslFailure, tableOf, tableRow } from "../runtime.js"
import type { CallOptions } from "../typedAst.js"
import { isNumeric, isTextual, nonNull, show, T, type Type } from "../types.js"
import { callNode, withFallback, type Mut } from "./args.js"
import type { Builtin } from "./Builtin.js"

/** `lookup("table", key, default:)`: a row of a named table, keyed by the key's text ("19" for 19, 19.0 or 19 %). */
export const lookup: Builtin = {
  min: 2, max: 2, named: ["default"],
  check: (c, e, named) => {
    const name = e.args[0]!.kind === "string" ? e.args[0]!.value : undefined
    const key = c.value(c.check(e.args[1]!))
    if (key.type.t !== "error" && !(isNumeric(key.type) || isTextual(key.type) || key.type.t === "bool" || key.type.t === "date")) {
      c.error("DSL205", `lookup() key must be a number, string, bool or date, got ${show(key.type)}`, e.args[1]!.span)
    }
    let valueType: Type = T.error
    if (name === undefined) c.error("DSL205", "lookup() table must be a string literal", e.args[0]!.span)
    else if (!c.tables.has(name)) {
      const guess = didYouMean(name, c.tables.keys())
      c.error("DSL211", `unknown lookup table ${JSON.stringify(name)}`, e.args[0]!.span, guess !== undefined ? `did you mean ${guess}?` : undefined)
    } else valueType = c.tables.get(name)!
    const { fallback, type } = withFallback(c, named.get("default"), valueType)
    const opts: Mut<CallOptions> = { percentValues: nonNull(valueType).t === "percent", percentKey: key.type.t === "percent" }
    if (name !== undefined) opts.table = name
    if (fallback !== undefined) opts.fallback = fallback
    return callNode(c, e, [key], type, opts, fallback === undefined ? `lookup(${JSON.stringify(name ?? "?")}) has no row for some keys` : undefined)
  },
  generic: (e, [a0], g) => {
    const table = e.opts.table ?? ""
    // Rows decode as the call's type (the table's value type joined with the default's).
    const dec = decoder(e.type, `row of table ${table}`)
    const keyOfValue = e.opts.percentKey === true ? (v: unknown) => keyText(mul(v as Fixed, HUNDRED)) : keyText
    const fallback = e.opts.fallback === undefined ? undefined : g.compile(e.opts.fallback)
    return (c) => {
      const key = keyOfValue(a0!(c))
      const row = tableRow(tableOf(c.rt, table), key)
      if (row !== undefined) return dec(row)
      return fallback !== undefined ? fallback(c) : failure(`table ${table} has no row for ${key}`, e)
    }
  },
  fast: {
    applies: (e) => e.type.t !== "percent" && isNumeric(e.args[0]!.type),
    gen: (e, f) => {
      const [a, as] = f.num(e.args[0]!)
      f.out.push(`${f.u} = lookupUnits(c, ${JSON.stringify(e.opts.table ?? "")}, ${a}, ${as}, ${e.opts.percentKey === true}, ${f.ref(rawDecoder(e.type))}); ${f.s} = R.s;`)
      return [f.u, f.s]
    },
  },
  reference: (e, arg, r) => {
    const key = e.opts.percentKey === true ? BigDecimal.multiply(arg(0) as BD, BIG_HUNDRED) : arg(0)
    const row = tableRow(tableOf(r.rt, e.opts.table ?? ""), bigKeyText(key))
    if (row !== undefined) return decode(e.type, row, "row")
    if (e.opts.fallback !== undefined) return r.ev(e.opts.fallback)
    throw new DslFailure("no row", e.span)
  },
}
