import type { Expr } from "../ast.js"
import { didYouMean } from "../didYouMean.js"
import { roundingModes, type RoundingMode } from "../fixed.js"
import { currencyCodes, minorUnitsOf } from "../iso4217.js"
import type { CallOptions, TExpr } from "../typedAst.js"
import { isNumeric, isTextual, show, T, unify, type Type } from "../types.js"
import type { CallExpr, Checking } from "./Builtin.js"

/** Helpers the type rules share: argument checks and the call node. */

export type Mut<T> = { -readonly [K in keyof T]: T[K] }

export const callNode = (c: Checking, e: CallExpr, args: ReadonlyArray<TExpr>, type: Type, opts: CallOptions = {}, failWhy?: string): TExpr => {
  const node: TExpr = { k: "call", fn: e.fn, args, opts, type, span: e.span }
  if (failWhy !== undefined) return { ...node, failAt: e.span, failWhy }
  return c.fail(node, ...args, opts.fallback)
}

/** Checks one argument against a predicate on its (non-null) type. */
export const arg = (c: Checking, e: Expr, ok: (t: Type) => boolean, want: string, fn: string): TExpr => {
  const v = c.value(c.check(e))
  if (v.type.t === "error" || ok(v.type)) return v
  if (want.includes("percent") && isNumeric(v.type)) {
    c.error("DSL215", `${fn}() expects a percent, got ${show(v.type)}`, e.span, e.kind === "int" || e.kind === "decimal" ? `write ${e.text}% instead` : "convert with percent(n)")
  } else c.error("DSL205", `${fn}() expects ${want}, got ${show(v.type)}`, e.span)
  return { ...v, type: T.error }
}

export const amountType = (t: Type) => t.t === "money" || t.t === "decimal" || t.t === "int"
export const numericT = (t: Type) => isNumeric(t)
export const textual = (t: Type) => isTextual(t)
export const intT = (t: Type) => t.t === "int"
export const percentT = (t: Type) => t.t === "percent"

/** A word argument (a rounding mode): a bare name or a string literal. */
const wordLiteral = (c: Checking, e: Expr, what: string): string | undefined => {
  if (e.kind === "string") return e.value
  if (e.kind === "name") return e.name
  c.error("DSL205", `${what} must be written literally`, e.span)
  return undefined
}

/** A currency code written literally: must be in ISO 4217 list one (DSL214 otherwise). */
export const currencyArg = (c: Checking, e: Expr | undefined): string | undefined => {
  const code = e?.kind === "string" ? e.value : undefined
  if (e !== undefined && code !== undefined && minorUnitsOf(code) === undefined) {
    const guess = didYouMean(code, currencyCodes())
    c.error("DSL214", `unknown currency ${JSON.stringify(code)}: not an ISO 4217 code`, e.span, guess !== undefined ? `did you mean ${guess}?` : undefined)
    return undefined
  }
  return code
}

/**
 * Minor units of money's currency. A currency outside ISO 4217 can only come from a schema
 * (money() and fx() refuse one written literally), and the checker reported it where the
 * field was read, so it is simply undefined here.
 */
export const placesOfMoney = (t: Type): number | undefined =>
  t.t === "money" && t.currency !== undefined ? minorUnitsOf(t.currency) : undefined

export const modeArg = (c: Checking, e: Expr | undefined): RoundingMode => {
  if (e === undefined) return "half_up"
  const name = wordLiteral(c, e, "the rounding mode")
  if (name !== undefined && !(roundingModes as ReadonlyArray<string>).includes(name)) {
    const guess = didYouMean(name, roundingModes)
    c.error("DSL214", `unknown rounding mode ${JSON.stringify(name)}`, e.span, guess !== undefined ? `did you mean ${guess}?` : `modes: ${roundingModes.join(", ")}`)
    return "half_up"
  }
  return (name ?? "half_up") as RoundingMode
}

/** A `default:` fallback joined with the function's own result type. */
export const withFallback = (c: Checking, e: Expr | undefined, type: Type): { fallback?: TExpr; type: Type } => {
  if (e === undefined) return { type }
  const fallback = c.check(e)
  const u = unify(type, fallback.type)
  if (u === undefined) {
    c.error("DSL216", `default: gives ${show(fallback.type)} but the function gives ${show(type)}`, e.span)
    return { fallback, type }
  }
  return { fallback, type: u }
}

export const listArg = (c: Checking, e: Expr, fn: string): { list: TExpr; of: Type } => {
  const list = c.value(c.check(e))
  if (list.type.t === "list") return { list, of: list.type.of }
  if (list.type.t !== "error") c.error("DSL205", `${fn}() expects a list, got ${show(list.type)}`, e.span)
  return { list, of: T.error }
}
