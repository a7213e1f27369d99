import { children, type Expr } from "./ast.js"
import { toExpr, tokenSpan } from "./cstToAst.js"
import { spanAt, type Diagnostic } from "./diagnostics.js"
import { parser } from "./parser.js"
import { lexer } from "./tokens.js"

/**
 * Limits keep every accepted rule cheap to check and evaluate (cel-js uses the same idea):
 * nothing a config author writes by hand comes near them.
 */
export const Limits = { maxSourceLength: 20_000, maxTokens: 5_000, maxDepth: 48, maxNodes: 2_000, maxLiteralDigits: 30 } as const

export type ParseResult =
  | { readonly ok: true; readonly expr: Expr; readonly diagnostics: ReadonlyArray<never> }
  | { readonly ok: false; readonly diagnostics: ReadonlyArray<Diagnostic> }

const validDate = (iso: string): boolean => {
  const [y, m, d] = iso.split("-").map(Number) as [number, number, number]
  const date = new Date(Date.UTC(y, m - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d
}

const measure = (e: Expr, depth: number, acc: { nodes: number; depth: number }, bad: Array<Diagnostic>): void => {
  acc.nodes++
  if (depth > acc.depth) acc.depth = depth
  // Exact decimals of any size would be exact, but no price or rate needs more than 30 digits,
  // and a bound keeps a hostile literal (a thousand digits) from costing bigint work per record.
  if ((e.kind === "int" || e.kind === "decimal" || e.kind === "percent") && e.text.length > Limits.maxLiteralDigits) {
    bad.push({ code: "DSL105", message: `number literal longer than ${Limits.maxLiteralDigits} characters`, span: e.span })
  }
  if (e.kind === "date" && !validDate(e.value)) bad.push({ code: "DSL105", message: `@${e.value} is not a calendar date`, span: e.span })
  if (e.kind === "record") {
    const seen = new Set<string>()
    for (const f of e.fields) {
      if (seen.has(f.key)) bad.push({ code: "DSL106", message: `key "${f.key}" appears twice`, span: f.keySpan })
      seen.add(f.key)
    }
  }
  if (e.kind === "call") {
    const seen = new Set<string>()
    for (const n of e.named) {
      if (seen.has(n.name)) bad.push({ code: "DSL106", message: `named argument "${n.name}" given twice`, span: n.nameSpan })
      seen.add(n.name)
    }
  }
  for (const c of children(e)) measure(c, depth + 1, acc, bad)
}

/**
 * Source text → AST, or every lexical and syntax error at once. Never throws: a failure
 * inside the parser library itself (it should not happen) becomes DSL199.
 */
export const parse = (source: string): ParseResult => {
  try {
    return parseUnsafe(source)
  } catch (cause) {
    const deep = cause instanceof RangeError
    return {
      ok: false,
      diagnostics: [{
        code: deep ? "DSL103" : "DSL199",
        message: deep ? "expression nested too deeply" : `the parser failed: ${String(cause)}`,
        span: spanAt(source, 0),
      }],
    }
  }
}

const parseUnsafe = (source: string): ParseResult => {
  if (source.length > Limits.maxSourceLength) {
    return { ok: false, diagnostics: [{ code: "DSL104", message: `expression longer than ${Limits.maxSourceLength} characters`, span: spanAt(source, 0) }] }
  }
  const lexed = lexer.tokenize(source)
  const diagnostics: Array<Diagnostic> = lexed.errors.map((e) => ({
    code: "DSL101" as const,
    message: `unexpected character ${JSON.stringify(source.slice(e.offset, e.offset + e.length).slice(0, 10))}`,
    span: { offset: e.offset, end: e.offset + e.length, line: e.line ?? 1, column: e.column ?? 1 },
  }))
  if (lexed.tokens.length > Limits.maxTokens) {
    return { ok: false, diagnostics: [...diagnostics, { code: "DSL104", message: `expression has more than ${Limits.maxTokens} tokens`, span: spanAt(source, 0) }] }
  }
  // Reject deep nesting before the recursive-descent parser sees it, so it cannot exhaust the stack.
  let depth = 0
  let prefixRun = 0
  for (const t of lexed.tokens) {
    const n = t.tokenType.name
    if (n === "LParen" || n === "LBracket" || n === "LBrace" || n === "If") depth++
    else if (n === "RParen" || n === "RBracket" || n === "RBrace") depth--
    prefixRun = n === "Minus" || n === "Not" ? prefixRun + 1 : 0
    if (depth > Limits.maxDepth || prefixRun > Limits.maxDepth) {
      return { ok: false, diagnostics: [...diagnostics, { code: "DSL103", message: `expression nested deeper than ${Limits.maxDepth} levels`, span: tokenSpan(t) }] }
    }
  }

  parser.input = lexed.tokens
  const cst = parser.expression()
  for (const e of parser.errors) {
    const t = e.token
    const atEnd = t.tokenType.name === "EOF" || Number.isNaN(t.startOffset)
    const span = atEnd ? spanAt(source, source.length) : tokenSpan(t)
    const found = atEnd ? "end of input" : JSON.stringify(t.image)
    diagnostics.push({ code: "DSL102", message: `${describe(e.message)} (found ${found})`, span })
  }
  if (diagnostics.length > 0 || cst === undefined) {
    if (diagnostics.length === 0) diagnostics.push({ code: "DSL102", message: "empty expression", span: spanAt(source, 0) })
    return { ok: false, diagnostics: dedupe(diagnostics) }
  }
  const expr = toExpr(cst)
  const acc = { nodes: 0, depth: 0 }
  const bad: Array<Diagnostic> = []
  measure(expr, 1, acc, bad)
  if (acc.nodes > Limits.maxNodes) bad.push({ code: "DSL104", message: `expression has ${acc.nodes} nodes, more than ${Limits.maxNodes}`, span: expr.span })
  if (acc.depth > Limits.maxDepth) bad.push({ code: "DSL103", message: `expression nested deeper than ${Limits.maxDepth} levels`, span: expr.span })
  return bad.length > 0 ? { ok: false, diagnostics: bad } : { ok: true, expr, diagnostics: [] }
}

// Chevrotain's messages name token types ("Expecting token of type --> RParen <--"); say it in the author's words.
const tokenWords: Record<string, string> = {
  RParen: "\")\"", LParen: "\"(\"", RBracket: "\"]\"", RBrace: "\"}\"", Comma: "\",\"", Colon: "\":\"",
  Then: "\"then\"", Arrow: "\"->\"", Else: "\"else\"", Identifier: "a name", EOF: "end of input",
}
const describe = (message: string): string => {
  const expecting = /Expecting token of type --> (\w+) <--/.exec(message)
  if (expecting !== null) return `expected ${tokenWords[expecting[1]!] ?? expecting[1]}`
  if (message.startsWith("Expecting: one of these possible Token sequences") || message.startsWith("Expecting: expecting at least one")) {
    return "expected an expression"
  }
  if (message.startsWith("Redundant input")) return "unexpected input after the expression"
  return message.split("\n")[0]!
}

const dedupe = (ds: ReadonlyArray<Diagnostic>): ReadonlyArray<Diagnostic> => {
  const seen = new Set<string>()
  return ds.filter((d) => {
    const key = `${d.span.offset}:${d.code}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
