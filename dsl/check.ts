import type { Expr } from "./ast.js"
import { currencyPlaces } from "./currency.js"
import { didYouMean } from "./didYouMean.js"
import type { Diagnostic, Span } from "./diagnostics.js"
import type { ErrorCode } from "./errorCodes.js"
import { Fixed, isZero, parseFixed, roundingModes, type RoundingMode } from "./fixed.js"
import type { CallOptions, TExpr } from "./typedAst.js"
import { assignable, isNullable, isNumeric, isTextual, nonNull, show, T, unify, type Type } from "./types.js"

/** What an expression may refer to: named inputs (e.g. `src`) and lookup tables (value types). */
export interface CheckEnv {
  readonly inputs: Readonly<Record<string, Type>>
  readonly tables?: Readonly<Record<string, Type>>
}

/** The name the list built-ins and `for:` mappings bind each element to. */
export const ITEM = "item"

export const functionNames = [
  "round", "vat_add", "vat_strip", "percent", "money", "allocate", "lookup", "fx", "coalesce", "min", "max", "abs",
  "upper", "lower", "trim", "concat", "substr", "replace", "map", "filter", "sum", "count",
] as const

type Mut<T> = { -readonly [K in keyof T]: T[K] }

class Checker {
  readonly diagnostics: Array<Diagnostic> = []
  private readonly scopes: Array<Record<string, Type>>

  constructor(readonly env: CheckEnv) {
    this.scopes = [{ ...env.inputs }]
  }

  error(code: ErrorCode, message: string, span: Span, hint?: string): TExpr {
    this.diagnostics.push(hint === undefined ? { code, message, span } : { code, message, span, hint })
    return { k: "null", type: T.error, span }
  }

