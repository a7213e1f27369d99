import type { BinaryOp, Expr } from "./ast.js"
import { functionNames } from "./check.js"
import type { Diagnostic, Span } from "./diagnostics.js"
import { formatFixed, fromNumber } from "./fixed.js"
import { Limits } from "./parse.js"

/**
 * The JSON Logic bridge: rules a visual builder emits as JSON Logic become the same AST as
 * DSL text (then checked and compiled like any rule), and an AST is exported back to JSON
 * Logic where JSON Logic can say it.
 *
 * Semantics differ from json-logic-js on purpose (documented, and pinned by test/dsl):
 * - numbers are exact decimals here; json-logic-js adds floats (0.1 + 0.2 → 0.30000000000000004);
 * - `==`/`===` both mean typed equality here (the checker refuses "1" == 1); json-logic-js `==` is JS loose equality;
 * - `and`/`or` need bools here and yield bools; json-logic-js returns the deciding operand;
 * - `/` is exact (20 digits, half-even) and must be guarded against zero; json-logic-js yields Infinity/NaN;
 * - a `var` that is missing is null and must be handled (`??`) before use; json-logic-js uses null/undefined loosely.
 * Exporting decimal literals produces JSON numbers, which json-logic-js reads as floats.
 */
const at: Span = { offset: 0, end: 0, line: 1, column: 1 }

export type FromJsonLogic = { readonly ok: true; readonly expr: Expr } | { readonly ok: false; readonly diagnostics: ReadonlyArray<Diagnostic> }

class Unsupported {
  constructor(readonly message: string) {}
}

const ours = new Set<string>(functionNames)

// Maps, so an operation named "constructor" or "toString" is unknown rather than Object's.
const binaryOps: ReadonlyMap<string, BinaryOp> = new Map(Object.entries({
  "==": "==", "===": "==", "!=": "!=", "!==": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
  "+": "+", "-": "-", "*": "*", "/": "/", and: "and", or: "or", in: "in",
} as const))
const calls: ReadonlyMap<string, string> = new Map([["cat", "concat"], ["min", "min"], ["max", "max"], ["substr", "substr"]])

const bin = (op: BinaryOp, left: Expr, right: Expr): Expr => ({ kind: "binary", op, left, right, span: at })

/**
 * The element variable of map/filter bodies: `item` at the first level; a nested body binds
 * `item_<depth>` (our nested element functions must be named, and JSON Logic's `var` there
 * only ever means the innermost element).
 */
type Scope = string | undefined

const path = (p: string, scope: Scope): Expr => {
  const parts = p === "" ? [] : p.split(".")
  let e: Expr = { kind: "name", name: scope ?? parts.shift() ?? "", span: at }
  if (scope === undefined && parts.length === 0 && p === "") throw new Unsupported("{\"var\": \"\"} outside map/filter")
  for (const name of parts) e = { kind: "field", target: e, name, nameSpan: at, span: at }
  return e
}

const convert = (rule: unknown, itemScope: Scope, depth = 0): Expr => {
  if (rule === null) return { kind: "null", span: at }
  if (typeof rule === "boolean") return { kind: "bool", value: rule, span: at }
  if (typeof rule === "string") return { kind: "string", value: rule, span: at }
  if (typeof rule === "number") {
    const f = fromNumber(rule)
    if (f === undefined) throw new Unsupported(`number ${rule}`)
    const text = formatFixed(f)
    return text.startsWith("-")
      ? { kind: "unary", op: "-", arg: { kind: f.s === 0 ? "int" : "decimal", text: text.slice(1), span: at }, span: at }
      : { kind: f.s === 0 ? "int" : "decimal", text, span: at }
  }
  if (Array.isArray(rule)) return { kind: "list", items: rule.map((r) => convert(r, itemScope, depth)), span: at }
  if (typeof rule !== "object") throw new Unsupported(`value ${String(rule)}`)
  const keys = Object.keys(rule)
  if (keys.length !== 1) throw new Unsupported("an operation object must have exactly one key")
  const op = keys[0]!
  const raw = (rule as Record<string, unknown>)[op]
  const args = Array.isArray(raw) ? raw : [raw]
  const sub = (r: unknown) => convert(r, itemScope, depth)
  if (op === "var") {
    const [p, fallback] = args
    if (typeof p !== "string" && typeof p !== "number") throw new Unsupported("var needs a path")
    const e = path(String(p), itemScope)
    return args.length > 1 ? bin("??", e, sub(fallback)) : e
  }
  if (op === "if" || op === "?:") {
    if (args.length % 2 === 0) throw new Unsupported("if needs an else branch")
    const build = (i: number): Expr =>
      i === args.length - 1 ? sub(args[i]) : { kind: "if", cond: sub(args[i]), then: sub(args[i + 1]), else: build(i + 2), span: at }
    return build(0)
  }
  if (op === "!") return { kind: "unary", op: "not", arg: sub(args[0]), span: at }
  if (op === "-" && args.length === 1) return { kind: "unary", op: "-", arg: sub(args[0]), span: at }
  if ((op === "<" || op === "<=") && args.length === 3) {
    const [a, b, c] = args.map(sub) as [Expr, Expr, Expr]
    return bin("and", bin(op, a, b), bin(op, b, c))
  }
  if (op === "map" || op === "filter") {
    const [list, body] = args
    const bind = itemScope === undefined ? "item" : `item_${depth + 1}`
    const fn = convert(body, bind, depth + 1)
    const element: Expr = itemScope === undefined ? fn : { kind: "lambda", param: bind, paramSpan: at, body: fn, span: at }
    return { kind: "call", fn: op, fnSpan: at, args: [sub(list), element], named: [], span: at }
  }
  const b = binaryOps.get(op)
  if (b !== undefined) {
    if (args.length < 2 || ((b === "/" || b === "in" || b === "-" || b === "==" || ["!=", "<", "<=", ">", ">="].includes(b)) && args.length !== 2)) {
      throw new Unsupported(`"${op}" with ${args.length} arguments`)
    }
    return args.slice(1).reduce<Expr>((acc, r) => bin(b, acc, sub(r)), sub(args[0]))
  }
  const fn = calls.get(op) ?? (ours.has(op) ? op : undefined)
  if (fn !== undefined) return { kind: "call", fn, fnSpan: at, args: args.map(sub), named: [], span: at }
  throw new Unsupported(`operation "${op}"`)
}

