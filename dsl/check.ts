import type { Expr } from "./ast.js"
import { builtins, functionNames } from "./builtins/index.js"
import type { Checking } from "./builtins/Builtin.js"
import { ITEM } from "./context.js"
import { didYouMean } from "./didYouMean.js"
import type { Diagnostic, Span } from "./diagnostics.js"
import type { ErrorCode } from "./errorCodes.js"
import { Fixed, isZero, parseFixed } from "./fixed.js"
import { minorUnitsOf } from "./iso4217.js"
import type { TExpr } from "./typedAst.js"
import { assignable, fieldType, isNullable, isNumeric, isTextual, nonNull, show, T, unify, type Type } from "./types.js"

/** What an expression may refer to: named inputs (e.g. `src`) and lookup tables (value types). */
export interface CheckEnv {
  readonly inputs: Readonly<Record<string, Type>>
  readonly tables?: Readonly<Record<string, Type>>
}

export { ITEM }

const listFunctions = (): string => [...builtins].filter(([, b]) => b.lambdas !== undefined).map(([n]) => `${n}()`).join(", ")

/**
 * The type checker. Names live in Maps (scopes, tables, built-ins): no name a config author
 * writes — `constructor`, `__proto__`, `toString` — can reach an Object.prototype member.
 */
class Checker implements Checking {
  readonly diagnostics: Array<Diagnostic> = []
  readonly tables: ReadonlyMap<string, Type>
  /** Innermost last. The first scope holds the inputs; each element function adds one. */
  private readonly scopes: Array<ReadonlyMap<string, Type>>
  /** Currencies already reported unknown, so one bad schema field is one diagnostic per place. */
  private readonly reported = new Set<string>()

  constructor(env: CheckEnv) {
    this.scopes = [new Map(Object.entries(env.inputs))]
    this.tables = new Map(Object.entries(env.tables ?? {}))
  }

  error(code: ErrorCode, message: string, span: Span, hint?: string): TExpr {
    this.diagnostics.push(hint === undefined ? { code, message, span } : { code, message, span, hint })
    return { k: "null", type: T.error, span }
  }

  private lookupVar(name: string): Type | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const t = this.scopes[i]!.get(name)
      if (t !== undefined) return t
    }
    return undefined
  }

  private names(): Array<string> {
    return [...new Set(this.scopes.flatMap((s) => [...s.keys()]))]
  }

  /**
   * Money typed by a schema carries its currency into the expression: a code outside ISO 4217
   * is refused where it is read, not rounded to a guessed number of places later.
   */
  private knownCurrency(t: Type, span: Span): void {
    const m = nonNull(t)
    if (m.t === "money" && m.currency !== undefined && minorUnitsOf(m.currency) === undefined) {
      const key = `${m.currency}@${span.offset}`
      if (this.reported.has(key)) return
      this.reported.add(key)
      this.diagnostics.push({ code: "DSL214", message: `unknown currency ${JSON.stringify(m.currency)} (from the record's schema): not an ISO 4217 code`, span })
    }
  }

  /**
   * An element function: `x -> body` or a bare body over `item`. Nested element functions
   * must name their variable (a bare body inside another would silently rebind `item`), and a
   * name already in scope may not be bound again: an inner `l` hiding an outer `l` reads the
   * wrong element without a word, so both are compile errors.
   */
  lambda(e: Expr, element: Type): { readonly body: TExpr; readonly bind: string } {
    const named = e.kind === "lambda"
    const bind = named ? e.param : ITEM
    const body = named ? e.body : e
    if (this.lookupVar(bind) !== undefined) {
      if (named) {
        this.error("DSL217", `"${bind}" is already bound here; an element function may not hide it`, e.paramSpan, `choose another name: ${bind === ITEM ? "x" : `${bind}2`} -> …`)
      } else {
        this.error("DSL217", "a list function nested where `item` is already bound must name its element", e.span, "write x -> … with a new name x, e.g. filter(lines, l -> l.qty > 0)")
      }
    }
    this.scopes.push(new Map([[bind, element]]))
    try {
      return { body: this.check(body), bind }
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
        this.knownCurrency(t, e.span)
        return { k: "var", name: e.name, type: t, span: e.span }
      }
      case "field": {
        const target = this.check(e.target)
        if (target.type.t === "error") return target
        const rec = nonNull(target.type)
        if (rec.t !== "record") return this.error("DSL203", `"${e.name}" read from a value of type ${show(target.type)}`, e.nameSpan)
        const ft = fieldType(rec, e.name)
        if (ft === undefined) {
          const guess = didYouMean(e.name, Object.keys(rec.fields))
          return this.error("DSL202", `${describePath(e.target)} has no field "${e.name}"`, e.nameSpan, guess !== undefined ? `did you mean ${guess}?` : undefined)
        }
        // Reading through a missing record yields null rather than failing: `src.a?.b` semantics.
        const type = isNullable(target.type) ? T.nullable(ft) : ft
        this.knownCurrency(ft, e.nameSpan)
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
        // fromEntries defines own properties: a key "__proto__" is a field like any other.
        const types: Record<string, Type> = Object.fromEntries(fields.map(([k, v]) => [k, v.type]))
        return this.fail({ k: "record", fields, type: T.record(types, fields.map(([k]) => k)), span: e.span }, ...fields.map(([, v]) => v))
      }
      case "call": return this.call(e)
      case "lambda": return this.error("DSL205", `"${e.param} -> …" is an element function: it is only an argument of ${listFunctions()}`, e.span)
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
    const spec = builtins.get(e.fn)
    if (spec === undefined) {
      const guess = didYouMean(e.fn, functionNames)
      return this.error("DSL206", `unknown function "${e.fn}"`, e.fnSpan, guess !== undefined ? `did you mean ${guess}?` : undefined)
    }
    const named = new Map<string, Expr>()
    for (const n of e.named) {
      if (!spec.named.includes(n.name)) {
        return this.error("DSL208", `${e.fn}() has no argument named "${n.name}"`, n.nameSpan, spec.named.length > 0 ? `it takes ${spec.named.map((x) => `${x}:`).join(", ")}` : undefined)
      }
      named.set(n.name, n.value)
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

export { assignable, functionNames }