  private lookupVar(name: string): Type | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const t = this.scopes[i]![name]
      if (t !== undefined) return t
    }
    return undefined
  }

  private names(): Array<string> {
    return [...new Set(this.scopes.flatMap((s) => Object.keys(s)))]
  }

  withItem<A>(type: Type, f: () => A): A {
    this.scopes.push({ [ITEM]: type })
    try {
      return f()
    } finally {
      this.scopes.pop()
    }
  }

  check(e: Expr): TExpr {
    switch (e.kind) {
      case "decimal": case "int": return { k: "num", value: parseFixed(e.text)!, text: e.text, type: e.kind === "int" ? T.int : T.decimal, span: e.span }
      case "percent": {
        const n = parseFixed(e.text)!
        return { k: "num", value: new Fixed(n.u, n.s + 2), text: `${e.text}%`, type: T.percent, span: e.span }
      }
      case "string": return { k: "str", value: e.value, type: T.string, span: e.span }
      case "bool": return { k: "bool", value: e.value, type: T.bool, span: e.span }
      case "null": return { k: "null", type: T.null, span: e.span }
      case "date": return { k: "date", value: e.value, type: T.date, span: e.span }
      case "name": {
        const t = this.lookupVar(e.name)
        if (t === undefined) {
          const guess = didYouMean(e.name, this.names())
          return this.error("DSL201", `unknown name "${e.name}"`, e.span, guess !== undefined ? `did you mean ${guess}?` : `known names: ${this.names().join(", ")}`)
        }
        return { k: "var", name: e.name, type: t, span: e.span }
      }
      case "field": {
        const target = this.check(e.target)
        if (target.type.t === "error") return target
        const rec = nonNull(target.type)
        if (rec.t !== "record") return this.error("DSL203", `"${e.name}" read from a value of type ${show(target.type)}`, e.nameSpan)
        const ft = rec.fields[e.name]
        if (ft === undefined) {
          const guess = didYouMean(e.name, Object.keys(rec.fields))
          return this.error("DSL202", `${describePath(e.target)} has no field "${e.name}"`, e.nameSpan, guess !== undefined ? `did you mean ${guess}?` : undefined)
        }
        // Reading through a missing record yields null rather than failing: `src.a?.b` semantics.
        const type = isNullable(target.type) ? T.nullable(ft) : ft
        return this.fail({ k: "field", target, name: e.name, type, span: e.span }, target)
      }
      case "unary": {
        if (e.op === "not") {
          const arg = this.expectBool(this.check(e.arg), "not")
          return this.fail({ k: "not", arg, type: T.bool, span: e.span }, arg)
        }
        const arg = this.value(this.check(e.arg))
        if (arg.type.t !== "error" && !isNumeric(arg.type)) return this.error("DSL204", `cannot negate ${show(arg.type)}`, e.span)
        return this.fail({ k: "neg", arg, type: arg.type, span: e.span }, arg)
      }
      case "binary": return this.binary(e)
      case "if": {
        const cond = this.expectBool(this.check(e.cond), "if")
        const th = this.check(e.then)
        const el = this.check(e.else)
        const type = unify(th.type, el.type)
        if (type === undefined) return this.error("DSL216", `"then" gives ${show(th.type)} but "else" gives ${show(el.type)}`, e.span)
        return this.fail({ k: "if", cond, then: th, else: el, type, span: e.span }, cond, th, el)
      }
      case "list": {
        const items = e.items.map((i) => this.check(i))
        let type: Type | undefined = items[0]?.type ?? T.error
        for (const item of items.slice(1)) {
          const u: Type | undefined = type === undefined ? undefined : unify(type, item.type)
          if (u === undefined) return this.error("DSL216", `list items of types ${show(type ?? T.error)} and ${show(item.type)} cannot be mixed`, item.span)
          type = u
        }
        return this.fail({ k: "list", items, type: T.list(type ?? T.error), span: e.span }, ...items)
      }
      case "record": {
        const fields = e.fields.map((f) => [f.key, this.check(f.value)] as const)
        const types: Record<string, Type> = {}
        for (const [k, v] of fields) types[k] = v.type
        return this.fail({ k: "record", fields, type: T.record(types, fields.map(([k]) => k)), span: e.span }, ...fields.map(([, v]) => v))
      }
      case "call": return this.call(e)
    }
  }

  /** Propagates the first run-time failure point of the children to the parent. */
  fail(node: TExpr, ...kids: ReadonlyArray<TExpr | undefined>): TExpr {
    if (node.failAt !== undefined) return node
    for (const k of kids) {
      if (k?.failAt !== undefined) return { ...node, failAt: k.failAt, failWhy: k.failWhy ?? "" } as TExpr
    }
    return node
  }

  /** A nullable operand used as a value: the result fails when it is null, so it must be handled. */
  value(e: TExpr): TExpr {
    if (e.type.t === "null") return this.error("DSL204", "null used as a value", e.span)
    if (e.type.t !== "nullable") return e
    return { k: "need", arg: e, type: e.type.of, span: e.span, failAt: e.failAt ?? e.span, failWhy: e.failWhy ?? `${describeT(e)} may be null` }
  }

  private expectBool(e: TExpr, where: string): TExpr {
    const v = this.value(e)
    if (v.type.t !== "bool" && v.type.t !== "error") {
      this.diagnostics.push({ code: "DSL210", message: `"${where}" needs a bool, got ${show(v.type)}`, span: e.span })
    }
    return v
  }

  private binary(e: Extract<Expr, { kind: "binary" }>): TExpr {
    const span = e.span
    switch (e.op) {
      case "??": {
        const left = this.check(e.left)
        const right = this.check(e.right)
        const type = unify(nonNull(left.type), right.type)
        if (type === undefined) return this.error("DSL216", `"??" joins ${show(left.type)} with ${show(right.type)}`, span)
        // The left side's failures are caught here; only the fallback's own remain.
        return this.fail({ k: "coalesce", left, right, type, span }, right)
      }
      case "and": case "or": {
        const left = this.expectBool(this.check(e.left), e.op)
        const right = this.expectBool(this.check(e.right), e.op)
        return this.fail({ k: e.op, left, right, type: T.bool, span }, left, right)
      }
      case "in": {
        const left = this.check(e.left)
        const right = this.value(this.check(e.right))
        if (left.type.t === "error" || right.type.t === "error") return { k: "bool", value: false, type: T.error, span }
        if (right.type.t !== "list") return this.error("DSL204", `"in" needs a list on the right, got ${show(right.type)}`, e.right.span)
        if (unify(nonNull(left.type), nonNull(right.type.of)) === undefined) {
          return this.error("DSL204", `${show(left.type)} cannot be a member of ${show(right.type)}`, span)
        }
        this.enumMembers(left, right)
        return this.fail({ k: "in", numeric: isNumeric(nonNull(left.type)), left, right, type: T.bool, span }, left, right)
      }
      case "==": case "!=": {
        const left = this.check(e.left)
        const right = this.check(e.right)
        if (left.type.t === "error" || right.type.t === "error") return { k: "bool", value: false, type: T.error, span }
        const a = nonNull(left.type)
        const b = nonNull(right.type)
        const numeric = isNumeric(a) && isNumeric(b)
        if (numeric) this.numericFamily(a, b, span, e.op)
        else if (!(left.type.t === "null" || right.type.t === "null" || unify(a, b) !== undefined) || a.t === "list" || a.t === "record") {
          return this.error("DSL204", `cannot compare ${show(left.type)} with ${show(right.type)}`, span)
        }
        this.enumLiteral(left, right)
        this.enumLiteral(right, left)
        return this.fail({ k: "cmp", op: e.op, numeric, left, right, type: T.bool, span }, left, right)
      }
      case "<": case "<=": case ">": case ">=": {
        const left = this.value(this.check(e.left))
        const right = this.value(this.check(e.right))
        if (left.type.t === "error" || right.type.t === "error") return { k: "bool", value: false, type: T.error, span }
        const numeric = isNumeric(left.type) && isNumeric(right.type)
        if (numeric) this.numericFamily(left.type, right.type, span, e.op)
        else if (!((isTextual(left.type) && isTextual(right.type)) || (left.type.t === "date" && right.type.t === "date"))) {
          return this.error("DSL204", `cannot order ${show(left.type)} and ${show(right.type)}`, span)
        }
        return this.fail({ k: "cmp", op: e.op, numeric, left, right, type: T.bool, span }, left, right)
      }
      default: return this.arith(e.op, e)
    }
  }

  private numericFamily(a: Type, b: Type, span: Span, op: string): void {
    if ((a.t === "percent") !== (b.t === "percent")) {
      this.diagnostics.push({ code: "DSL215", message: `"${op}" compares a percent with ${show(a.t === "percent" ? b : a)}`, span, hint: "write the number as a percent: 19% or percent(n)" })
    } else if (a.t === "money" && b.t === "money" && a.currency !== undefined && b.currency !== undefined && a.currency !== b.currency) {
      this.diagnostics.push({ code: "DSL213", message: `"${op}" compares ${show(a)} with ${show(b)}`, span, hint: "convert one side with fx(…)" })
    }
  }

  private enumLiteral(value: TExpr, literal: TExpr): void {
    const t = nonNull(value.type)
    if (t.t === "enum" && literal.k === "str" && !t.values.includes(literal.value)) {
      const guess = didYouMean(literal.value, t.values)
      this.diagnostics.push({ code: "DSL212", message: `"${literal.value}" is not one of ${t.values.map((v) => JSON.stringify(v)).join(", ")}`, span: literal.span, ...(guess !== undefined ? { hint: `did you mean "${guess}"?` } : {}) })
    }
  }

  private enumMembers(left: TExpr, right: TExpr): void {
    if (right.k === "list") for (const item of right.items) this.enumLiteral(left, item)
  }

  private arith(op: "+" | "-" | "*" | "/", e: Extract<Expr, { kind: "binary" }>): TExpr {
    const span = e.span
    const left = this.value(this.check(e.left))
    const right = this.value(this.check(e.right))
    const a = left.type
    const b = right.type
    if (a.t === "error" || b.t === "error") return { k: "null", type: T.error, span }
    const type = arithType(op, a, b)
    if (typeof type === "string") {
      const percentMix = (a.t === "percent") !== (b.t === "percent") && (op === "+" || op === "-")
      if (percentMix) return this.error("DSL215", `"${op}" mixes a percent with ${show(a.t === "percent" ? b : a)}`, span, "write the number as a percent (19%) or convert with percent(n)")
      if (type === "currency") return this.error("DSL213", `"${op}" on ${show(a)} and ${show(b)}`, span, "convert one side with fx(…)")
      return this.error("DSL204", `"${op}" cannot combine ${show(a)} and ${show(b)}`, span, type === "money" ? "wrap the number with money(x, \"EUR\") or multiply instead" : undefined)
    }
    const node: TExpr = { k: "arith", op, left, right, type, span }
    if (op === "/" && !isNonZeroConstant(right)) return { ...node, failAt: right.span, failWhy: "division by a value that may be zero" }
    return this.fail(node, left, right)
  }

  private call(e: Extract<Expr, { kind: "call" }>): TExpr {
    const spec = signatures[e.fn]
    if (spec === undefined) {
      const guess = didYouMean(e.fn, functionNames)
      return this.error("DSL206", `unknown function "${e.fn}"`, e.fnSpan, guess !== undefined ? `did you mean ${guess}?` : undefined)
    }
    const named: Record<string, Expr> = {}
    for (const n of e.named) {
      if (!spec.named.includes(n.name)) {
        return this.error("DSL208", `${e.fn}() has no argument named "${n.name}"`, n.nameSpan, spec.named.length > 0 ? `it takes ${spec.named.map((x) => `${x}:`).join(", ")}` : undefined)
      }
      named[n.name] = n.value
    }
    if (e.args.length < spec.min || e.args.length > spec.max) {
      const want = spec.min === spec.max ? `${spec.min}` : spec.max === Infinity ? `at least ${spec.min}` : `${spec.min} to ${spec.max}`
      return this.error("DSL207", `${e.fn}() takes ${want} positional arguments, got ${e.args.length}`, e.span)
    }
    return spec.check(this, e, named)
  }
}

