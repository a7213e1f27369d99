import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import type { Expr } from "../../dsl/ast.js"
import { formatDiagnostic } from "../../dsl/diagnostics.js"
import { Limits, parse } from "../../dsl/parse.js"

// A compact, span-free rendering so assertions read like the grammar.
const show = (e: Expr): string => {
  switch (e.kind) {
    case "decimal": case "int": return e.text
    case "percent": return `${e.text}%`
    case "string": return JSON.stringify(e.value)
    case "bool": return String(e.value)
    case "null": return "null"
    case "date": return `@${e.value}`
    case "name": return e.name
    case "field": return `${show(e.target)}.${e.name}`
    case "unary": return `(${e.op} ${show(e.arg)})`
    case "binary": return `(${show(e.left)} ${e.op} ${show(e.right)})`
    case "if": return `(if ${show(e.cond)} then ${show(e.then)} else ${show(e.else)})`
    case "list": return `[${e.items.map(show).join(", ")}]`
    case "record": return `{${e.fields.map((f) => `${f.key}: ${show(f.value)}`).join(", ")}}`
    case "call": return `${e.fn}(${[...e.args.map(show), ...e.named.map((n) => `${n.name}: ${show(n.value)}`)].join(", ")})`
    case "lambda": return `(${e.param} -> ${show(e.body)})`
  }
}
const ast = (s: string): string => {
  const r = parse(s)
  if (!r.ok) throw new Error(r.diagnostics.map((d) => formatDiagnostic(s, d)).join("\n"))
  return show(r.expr)
}
const codes = (s: string) => {
  const r = parse(s)
  return r.ok ? [] : r.diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.code}`)
}

describe("parser", () => {
  it("reads every literal", () => {
    expect(ast("[1, 2.50, 19%, 7.5%, \"a\\\"b\", 'c', true, false, null, @2026-01-31]"))
      .toBe("[1, 2.50, 19%, 7.5%, \"a\\\"b\", \"c\", true, false, null, @2026-01-31]")
  })
  it("reads field paths and calls with positional and named arguments", () => {
    expect(ast("round(vat_add(src.price.netPrice, 19%), 2, mode: half_even)"))
      .toBe("round(vat_add(src.price.netPrice, 19%), 2, mode: half_even)")
  })
  it("gives operators conventional precedence", () => {
    expect(ast("a + b * c - d / e")).toBe("((a + (b * c)) - (d / e))")
    expect(ast("a < b and c >= d or e != f")).toBe("(((a < b) and (c >= d)) or (e != f))")
    expect(ast("not a == b")).toBe("(not (a == b))")
    expect(ast("x ?? y or z")).toBe("(x ?? (y or z))")
    expect(ast("a in [1, 2] and b <= 3")).toBe("((a in [1, 2]) and (b <= 3))")
    expect(ast("- a * b")).toBe("((- a) * b)")
    expect(ast("(a + b) * c")).toBe("((a + b) * c)")
    expect(codes("a > b == c")).toEqual(["1:7 DSL102"])
  })
  it("reads if-then-else, lists and records", () => {
    expect(ast("if a then 1 else if b then 2 else 3")).toBe("(if a then 1 else (if b then 2 else 3))")
    expect(ast("{ sku: src.sku, \"unit price\": 1.5, tags: [] }")).toBe("{sku: src.sku, unit price: 1.5, tags: []}")
  })
  it("keeps spans with line and column", () => {
    const r = parse("1 +\n  src.price")
    if (!r.ok || r.expr.kind !== "binary") throw new Error("expected a binary expression")
    expect(r.expr.right.span).toMatchObject({ offset: 6, end: 15, line: 2, column: 3 })
  })
  it("reports every syntax error at once with line and column", () => {
    expect(codes("f(1,\n 2 +)\n + )")).toEqual(["2:5 DSL102", "3:4 DSL102"])
    expect(codes("1 $ 2 ~")).toEqual(["1:3 DSL101", "1:7 DSL101", "1:5 DSL102"])
  })
  it("draws a caret under the error", () => {
    const r = parse("round(x,, 2)")
    if (r.ok) throw new Error("expected an error")
    expect(formatDiagnostic("round(x,, 2)", r.diagnostics[0]!)).toBe(
      "1:9 DSL102 expected an expression (found \",\")\n1 | round(x,, 2)\n  |         ^",
    )
  })
  it("rejects impossible dates, duplicate keys and duplicate named arguments", () => {
    expect(codes("@2026-02-30")).toEqual(["1:1 DSL105"])
    expect(codes("{a: 1, a: 2}")).toEqual(["1:8 DSL106"])
    expect(codes("round(x, mode: up, mode: down)")).toEqual(["1:20 DSL106"])
  })
  it("enforces depth and size limits", () => {
    expect(codes("(".repeat(Limits.maxDepth + 1) + "1" + ")".repeat(Limits.maxDepth + 1))[0]).toMatch(/DSL103/)
    expect(codes("-".repeat(200) + "1")[0]).toMatch(/DSL103/)
    expect(codes(Array.from({ length: Limits.maxTokens }, () => "1").join("+"))[0]).toMatch(/DSL104/)
    expect(codes("x".repeat(Limits.maxSourceLength + 1))[0]).toMatch(/DSL104/)
  })
  it("an empty expression is a syntax error", () => {
    expect(codes("   ")).toEqual(["1:4 DSL102"])
  })
  it("never throws on arbitrary strings and always explains a failure", () => {
    const alphabet = fc.constantFrom(..."()[]{},.:+-*/<>=!?%@\"' \n abc19if then else and or not in true null".split(""))
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: alphabet, maxLength: 60 }), fc.string({ unit: "grapheme" })), (s) => {
      const r = parse(s)
      return r.ok ? r.diagnostics.length === 0 : r.diagnostics.length > 0 && r.diagnostics.every((d) => d.span.line >= 1)
    }), { numRuns: 3000 })
  })
})