/**
 * Depth and size of a JSON Logic rule, walked with an explicit stack: a rule arrives as JSON
 * from a client and bypasses the text parser's limits, so it meets the same ones here before
 * any recursion (a rule nested 100 000 deep must be refused, not overflow the stack).
 */
// Each operation is two JSON levels (the object and its argument array), so twice the text limits.
const MAX_JSON_DEPTH = 2 * Limits.maxDepth + 1
const MAX_JSON_NODES = 2 * Limits.maxNodes

const tooBig = (rule: unknown): Diagnostic | undefined => {
  const stack: Array<readonly [unknown, number]> = [[rule, 1]]
  let nodes = 0
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (++nodes > MAX_JSON_NODES) return { code: "DSL104", message: `JSON Logic rule has more than ${MAX_JSON_NODES} values`, span: at }
    if (depth > MAX_JSON_DEPTH) return { code: "DSL103", message: `JSON Logic rule nested deeper than ${MAX_JSON_DEPTH} JSON levels`, span: at }
    if (typeof v === "object" && v !== null) for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push([x, depth + 1])
  }
  return undefined
}

/** JSON Logic → AST. Unsupported operations are DSL102 diagnostics, never exceptions. */
export const fromJsonLogic = (rule: unknown): FromJsonLogic => {
  const big = tooBig(rule)
  if (big !== undefined) return { ok: false, diagnostics: [big] }
  try {
    return { ok: true, expr: convert(rule, undefined) }
  } catch (x) {
    const message = x instanceof Unsupported ? `JSON Logic ${x.message} has no equivalent` : `JSON Logic rule too deep or malformed: ${String(x)}`
    return { ok: false, diagnostics: [{ code: "DSL102", message, span: at }] }
  }
}

const pathText = (e: Expr): string | undefined =>
  e.kind === "name" ? e.name : e.kind === "field" ? (pathText(e.target) === undefined ? undefined : `${pathText(e.target)}.${e.name}`) : undefined

const back = (e: Expr, item: boolean): unknown => {
  const sub = (x: Expr) => back(x, item)
  switch (e.kind) {
    case "int": case "decimal": return Number(e.text)
    case "percent": return undefined
    case "string": case "bool": case "date": return e.value
    case "null": return null
    case "name": case "field": {
      const p = pathText(e)
      if (p === undefined) return undefined
      // Inside map/filter JSON Logic sees only the element: an outer path is not expressible.
      if (item) return p === "item" ? { var: "" } : p.startsWith("item.") ? { var: p.slice(5) } : undefined
      return { var: p }
    }
    case "unary": return e.op === "not" ? { "!": [sub(e.arg)] } : { "-": [sub(e.arg)] }
    case "binary": {
      if (e.op === "??") {
        const p = pathText(e.left)
        return p === undefined ? undefined : { var: [p, sub(e.right)] }
      }
      const op = e.op === "==" ? "===" : e.op === "!=" ? "!==" : e.op
      return { [op]: [sub(e.left), sub(e.right)] }
    }
    case "if": return { if: [sub(e.cond), sub(e.then), sub(e.else)] }
    case "list": return e.items.map(sub)
    case "record": case "lambda": return undefined
    case "call": {
      if (e.named.length > 0) return undefined
      if (e.fn === "map" || e.fn === "filter") return { [e.fn]: [sub(e.args[0]!), back(e.args[1]!, true)] }
      const name = e.fn === "concat" ? "cat" : e.fn
      return { [name]: e.args.map(sub) }
    }
  }
}

const expressible = (v: unknown): boolean =>
  v !== undefined && (typeof v !== "object" || v === null || (Array.isArray(v) ? v.every(expressible) : Object.values(v).every(expressible)))

/**
 * AST → JSON Logic, or undefined when the rule uses what JSON Logic cannot say (percent
 * literals, records, named arguments, `??` on anything but a path). Equality exports as the
 * strict `===`, the closest json-logic-js has to ours.
 */
export const toJsonLogic = (e: Expr): unknown => {
  const out = back(e, false)
  return expressible(out) ? out : undefined
}