const describePath = (e: Expr): string => (e.kind === "name" ? e.name : e.kind === "field" ? `${describePath(e.target)}.${e.name}` : "the value")
const describeT = (e: TExpr): string => (e.k === "var" ? e.name : e.k === "field" ? `${describeT(e.target)}.${e.name}` : "the value")

const isNonZeroConstant = (e: TExpr): boolean =>
  (e.k === "num" && !isZero(e.value)) || (e.k === "neg" && isNonZeroConstant(e.arg))

/** Result type of an arithmetic operator, or why it is refused. */
const arithType = (op: "+" | "-" | "*" | "/", a: Type, b: Type): Type | "refused" | "money" | "currency" => {
  const plain = (t: Type) => t.t === "int" || t.t === "decimal"
  if (!isNumeric(a) || !isNumeric(b)) return "refused"
  if (a.t === "money" && b.t === "money") {
    const sameCurrency = a.currency === undefined || b.currency === undefined || a.currency === b.currency
    if (op === "*") return "refused"
    if (!sameCurrency) return "currency"
    return op === "/" ? T.decimal : T.money(a.currency ?? b.currency)
  }
  if (a.t === "money") return op === "*" || op === "/" ? a : "money"
  if (b.t === "money") return op === "*" ? b : "money"
  if (a.t === "percent" && b.t === "percent") return op === "/" ? T.decimal : T.percent
  if (a.t === "percent" || b.t === "percent") {
    if (op === "*") return T.decimal
    if (op === "/") return a.t === "percent" ? T.percent : T.decimal
    return "refused"
  }
  if (a.t === "int" && b.t === "int") return op === "/" ? T.decimal : T.int
  return plain(a) && plain(b) ? T.decimal : "refused"
}

