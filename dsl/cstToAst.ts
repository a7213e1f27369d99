import type { CstElement, CstNode, IToken } from "chevrotain"
import type { BinaryOp, Expr, NamedArg, RecordEntry } from "./ast.js"
import { joinSpans, type Span } from "./diagnostics.js"

/**
 * CST → AST. Runs only on a parse without errors, so every label the grammar makes mandatory
 * is present; a missing one is a bug here, reported as an internal failure by `parse`.
 */
const isToken = (e: CstElement): e is IToken => "image" in e

export const tokenSpan = (t: IToken): Span => ({
  offset: t.startOffset,
  end: (t.endOffset ?? t.startOffset) + 1,
  line: t.startLine ?? 1,
  column: t.startColumn ?? 1,
})

const nodes = (n: CstNode, label: string): ReadonlyArray<CstNode> =>
  (n.children[label] ?? []).filter((e): e is CstNode => !isToken(e))
const tokens = (n: CstNode, label: string): ReadonlyArray<IToken> => (n.children[label] ?? []).filter(isToken)
const node = (n: CstNode, label: string): CstNode => {
  const found = nodes(n, label)[0]
  if (found === undefined) throw new Error(`CST node ${n.name} lacks ${label}`)
  return found
}
const token = (n: CstNode, label: string): IToken => {
  const found = tokens(n, label)[0]
  if (found === undefined) throw new Error(`CST node ${n.name} lacks token ${label}`)
  return found
}

const unescape = (quoted: string): string =>
  quoted.slice(1, -1).replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) => {
    if (c.length === 5) return String.fromCharCode(parseInt(c.slice(1), 16))
    switch (c) {
      case "n": return "\n"
      case "t": return "\t"
      case "r": return "\r"
      default: return c
    }
  })

// Left-associative chain of one precedence level.
const chain = (n: CstNode, sub: (c: CstNode) => Expr): Expr => {
  const operands = nodes(n, "operands").map(sub)
  const ops = tokens(n, "operators")
  let acc = operands[0]!
  ops.forEach((op, i) => {
    const right = operands[i + 1]!
    acc = { kind: "binary", op: op.image as BinaryOp, left: acc, right, span: joinSpans(acc.span, right.span) }
  })
  return acc
}

export const toExpr = (n: CstNode): Expr => chain(n, orExpr)
const orExpr = (n: CstNode): Expr => chain(n, andExpr)
const andExpr = (n: CstNode): Expr => chain(n, notExpr)

const notExpr = (n: CstNode): Expr => {
  if (n.children["not"] !== undefined) {
    const arg = notExpr(node(n, "operand"))
    return { kind: "unary", op: "not", arg, span: joinSpans(tokenSpan(token(n, "not")), arg.span) }
  }
  return compareExpr(node(n, "compare"))
}

const compareExpr = (n: CstNode): Expr => chain(n, additive)
const additive = (n: CstNode): Expr => chain(n, multiplicative)
const multiplicative = (n: CstNode): Expr => chain(n, unary)

const unary = (n: CstNode): Expr => {
  if (n.children["minus"] !== undefined) {
    const arg = unary(node(n, "operand"))
    return { kind: "unary", op: "-", arg, span: joinSpans(tokenSpan(token(n, "minus")), arg.span) }
  }
  return postfix(node(n, "postfix"))
}

const postfix = (n: CstNode): Expr => {
  let acc = primary(node(n, "primary"))
  for (const f of tokens(n, "fields")) {
    const nameSpan = tokenSpan(f)
    acc = { kind: "field", target: acc, name: f.image, nameSpan, span: joinSpans(acc.span, nameSpan) }
  }
  return acc
}

const primary = (n: CstNode): Expr => {
  const lit = tokens(n, "literal")[0]
  if (lit !== undefined) return literal(lit)
  const [label, child] = Object.entries(n.children)[0]!
  const c = child[0] as CstNode
  switch (label) {
    case "ifExpr": {
      const cond = toExpr(node(c, "cond"))
      const els = toExpr(node(c, "else"))
      return { kind: "if", cond, then: toExpr(node(c, "then")), else: els, span: joinSpans(tokenSpan(token(c, "if")), els.span) }
    }
    case "paren": return toExpr(node(c, "inner"))
    case "list": return {
      kind: "list",
      items: nodes(c, "items").map(toExpr),
      span: joinSpans(tokenSpan(token(c, "open")), tokenSpan(token(c, "close"))),
    }
    case "record": return {
      kind: "record",
      fields: nodes(c, "entries").map((e): RecordEntry => {
        const k = token(e, "key")
        return { key: k.image.startsWith("\"") || k.image.startsWith("'") ? unescape(k.image) : k.image, keySpan: tokenSpan(k), value: toExpr(node(e, "value")) }
      }),
      span: joinSpans(tokenSpan(token(c, "open")), tokenSpan(token(c, "close"))),
    }
    default: return callOrName(c)
  }
}

const callOrName = (n: CstNode): Expr => {
  const nameTok = token(n, "name")
  const nameSpan = tokenSpan(nameTok)
  if (n.children["open"] === undefined) return { kind: "name", name: nameTok.image, span: nameSpan }
  const args: Array<Expr> = []
  const named: Array<NamedArg> = []
  for (const a of nodes(n, "args")) {
    const param = tokens(a, "param")[0]
    const value: Expr = param === undefined ? toExpr(node(a, "value")) : lambda(param, toExpr(node(a, "body")))
    const argName = tokens(a, "name")[0]
    if (argName === undefined) args.push(value)
    else named.push({ name: argName.image, nameSpan: tokenSpan(argName), value })
  }
  return { kind: "call", fn: nameTok.image, fnSpan: nameSpan, args, named, span: joinSpans(nameSpan, tokenSpan(token(n, "close"))) }
}

const lambda = (param: IToken, body: Expr): Expr => {
  const paramSpan = tokenSpan(param)
  return { kind: "lambda", param: param.image, paramSpan, body, span: joinSpans(paramSpan, body.span) }
}

const literal = (t: IToken): Expr => {
  const span = tokenSpan(t)
  switch (t.tokenType.name) {
    case "DecimalLiteral": return { kind: "decimal", text: t.image, span }
    case "IntLiteral": return { kind: "int", text: t.image, span }
    case "PercentLiteral": return { kind: "percent", text: t.image.slice(0, -1), span }
    case "StringLiteral": return { kind: "string", value: unescape(t.image), span }
    case "DateLiteral": return { kind: "date", value: t.image.slice(1), span }
    case "True": return { kind: "bool", value: true, span }
    case "False": return { kind: "bool", value: false, span }
    default: return { kind: "null", span }
  }
}
