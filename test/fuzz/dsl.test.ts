import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { compileExpression, compileMapping, ErrorCodes, formatDiagnostic, T, type Diagnostic, type MapBlock } from "../../dsl/index.js"
import { fromJsonLogic } from "../../dsl/jsonLogic.js"
import { checkExpr } from "../../dsl/check.js"

/**
 * Hostile DSL input (issue #12, item 7): whatever the text, compiling answers within a bound
 * with diagnostics that carry a known code and a position inside the source, or with a
 * function that, whatever the record, returns a result and never throws. DSL199 (the parser
 * library failing) never counts as a clear answer.
 */
const env = {
  inputs: {
    src: T.record({
      price: T.record({ net: T.money("EUR"), rate: T.percent }, ["net", "rate"]),
      lines: T.list(T.record({ sku: T.string, qty: T.int, net: T.money("EUR"), rate: T.percent }, ["sku", "qty", "net", "rate"])),
      name: T.nullable(T.string), day: T.date,
    }, ["price", "lines", "day"]),
    d: T.decimal, a: T.int, s: T.string,
  },
  tables: { t: T.decimal },
}

// Records an attacker controls: wrong shapes, prototype names as data, huge and odd numbers.
const hostileRecords: ReadonlyArray<Record<string, unknown>> = [
  {},
  { src: null, d: null },
  { src: { price: { net: "1e400", rate: "NaN" }, lines: "x", day: 7 }, d: "-0", a: 1e308, s: 5 },
  JSON.parse("{\"src\": {\"__proto__\": {\"price\": 1}, \"constructor\": 2, \"lines\": [{\"__proto__\": 1}]}, \"d\": \"0.1\"}") as Record<string, unknown>,
  { src: { price: { net: 12.5, rate: 19 }, lines: [{ sku: "a", qty: 2, net: "1.10", rate: 7 }, { sku: "b", qty: -1, net: 0.3, rate: "7.0" }], name: null, day: "2026-01-31" }, d: "123456789012345678901234567890.5", a: 3, s: "x" },
]

const BOUND_MS = 2_000

/** Compiles, checks the answer is clear and located, runs what compiled on hostile records. */
const assertClear = (source: string): void => {
  const started = performance.now()
  let c: ReturnType<typeof compileExpression>
  expect(() => { c = compileExpression(source, env) }, source.slice(0, 200)).not.toThrow()
  const compiled = c!
  if (!compiled.ok) assertDiagnostics(source, compiled.diagnostics)
  else {
    for (const record of hostileRecords) {
      const r = compiled.fn(record, { tables: { t: { "1": "2" } }, rates: () => ({ rate: "NaN", date: "x", source: "x" }) })
      expect(typeof r.ok, source).toBe("boolean")
      if (!r.ok) expect(r.error.startsWith("internal error"), `${source}: ${r.error}`).toBe(false)
    }
  }
  expect(performance.now() - started, source.slice(0, 200)).toBeLessThan(BOUND_MS)
}

const assertDiagnostics = (source: string, ds: ReadonlyArray<Diagnostic>): void => {
  expect(ds.length, source).toBeGreaterThan(0)
  for (const d of ds) {
    expect(Object.hasOwn(ErrorCodes, d.code), `${source}: ${d.code}`).toBe(true)
    expect(d.code, `${source}: ${d.message}`).not.toBe("DSL199")
    expect(d.message.length).toBeGreaterThan(0)
    expect(d.span.offset).toBeGreaterThanOrEqual(0)
    expect(d.span.offset).toBeLessThanOrEqual(source.length)
    expect(d.span.line).toBeGreaterThanOrEqual(1)
    expect(d.span.column).toBeGreaterThanOrEqual(1)
    expect(() => formatDiagnostic(source, d)).not.toThrow()
  }
}

// Every name an object literal inherits, and a few Function.prototype ones.
const prototypeNames = [...new Set([...Object.getOwnPropertyNames(Object.prototype), "call", "apply", "bind", "prototype", "length", "name"])]
const prototypeTemplates: ReadonlyArray<(n: string) => string> = [
  (n) => n,
  (n) => `${n}(1)`,
  (n) => `src.${n}`,
  (n) => `src.price.${n} ?? 0`,
  (n) => `{${n}: 1}`,
  (n) => `{"${n}": d}.${n}`,
  (n) => `round(d, "${n}")`,
  (n) => `money(1, "${n}")`,
  (n) => `fx(d, "${n}", "EUR", on: src.day) ?? 0`,
  (n) => `lookup("${n}", 1, default: 0)`,
  (n) => `round(d, 2, mode: ${n})`,
  (n) => `map(src.lines, ${n} -> ${n}.qty)`,
  (n) => `sum(src.lines, l -> l.${n} ?? 0)`,
]

const huge = [
  `0.${"1".repeat(1001)}`, "9".repeat(31), `${"9".repeat(31)}%`, `d * 0.${"0".repeat(40)}1`, `round(d, ${"9".repeat(400)})`,
  "1".repeat(20_001), "@9999-99-99", "@2026-02-30", `"${"x".repeat(19_990)}"`, `${"1+".repeat(2_600)}1`,
  `substr(s, ${"9".repeat(30)})`, `round(d / 0.${"0".repeat(27)}1, 18) ?? 0`, "999999999999999999999999999999 * 999999999999999999999999999999",
]

