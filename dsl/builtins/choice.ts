import { BigDecimal } from "effect"
import { abs as absFixed, cmp, type Fixed } from "../fixed.js"
import type { BD } from "../referenceNumbers.js"
import { isNullable, nonNull, show, unify, type Type } from "../types.js"
import { arg, callNode, numericT } from "./args.js"
import type { Builtin, CallExpr, Checking } from "./Builtin.js"
import type { TExpr } from "../typedAst.js"

/** `coalesce(a, b, …)`, `min`, `max`, `abs`. */

export const coalesce: Builtin = {
  min: 1, max: Infinity, named: [],
  check: (c, e) => {
    const args = e.args.map((a) => c.check(a))
    let type: Type = args[0]!.type
    for (const a of args.slice(1)) {
      const u = unify(nonNull(type), a.type)
      if (u === undefined) return c.error("DSL216", `coalesce() arguments of types ${show(type)} and ${show(a.type)} cannot be joined`, a.span)
      type = isNullable(type) ? u : nonNull(u)
    }
    return callNode(c, e, args, type)
  },
  generic: (_, args) => (c) => {
    for (const a of args) {
      const v = a(c)
      if (v !== null && v !== undefined) return v
    }
    return null
  },
  reference: (e, arg) => {
    for (let i = 0; i < e.args.length; i++) {
      const v = arg(i)
      if (v !== null && v !== undefined) return v
    }
    return null
  },
}

const minMaxRule = (c: Checking, e: CallExpr): TExpr => {
  const args = e.args.map((a) => arg(c, a, numericT, "a number", e.fn))
  let type: Type = args[0]!.type
  for (const a of args.slice(1)) {
    const u = unify(type, a.type)
    const percentMix = (type.t === "percent") !== (a.type.t === "percent")
    if (u === undefined || percentMix) {
      return c.error(percentMix ? "DSL215" : "DSL205", `${e.fn}() mixes ${show(type)} and ${show(a.type)}`, a.span)
    }
    type = u
  }
  return callNode(c, e, args, type)
}

const extreme = (pick: -1 | 1): Builtin => ({
  min: 1, max: Infinity, named: [],
  check: minMaxRule,
  generic: (_, args) => (c) => {
    let best = args[0]!(c) as Fixed
    for (let i = 1; i < args.length; i++) {
      const v = args[i]!(c) as Fixed
      if (cmp(v, best) === pick) best = v
    }
    return best
  },
  fast: {
    applies: () => true,
    gen: (e, f) => {
      const [a, as] = f.num(e.args[0]!)
      f.out.push(`${f.u} = ${a}; ${f.s} = ${as};`)
      for (let i = 1; i < e.args.length; i++) {
        const [b, bs] = f.num(e.args[i]!)
        f.out.push(`if (cmpUnits(${b}, ${bs}, ${f.u}, ${f.s}) === ${pick}) { ${f.u} = ${b}; ${f.s} = ${bs}; }`)
      }
      return [f.u, f.s]
    },
  },
  reference: (e, arg) => e.args.map((_, i) => arg(i) as BD)
    .reduce((a, b) => ((pick === -1 ? BigDecimal.lessThan(b, a) : BigDecimal.greaterThan(b, a)) ? b : a)),
})

export const min = extreme(-1)
export const max = extreme(1)

export const abs: Builtin = {
  min: 1, max: 1, named: [],
  check: (c, e) => {
    const x = arg(c, e.args[0]!, numericT, "a number", e.fn)
    return callNode(c, e, [x], x.type)
  },
  generic: (_, [a0]) => (c) => absFixed(a0!(c) as Fixed),
  fast: {
    applies: () => true,
    gen: (e, f) => {
      const [a, as] = f.num(e.args[0]!)
      f.out.push(`${f.u} = ${a} < 0 ? -${a} : ${a}; ${f.s} = ${as};`)
      return [f.u, f.s]
    },
  },
  reference: (_, arg) => BigDecimal.abs(arg(0) as BD),
}
