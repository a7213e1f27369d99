import { BigDecimal } from "effect"
import { builtins } from "./builtins/index.js"
import type { Reference } from "./builtins/Builtin.js"
import { ITEM } from "./context.js"
import { ownValue } from "./own.js"
import { decode, divide, encode, same, type BD } from "./referenceNumbers.js"
import { DslFailure, type EvalResult, type FxUse, type Runtime } from "./runtime.js"
import type { TExpr } from "./typedAst.js"

/**
 * The reference semantics: a plain tree-walking interpreter over Effect's `BigDecimal`,
 * written independently of the closure compiler (different number type, different control
 * flow). It is slow on purpose-free grounds; its job is to be obviously right, and the property
 * tests in test/dsl check the fast evaluator against it on generated rules and inputs. A
 * built-in's reference meaning is declared beside its other halves (builtins/*.ts).
 */
interface Env { readonly vars: Readonly<Record<string, unknown>>; readonly rt: Runtime; readonly fx: Array<FxUse>; readonly item: unknown }

const ev = (e: TExpr, env: Env): unknown => {
  switch (e.k) {
    case "num": return BigDecimal.make(BigInt(e.value.u), e.value.s)
    case "str": case "bool": case "date": return e.value
    case "null": return null
    case "var": return decode(e.type, e.name === ITEM ? env.item : ownValue(env.vars, e.name), e.name)
    case "field": {
      const o = ev(e.target, env)
      return o === null || typeof o !== "object" ? null : decode(e.type, ownValue(o, e.name), e.name)
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
    case "call": {
      const b = builtins.get(e.fn)
      if (b === undefined) throw new DslFailure(`unknown function ${e.fn}`, e.span)
      const r: Reference = {
        rt: env.rt,
        fx: env.fx,
        ev: (x) => ev(x, env),
        each: (list, body, bind) => list.map((el) => ev(body, bind === ITEM ? { ...env, item: el } : { ...env, vars: { ...env.vars, [bind]: el } })),
      }
      return b.reference(e, (i) => ev(e.args[i]!, env), r)
    }
  }
}

/** Evaluates a checked expression with the reference semantics; same result shape as the fast path. */
export const referenceEvaluate = (e: TExpr, vars: Readonly<Record<string, unknown>>, rt: Runtime = {}): EvalResult => {
  const fx: Array<FxUse> = []
  try {
    return { ok: true, value: encode(e.type, ev(e, { vars, rt, fx, item: ownValue(vars, ITEM) })), fx }
  } catch (x) {
    if (x instanceof DslFailure) return { ok: false, error: x.why }
    return { ok: false, error: `internal error: ${String(x)}` }
  }
}
