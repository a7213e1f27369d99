import type { Span } from "./diagnostics.js"

/** The untyped syntax tree. Every node keeps its source span for diagnostics. */
export type Expr =
  | { readonly kind: "decimal"; readonly text: string; readonly span: Span }
  | { readonly kind: "int"; readonly text: string; readonly span: Span }
  /** `19%`: `text` is the number of percent as written ("19"). */
  | { readonly kind: "percent"; readonly text: string; readonly span: Span }
  | { readonly kind: "string"; readonly value: string; readonly span: Span }
  | { readonly kind: "bool"; readonly value: boolean; readonly span: Span }
  | { readonly kind: "null"; readonly span: Span }
  | { readonly kind: "date"; readonly value: string; readonly span: Span }
  /** A bare name: an input (`src`), the loop item, or a symbol such as a rounding mode. */
  | { readonly kind: "name"; readonly name: string; readonly span: Span }
  | { readonly kind: "field"; readonly target: Expr; readonly name: string; readonly nameSpan: Span; readonly span: Span }
  | { readonly kind: "unary"; readonly op: "-" | "not"; readonly arg: Expr; readonly span: Span }
  | { readonly kind: "binary"; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr; readonly span: Span }
  | { readonly kind: "if"; readonly cond: Expr; readonly then: Expr; readonly else: Expr; readonly span: Span }
  | { readonly kind: "list"; readonly items: ReadonlyArray<Expr>; readonly span: Span }
  | { readonly kind: "record"; readonly fields: ReadonlyArray<RecordEntry>; readonly span: Span }
  | {
    readonly kind: "call"
    readonly fn: string
    readonly fnSpan: Span
    readonly args: ReadonlyArray<Expr>
    readonly named: ReadonlyArray<NamedArg>
    readonly span: Span
  }
  /** `l -> body`: an element function, only as an argument of a list built-in. */
  | { readonly kind: "lambda"; readonly param: string; readonly paramSpan: Span; readonly body: Expr; readonly span: Span }

export type BinaryOp = "or" | "and" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "+" | "-" | "*" | "/" | "??"

export interface RecordEntry { readonly key: string; readonly keySpan: Span; readonly value: Expr }
export interface NamedArg { readonly name: string; readonly nameSpan: Span; readonly value: Expr }

export const children = (e: Expr): ReadonlyArray<Expr> => {
  switch (e.kind) {
    case "field": return [e.target]
    case "unary": return [e.arg]
    case "binary": return [e.left, e.right]
    case "if": return [e.cond, e.then, e.else]
    case "list": return e.items
    case "record": return e.fields.map((f) => f.value)
    case "call": return [...e.args, ...e.named.map((n) => n.value)]
    case "lambda": return [e.body]
    default: return []
  }
}
