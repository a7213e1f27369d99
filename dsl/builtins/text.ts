import { BigDecimal } from "effect"
import { encoder } from "../codecs.js"
import type { Ctx } from "../context.js"
import { Fixed, formatFixed, toSmallInt } from "../fixed.js"
import { encode, formatBig, keyText } from "../referenceNumbers.js"
import { T } from "../types.js"
import { arg, callNode, intT, textual } from "./args.js"
import type { Builtin } from "./Builtin.js"

/**
 * The string built-ins, on JS strings (no numbers involved, so both evaluators share the
 * functions). Indices are UTF-16 code units, like every JS string API; out-of-range indices clamp.
 */

const textRule = (kinds: ReadonlyArray<"text" | "int">): Builtin["check"] => (c, e) => {
  const args = e.args.map((a, i) => (kinds[i] === "int" ? arg(c, a, intT, "an int", e.fn) : arg(c, a, textual, "a string", e.fn)))
  return callNode(c, e, args, T.string)
}

/** A string function of strings (and ints, as JS numbers), the same on both evaluators. */
const textFn = (kinds: ReadonlyArray<"text" | "int">, min: number, f: (...xs: Array<never>) => string): Builtin => ({
  min, max: kinds.length, named: [],
  check: textRule(kinds),
  generic: (_, args) => (c) => (f as (...xs: Array<unknown>) => string)(...args.map((a, i) => (kinds[i] === "int" ? toSmallInt(a(c) as Fixed) ?? 0 : a(c)))),
  reference: (e, arg) => (f as (...xs: Array<unknown>) => string)(...e.args.map((_, i) => (kinds[i] === "int" ? Number(keyText(arg(i))) : arg(i)))),
})

export const upper = textFn(["text"], 1, (s: string) => s.toUpperCase())
export const lower = textFn(["text"], 1, (s: string) => s.toLowerCase())
export const trim = textFn(["text"], 1, (s: string) => s.trim())
export const substr = textFn(["text", "int", "int"], 2, (s: string, start: number, length?: number) => {
  const from = Math.max(0, Math.min(s.length, start))
  return length === undefined ? s.slice(from) : s.slice(from, from + Math.max(0, length))
})
/** Replaces every occurrence (literal text, not a pattern). An empty `find` changes nothing. */
export const replace = textFn(["text", "text", "text"], 3, (s: string, find: string, by: string) => (find === "" ? s : s.split(find).join(by)))

/** Each piece prints as it would at the edge: 19% as "19%", 1.50 as "1.50". */
export const concat: Builtin = {
  min: 1, max: Infinity, named: [],
  check: (c, e) => {
    const args = e.args.map((a) => arg(c, a, (t) => t.t !== "list" && t.t !== "record", "a scalar", e.fn))
    return callNode(c, e, args, T.string)
  },
  generic: (e, args) => {
    const pieces = e.args.map((a, i) => {
      const f = args[i]!
      if (a.type.t === "percent") {
        const enc = encoder(a.type)
        return (c: Ctx) => `${enc(f(c)) as string}%`
      }
      return (c: Ctx) => {
        const v = f(c)
        return v instanceof Fixed ? formatFixed(v) : String(v)
      }
    })
    return (c) => pieces.map((p) => p(c)).join("")
  },
  reference: (e, arg) => e.args.map((a, i) => {
    const v = arg(i)
    if (a.type.t === "percent") return `${encode(a.type, v) as string}%`
    return BigDecimal.isBigDecimal(v) ? formatBig(v) : String(v)
  }).join(""),
}