// ---------------------------------------------------------------------------------------------
// Built-in functions: each checks its own arguments and resolves what it can statically.

interface Signature {
  readonly min: number
  readonly max: number
  readonly named: ReadonlyArray<string>
  readonly check: (c: Checker, e: Extract<Expr, { kind: "call" }>, named: Record<string, Expr>) => TExpr
}

const callNode = (c: Checker, e: Extract<Expr, { kind: "call" }>, args: ReadonlyArray<TExpr>, type: Type, opts: CallOptions = {}, failWhy?: string): TExpr => {
  const node: TExpr = { k: "call", fn: e.fn, args, opts, type, span: e.span }
  if (failWhy !== undefined) return { ...node, failAt: e.span, failWhy }
  return c.fail(node, ...args, opts.fallback)
}

/** Checks one argument against a predicate on its (non-null) type. */
const arg = (c: Checker, e: Expr, ok: (t: Type) => boolean, want: string, fn: string): TExpr => {
  const v = c.value(c.check(e))
  if (v.type.t === "error" || ok(v.type)) return v
  if (want.includes("percent") && isNumeric(v.type)) {
    c.error("DSL215", `${fn}() expects a percent, got ${show(v.type)}`, e.span, e.kind === "int" || e.kind === "decimal" ? `write ${e.text}% instead` : "convert with percent(n)")
  } else c.error("DSL205", `${fn}() expects ${want}, got ${show(v.type)}`, e.span)
  return { ...v, type: T.error }
}

