import { roundFixed, type Fixed } from "../fixed.js"
import { ROUNDERS, roundStatements } from "../fastUnits.js"
import { minorUnitsOf } from "../iso4217.js"
import { roundTo, type BD } from "../referenceNumbers.js"
import { isNumeric, T } from "../types.js"
import { arg, callNode, currencyArg, modeArg, numericT, placesOfMoney } from "./args.js"
import type { Builtin, Code } from "./Builtin.js"

/**
 * `round(x, places | "CUR", mode: …)`. Without places, money rounds to its currency's ISO 4217
 * minor units; a plain number to 0 places. Money whose currency is known only at run time
 * has no places to default to: it must say them.
 */
export const round: Builtin = {
  min: 1, max: 3, named: ["mode"],
  check: (c, e, named) => {
    const x = arg(c, e.args[0]!, numericT, "a number", "round")
    const placesExpr = e.args[1]
    let scale = 0
    if (placesExpr === undefined) {
      if (x.type.t === "money" && x.type.currency === undefined) {
        c.error("DSL214", "round() of money in a currency known only at run time needs its places", e.span, "round(x, 2) or round(x, \"EUR\")")
      } else scale = placesOfMoney(x.type) ?? 0
    } else if (placesExpr.kind === "int") {
      scale = Number(placesExpr.text)
      if (scale > 18) {
        c.error("DSL205", "round() to more than 18 places", placesExpr.span)
        scale = 0
      }
    } else if (placesExpr.kind === "string") {
      const code = currencyArg(c, placesExpr)
      scale = code === undefined ? 0 : minorUnitsOf(code)!
    } else {
      c.error("DSL205", "round() places must be an int literal or a currency code such as \"EUR\"", placesExpr.span)
    }
    if (e.args[2] !== undefined && named.has("mode")) c.error("DSL106", "rounding mode given twice", named.get("mode")!.span)
    const mode = modeArg(c, named.get("mode") ?? e.args[2])
    // Percent values are held as fractions; places count digits of the percent number.
    const fractionScale = x.type.t === "percent" ? scale + 2 : scale
    const type = x.type.t === "int" && scale > 0 ? T.decimal : x.type
    return callNode(c, e, [x], type, { scale: fractionScale, mode })
  },
  generic: (e, [a0]) => {
    const scale = e.opts.scale ?? 0
    const mode = e.opts.mode ?? "half_up"
    return (c) => roundFixed(a0!(c) as Fixed, scale, mode)
  },
  fast: {
    applies: () => true,
    gen: (e, f): Code => {
      const { out, u } = f
      const k = e.opts.scale ?? 0
      const modeName = e.opts.mode ?? "half_up"
      const mode = f.ref(ROUNDERS[modeName])
      const inline = (n: string, d: string): string => roundStatements(modeName, n, d, u, f.temp("r"), f.temp("t"))
      const x = e.args[0]!
      // A quotient is divided straight to k places when the divisor allows (see quotientFits);
      // the rounder is written out in the generated code itself, so V8 sees that one mode.
      const quotient = x.k === "arith" && x.op === "/" && isNumeric(x.type) ? [f.num(x.left), f.num(x.right)] as const
        : x.k === "call" && x.fn === "vat_strip" && isNumeric(x.type) ? ((a: Code) => [a, f.onePlus(x.args[1]!)] as const)(f.num(x.args[0]!))
        : undefined
      if (quotient !== undefined) {
        const [[a, as], [b, bs]] = quotient
        const n = f.temp("n")
        const d = f.temp("d")
        out.push(`if (${b} === 0) retry();`,
          `if (!quotientFits(${a}, ${as}, ${b}, ${bs}, ${k})) ${u} = roundedQuotient(${a}, ${as}, ${b}, ${bs}, ${k}, ${mode});`,
          `else { ${n} = Q.n; ${d} = Q.d; if (${d} < 0) { ${n} = -${n}; ${d} = -${d}; } ${inline(n, d)} }`)
      } else {
        const [a, as] = f.num(x)
        const p = f.temp("p")
        out.push(`if (${as} <= ${k}) ${u} = up(${a}, ${k} - ${as}); else if (${as} - ${k} > 15) retry(); else { ${p} = POWN[${as} - ${k}]; ${inline(a, p)} }`)
      }
      // The scale is a constant the encoder can use (a rounded amount prints its k places).
      return [u, String(k)]
    },
  },
  reference: (e, arg) => roundTo(arg(0) as BD, e.opts.scale ?? 0, e.opts.mode ?? "half_up"),
}
