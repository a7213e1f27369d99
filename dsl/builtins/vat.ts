import { BigDecimal } from "effect"
import { add, div, Fixed, mul, ONE } from "../fixed.js"
import { failure } from "../context.js"
import { DslFailure } from "../runtime.js"
import { divide, HUNDRED, ONE as BIG_ONE, type BD } from "../referenceNumbers.js"
import { T } from "../types.js"
import { amountType, arg, callNode, percentT } from "./args.js"
import type { Builtin } from "./Builtin.js"

/** `vat_add(net, rate%)`, `vat_strip(gross, rate%)` and `percent(n)`: the rate is always a percent. */

const vatRule: Builtin["check"] = (c, e) => {
  const amount = arg(c, e.args[0]!, amountType, "an amount", e.fn)
  const rate = arg(c, e.args[1]!, percentT, "a percent", e.fn)
  return callNode(c, e, [amount, rate], amount.type.t === "int" ? T.decimal : amount.type)
}

export const vat_add: Builtin = {
  min: 2, max: 2, named: [],
  check: vatRule,
  generic: (_, [a0, a1]) => (c) => mul(a0!(c) as Fixed, add(ONE, a1!(c) as Fixed)),
  fast: {
    applies: () => true,
    gen: (e, f) => {
      const [a, as] = f.num(e.args[0]!)
      const [b, bs] = f.onePlus(e.args[1]!)
      f.out.push(`${f.u} = ${a} * ${b}; if (!safe(${f.u})) retry(); ${f.u} = ${f.u} || 0; ${f.s} = ${as} + ${bs};`)
      return [f.u, f.s]
    },
  },
  reference: (_, arg) => BigDecimal.multiply(arg(0) as BD, BigDecimal.sum(BIG_ONE, arg(1) as BD)),
}

export const vat_strip: Builtin = {
  min: 2, max: 2, named: [],
  check: vatRule,
  generic: (e, [a0, a1]) => (c) => div(a0!(c) as Fixed, add(ONE, a1!(c) as Fixed)) ?? failure("VAT rate of -100%", e),
  fast: {
    applies: () => true,
    gen: (e, f) => {
      const [a, as] = f.num(e.args[0]!)
      const [b, bs] = f.onePlus(e.args[1]!)
      f.out.push(`${f.u} = divide(${a}, ${as}, ${b}, ${bs}); ${f.s} = R.s;`)
      return [f.u, f.s]
    },
  },
  reference: (e, arg) => {
    const q = divide(arg(0) as BD, BigDecimal.sum(BIG_ONE, arg(1) as BD))
    if (q === undefined) throw new DslFailure("VAT rate of -100%", e.span)
    return q
  },
}

export const percent: Builtin = {
  min: 1, max: 1, named: [],
  check: (c, e) => callNode(c, e, [arg(c, e.args[0]!, (t) => t.t === "int" || t.t === "decimal", "an int or decimal", e.fn)], T.percent),
  generic: (_, [a0]) => (c) => {
    const n = a0!(c) as Fixed
    return new Fixed(n.u, n.s + 2)
  },
  fast: {
    applies: () => true,
    gen: (e, f) => {
      const [a, as] = f.num(e.args[0]!)
      f.out.push(`${f.u} = ${a}; ${f.s} = ${as} + 2;`)
      return [f.u, f.s]
    },
  },
  reference: (_, arg) => BigDecimal.unsafeDivide(arg(0) as BD, HUNDRED),
}