const amountType = (t: Type) => t.t === "money" || t.t === "decimal" || t.t === "int"
const numericT = (t: Type) => isNumeric(t)
const textual = (t: Type) => isTextual(t)
const intT = (t: Type) => t.t === "int"

const stringLiteral = (c: Checker, e: Expr | undefined, what: string): string | undefined => {
  if (e === undefined) return undefined
  if (e.kind === "string") return e.value
  if (e.kind === "name") return e.name
  c.error("DSL205", `${what} must be written literally`, e.span)
  return undefined
}

const currencyArg = (c: Checker, e: Expr | undefined): string | undefined => {
  const code = e?.kind === "string" ? e.value : undefined
  if (e !== undefined && code !== undefined && currencyPlaces(code) === undefined) {
    c.error("DSL214", `unknown currency "${code}"`, e.span)
  }
  return code
}

const modeArg = (c: Checker, e: Expr | undefined): RoundingMode => {
  if (e === undefined) return "half_up"
  const name = stringLiteral(c, e, "the rounding mode")
  if (name !== undefined && !(roundingModes as ReadonlyArray<string>).includes(name)) {
    const guess = didYouMean(name, roundingModes)
    c.error("DSL214", `unknown rounding mode "${name}"`, e.span, guess !== undefined ? `did you mean ${guess}?` : `modes: ${roundingModes.join(", ")}`)
  }
  return (name ?? "half_up") as RoundingMode
}

/** A `default:` fallback joined with the function's own result type. */
const withFallback = (c: Checker, e: Expr | undefined, type: Type): { fallback?: TExpr; type: Type } => {
  if (e === undefined) return { type }
  const fallback = c.check(e)
  const u = unify(type, fallback.type)
  if (u === undefined) {
    c.error("DSL216", `default: gives ${show(fallback.type)} but the function gives ${show(type)}`, e.span)
    return { fallback, type }
  }
  return { fallback, type: u }
}

const listArg = (c: Checker, e: Expr, fn: string): { list: TExpr; of: Type } => {
  const list = c.value(c.check(e))
  if (list.type.t === "list") return { list, of: list.type.of }
  if (list.type.t !== "error") c.error("DSL205", `${fn}() expects a list, got ${show(list.type)}`, e.span)
  return { list, of: T.error }
}

const textFn = (min: number, max: number, kinds: ReadonlyArray<"text" | "int">): Signature => ({
  min, max, named: [],
  check: (c, e) => {
    const args = e.args.map((a, i) => (kinds[i] === "int" ? arg(c, a, intT, "an int", e.fn) : arg(c, a, textual, "a string", e.fn)))
    return callNode(c, e, args, T.string)
  },
})