const deep = [
  "(".repeat(10_000) + "1" + ")".repeat(10_000), "[".repeat(5_000), "-".repeat(5_000) + "1", "not ".repeat(5_000) + "true",
  "if a > 1 then ".repeat(2_000) + "1" + " else 2".repeat(2_000), "abs(".repeat(3_000) + "d" + ")".repeat(3_000),
  `src${".x".repeat(2_400)}`, "{a: ".repeat(3_000) + "1" + "}".repeat(3_000), "round(".repeat(60) + "d" + ", 2)".repeat(60),
  "map(src.lines, " + Array.from({ length: 40 }, (_, i) => `x${i} -> map(src.lines, `).join("") + "z -> 1" + "))".repeat(40) + ")",
  "sum(src.lines, " + "sum(src.lines, ".repeat(30) + "1" + ")".repeat(31),
]

const unicode = [
  "ä + 1", "src.prïce", "\u0000", "d\u0000+1", "\u202e1 + 2", "\u200b", "１２３", "d + 1\uFF05", "\uD800", "\"\uD800\"",
  "\"😀\" == s", "😀", "s == \"\u2028\"", "# comment \u2029 d", "'\\u0000' == s", "\"\\uD800\"", "concat(s, \"\u{10FFFF}\")", "\t\r\n",
  "d\u00a0+\u00a01", "Ⅻ + 1", "ǅ", "i\u0307", "＠2026-01-01",
]

const soupTokens = [
  "(", ")", "[", "]", "{", "}", ",", ":", ".", "->", "??", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%",
  "if", "then", "else", "and", "or", "not", "in", "true", "false", "null", "src", "d", "a", "s", "item", "l", "x",
  "round", "sum", "map", "filter", "group", "count", "lookup", "fx", "money", "allocate", "concat", "__proto__", "constructor",
  "toString", "1", "0.5", "19%", "\"EUR\"", "\"XYZ\"", "@2026-01-31", "mode:", "default:", "on:", "half_up", "price", "lines", "qty", "net",
]

describe("DSL fuzz: hostile expressions get a clear, located answer in bounded time", () => {
  it("prototype names in every position (names, fields, keys, currencies, tables, modes, element variables)", () => {
    const sources = prototypeNames.flatMap((n) => prototypeTemplates.map((t) => t(n)))
    expect(sources.length).toBeGreaterThanOrEqual(100)
    for (const source of sources) assertClear(source)
  })

  it("huge literals, deep nesting and odd unicode", () => {
    for (const source of [...huge, ...deep, ...unicode]) assertClear(source)
  })

  it("random token soup", () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...soupTokens), { maxLength: 40 }), (tokens) => assertClear(tokens.join(" "))), { numRuns: 400 })
  })

  it("random strings, including lone surrogates and control characters", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 60 }), (source) => assertClear(source)), { numRuns: 300 })
  })
})

describe("DSL fuzz: hostile mappings and JSON Logic", () => {
  it("field names, as: names and for: lists named like prototype members", () => {
    for (const n of prototypeNames) {
      const blocks: ReadonlyArray<MapBlock> = [
        JSON.parse(`{${JSON.stringify(n)}: "d", "b": "src.${n} ?? 0"}`) as MapBlock,
        { out: { for: "src.lines", as: n, map: { q: `${n}.qty` } } },
        { out: { for: `src.${n}`, map: { q: "1" } } },
      ]
      for (const block of blocks) {
        let m: ReturnType<typeof compileMapping> | undefined
        expect(() => { m = compileMapping(block, env) }, JSON.stringify(block)).not.toThrow()
        if (m!.ok) for (const r of hostileRecords) expect(typeof m!.fn(r).ok).toBe("boolean")
        else for (const d of m!.diagnostics) expect(Object.hasOwn(ErrorCodes, d.code), d.code).toBe(true)
      }
    }
  })

  it("JSON Logic nested 5 000 and 100 000 deep, and 50 000 wide, is refused quickly", () => {
    for (const depth of [5_000, 100_000]) {
      let rule: unknown = 1
      for (let i = 0; i < depth; i++) rule = { "+": [rule, 1] }
      const started = performance.now()
      const r = fromJsonLogic(rule)
      expect(r.ok ? "accepted" : r.diagnostics.map((d) => d.code)).toEqual(["DSL103"])
      expect(performance.now() - started).toBeLessThan(BOUND_MS)
    }
    const wide = fromJsonLogic({ "+": Array.from({ length: 50_000 }, () => 1) })
    expect(wide.ok ? "accepted" : wide.diagnostics.map((d) => d.code)).toEqual(["DSL104"])
  })

  it("random JSON values as JSON Logic never throw, and what converts checks without throwing", () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), (rule) => {
      const r = fromJsonLogic(rule)
      if (r.ok) expect(() => checkExpr(r.expr, env)).not.toThrow()
      else expect(r.diagnostics.every((d) => Object.hasOwn(ErrorCodes, d.code))).toBe(true)
    }), { numRuns: 300 })
  })
})