const signatures: Record<string, Signature> = {
  round: {
    min: 1, max: 3, named: ["mode"],
    check: (c, e, named) => {
      const x = arg(c, e.args[0]!, numericT, "a number", "round")
      const placesExpr = e.args[1]
      let scale: number
      if (placesExpr === undefined) {
        const cur = x.type.t === "money" ? x.type.currency : undefined
        scale = cur !== undefined ? currencyPlaces(cur) ?? 0 : 0
      } else if (placesExpr.kind === "int") {
        scale = Number(placesExpr.text)
        if (scale > 18) c.error("DSL205", "round() to more than 18 places", placesExpr.span)
      } else if (placesExpr.kind === "string") {
        scale = currencyPlaces(placesExpr.value) ?? 2
        currencyArg(c, placesExpr)
      } else {
        c.error("DSL205", "round() places must be an int literal or a currency code such as \"EUR\"", placesExpr.span)
        scale = 0
      }
      if (e.args[2] !== undefined && named["mode"] !== undefined) c.error("DSL106", "rounding mode given twice", named["mode"].span)
      const mode = modeArg(c, named["mode"] ?? e.args[2])
      // Percent values are held as fractions; places count digits of the percent number.
      const fractionScale = x.type.t === "percent" ? scale + 2 : scale
      const type = x.type.t === "int" && scale > 0 ? T.decimal : x.type
      return callNode(c, e, [x], type, { scale: fractionScale, mode })
    },
  },
  vat_add: {
    min: 2, max: 2, named: [],
    check: (c, e) => {
      const net = arg(c, e.args[0]!, amountType, "an amount", e.fn)
      const rate = arg(c, e.args[1]!, (t) => t.t === "percent", "a percent", e.fn)
      return callNode(c, e, [net, rate], net.type.t === "int" ? T.decimal : net.type)
    },
  },
  vat_strip: {
    min: 2, max: 2, named: [],
    check: (c, e) => {
      const gross = arg(c, e.args[0]!, amountType, "an amount", e.fn)
      const rate = arg(c, e.args[1]!, (t) => t.t === "percent", "a percent", e.fn)
      return callNode(c, e, [gross, rate], gross.type.t === "int" ? T.decimal : gross.type)
    },
  },
  percent: {
    min: 1, max: 1, named: [],
    check: (c, e) => callNode(c, e, [arg(c, e.args[0]!, (t) => t.t === "int" || t.t === "decimal", "an int or decimal", e.fn)], T.percent),
  },
  money: {
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
  },
  allocate: {
    min: 2, max: 2, named: ["default"],
    check: (c, e, named) => {
      const total = arg(c, e.args[0]!, amountType, "an amount", e.fn)
      const { list, of } = listArg(c, e.args[1]!, e.fn)
      if (of.t !== "error" && of.t !== "int" && of.t !== "decimal") c.error("DSL205", `allocate() weights must be ints or decimals, got ${show(of)}`, e.args[1]!.span)
      const own = T.list(total.type)
      const { fallback, type } = withFallback(c, named["default"], own)
      // Money of a known currency is split into its minor units (cents), whatever scale it has.
      const places = total.type.t === "money" && total.type.currency !== undefined ? currencyPlaces(total.type.currency) : undefined
      const opts: Mut<CallOptions> = places !== undefined ? { scale: places } : {}
      if (fallback !== undefined) opts.fallback = fallback
      return callNode(c, e, [total, list], type, opts, fallback === undefined ? "allocate() fails when the weights sum to zero or one is negative" : undefined)
    },
  },
  lookup: {
    min: 2, max: 2, named: ["default"],
    check: (c, e, named) => {
      const tables = c.env.tables ?? {}
      const name = e.args[0]!.kind === "string" ? e.args[0]!.value : undefined
      const key = c.value(c.check(e.args[1]!))
      if (key.type.t !== "error" && !(isNumeric(key.type) || isTextual(key.type) || key.type.t === "bool" || key.type.t === "date")) {
        c.error("DSL205", `lookup() key must be a number, string, bool or date, got ${show(key.type)}`, e.args[1]!.span)
      }
      let valueType: Type = T.error
      if (name === undefined) c.error("DSL205", "lookup() table must be a string literal", e.args[0]!.span)
      else if (tables[name] === undefined) {
        const guess = didYouMean(name, Object.keys(tables))
        c.error("DSL211", `unknown lookup table "${name}"`, e.args[0]!.span, guess !== undefined ? `did you mean ${guess}?` : undefined)
      } else valueType = tables[name]
      const { fallback, type } = withFallback(c, named["default"], valueType)
      const opts: Mut<CallOptions> = { percentValues: nonNull(valueType).t === "percent", percentKey: key.type.t === "percent" }
      if (name !== undefined) opts.table = name
      if (fallback !== undefined) opts.fallback = fallback
      return callNode(c, e, [key], type, opts, fallback === undefined ? `lookup("${name ?? "?"}") has no row for some keys` : undefined)
    },
  },
  fx: {
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
      const onExpr = named["on"] ?? e.args[3]
      if (onExpr === undefined) return c.error("DSL208", "fx() needs the date of the rate: on: <date>", e.span, "e.g. on: src.orderDate")
      const on = arg(c, onExpr, (t) => t.t === "date", "a date", e.fn)
      const { fallback, type } = withFallback(c, named["default"], T.money(toCode))
      return callNode(c, e, [amount, from, to, on], type, fallback !== undefined ? { fallback } : {}, fallback === undefined ? "fx() has no rate for some currency pairs and dates" : undefined)
    },
  },
  coalesce: {
    min: 1, max: Infinity, named: [],
    check: (c, e) => {
      const args = e.args.map((a) => c.check(a))
      let type: Type | undefined = args[0]!.type
      for (const a of args.slice(1)) {
        const u: Type | undefined = type === undefined ? undefined : unify(nonNull(type), a.type)
        if (u === undefined) return c.error("DSL216", `coalesce() arguments of types ${show(type ?? T.error)} and ${show(a.type)} cannot be joined`, a.span)
        type = isNullable(type!) ? u : nonNull(u)
      }
      return callNode(c, e, args, type!)
    },
  },
  min: { min: 1, max: Infinity, named: [], check: (c, e) => minMax(c, e) },
  max: { min: 1, max: Infinity, named: [], check: (c, e) => minMax(c, e) },
  abs: { min: 1, max: 1, named: [], check: (c, e) => { const x = arg(c, e.args[0]!, numericT, "a number", e.fn); return callNode(c, e, [x], x.type) } },
  upper: textFn(1, 1, ["text"]),
  lower: textFn(1, 1, ["text"]),
  trim: textFn(1, 1, ["text"]),
  substr: textFn(2, 3, ["text", "int", "int"]),
  replace: textFn(3, 3, ["text", "text", "text"]),
  concat: {
    min: 1, max: Infinity, named: [],
    check: (c, e) => {
      const args = e.args.map((a) => arg(c, a, (t) => t.t !== "list" && t.t !== "record", "a scalar", e.fn))
      return callNode(c, e, args, T.string)
    },
  },
  map: {
    min: 2, max: 2, named: [],
    check: (c, e) => {
      const { list, of } = listArg(c, e.args[0]!, e.fn)
      const body = c.withItem(of, () => c.check(e.args[1]!))
      return callNode(c, e, [list, body], T.list(body.type))
    },
  },
  filter: {
    min: 2, max: 2, named: [],
    check: (c, e) => {
      const { list, of } = listArg(c, e.args[0]!, e.fn)
      const pred = c.withItem(of, () => c.value(c.check(e.args[1]!)))
      if (pred.type.t !== "bool" && pred.type.t !== "error") c.error("DSL210", `filter() needs a bool condition, got ${show(pred.type)}`, e.args[1]!.span)
      return callNode(c, e, [list, pred], list.type)
    },
  },
  count: {
    min: 1, max: 2, named: [],
    check: (c, e) => {
      const { list, of } = listArg(c, e.args[0]!, e.fn)
      if (e.args[1] === undefined) return callNode(c, e, [list], T.int)
      const pred = c.withItem(of, () => c.value(c.check(e.args[1]!)))
      if (pred.type.t !== "bool" && pred.type.t !== "error") c.error("DSL210", `count() needs a bool condition, got ${show(pred.type)}`, e.args[1]!.span)
      return callNode(c, e, [list, pred], T.int)
    },
  },
  sum: {
    min: 1, max: 2, named: [],
    check: (c, e) => {
      const { list, of } = listArg(c, e.args[0]!, e.fn)
      const body = e.args[1] === undefined ? undefined : c.withItem(of, () => c.value(c.check(e.args[1]!)))
      const elem = body?.type ?? of
      if (elem.t !== "error" && !isNumeric(elem)) return c.error("DSL205", `sum() adds numbers, got ${show(elem)}`, e.args[body === undefined ? 0 : 1]!.span)
      if (body === undefined && isNullable(elem)) return c.error("DSL205", `sum() of ${show(elem)}: the elements may be null`, e.args[0]!.span, "sum(list, item ?? 0)")
      return callNode(c, e, body === undefined ? [list] : [list, body], elem, { percentValues: elem.t === "percent" })
    },
  },
}

const minMax = (c: Checker, e: Extract<Expr, { kind: "call" }>): TExpr => {
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

export interface Checked {
  readonly expr: TExpr
  readonly diagnostics: ReadonlyArray<Diagnostic>
}

/** Type-checks one expression. A root that may still fail at run time is DSL209. */
export const checkExpr = (e: Expr, env: CheckEnv, options: { allowFallible?: boolean } = {}): Checked => {
  const c = new Checker(env)
  const expr = c.check(e)
  if (!options.allowFallible && expr.failAt !== undefined && c.diagnostics.length === 0) {
    c.diagnostics.push({
      code: "DSL209",
      message: `${expr.failWhy ?? "this may fail"}, and nothing handles it`,
      span: expr.failAt,
      hint: "add a fallback: `?? <value>` after the expression, or default: for lookup/fx/allocate",
    })
  }
  return { expr, diagnostics: c.diagnostics }
}

/** Used by record mappings to check an item expression inside a `for:` block. */
export const checkInScope = (e: Expr, env: CheckEnv, item: Type | undefined): Checked =>
  item === undefined ? checkExpr(e, env) : checkExpr(e, { ...env, inputs: { ...env.inputs, [ITEM]: item } })

export { assignable }
