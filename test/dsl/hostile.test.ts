import { describe, expect, it } from "@effect/vitest"
import { compileExpression, compileMapping, T, typeFromJsonSchema, type CheckEnv } from "../../dsl/index.js"
import { fromJsonLogic } from "../../dsl/jsonLogic.js"
import { currencyCodes, minorUnitsOf } from "../../dsl/iso4217.js"
import { referenceEvaluate } from "../../dsl/referenceEval.js"
import { codes, env, inputs, run, runtime } from "./fixtures.js"

/**
 * The DSL reproductions of issue #12 ("Hostile input"), one test each: every one threw, was
 * accepted or computed a wrong amount before, and now answers with a located diagnostic or
 * the right amount.
 */
const diagnostics = (source: string, e: CheckEnv = env) => {
  const c = compileExpression(source, e)
  if (c.ok) throw new Error(`${source} should not compile`)
  return c.diagnostics
}

describe("issue #12: Object.prototype names are no names of the language", () => {
  it("toString(1), hasOwnProperty(…), valueOf(), constructor() are unknown functions, not a TypeError", () => {
    for (const source of ["toString(1)", "hasOwnProperty(\"a\")", "valueOf()", "constructor(1)", "__proto__(1)", "isPrototypeOf(a)"]) {
      const [d] = diagnostics(source)
      expect(d, source).toMatchObject({ code: "DSL206", span: { line: 1, column: 1 } })
    }
  })

  it("valueOf, constructor and __proto__ are unknown names", () => {
    for (const source of ["valueOf", "constructor", "__proto__", "toString + 1", "a + hasOwnProperty"]) {
      expect(codes(source), source).toEqual(["DSL201"])
    }
  })

  it("src.constructor and src.__proto__ are unknown fields, also in nested records", () => {
    expect(codes("src.constructor")).toEqual(["DSL202"])
    expect(codes("src.__proto__")).toEqual(["DSL202"])
    expect(codes("src.price.toString")).toEqual(["DSL202"])
  })

  it("round(x, \"constructor\") is an unknown currency (was a SyntaxError in generated code)", () => {
    expect(diagnostics("round(d, \"constructor\")")[0]).toMatchObject({ code: "DSL214", span: { column: 10 } })
    expect(codes("round(d, \"__proto__\")")).toEqual(["DSL214"])
  })

  it("money(1, \"toString\") is refused as a currency", () => {
    expect(codes("money(1, \"toString\")")).toEqual(["DSL214"])
    expect(codes("fx(d, \"valueOf\", \"EUR\", on: @2026-01-01) ?? 0")).toEqual(["DSL214"])
  })

  it("{__proto__: 1} is a record with a field named __proto__, not a prototype", () => {
    const c = compileExpression("{__proto__: 1, b: 2}", env)
    if (!c.ok) throw new Error(JSON.stringify(c.diagnostics))
    const r = c.fn(inputs)
    expect(r.ok).toBe(true)
    const value = (r as { value: object }).value
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(value, "__proto__")?.value).toBe(1)
    expect(JSON.stringify(value)).toBe("{\"__proto__\":1,\"b\":2}")
    expect(codes("{__proto__: 1}.__proto__ + 1")).toEqual([])
  })

  it("a record whose data lacks a field named constructor reads null, not Object", () => {
    const e = { inputs: { r: T.record({ constructor: T.nullable(T.decimal), toString: T.nullable(T.string) }) } }
    for (const [source, want] of [["r.constructor ?? 7", "7"], ["r.toString ?? \"none\"", "none"]] as const) {
      for (const tier of ["fast", "generic"] as const) {
        const c = compileExpression(source, e, { tier })
        if (!c.ok) throw new Error(JSON.stringify(c.diagnostics))
        expect(c.fn({ r: {} }), `${source} ${tier}`).toEqual({ ok: true, value: want, fx: [] })
        expect(referenceEvaluate(c.checked, { r: {} })).toEqual({ ok: true, value: want, fx: [] })
      }
    }
  })

  it("lookup tables and JSON Logic operations named like prototype members are unknown", () => {
    expect(codes("lookup(\"constructor\", 1, default: 0)")).toEqual(["DSL211"])
    for (const rule of [{ constructor: [1, 2] }, { toString: [1] }, JSON.parse("{\"__proto__\": [1]}") as unknown, { hasOwnProperty: ["a"] }]) {
      expect(fromJsonLogic(rule).ok, JSON.stringify(rule)).toBe(false)
    }
  })

  it("a schema property or mapping field named __proto__ stays a field", () => {
    const t = typeFromJsonSchema(JSON.parse("{\"type\": \"object\", \"required\": [\"__proto__\"], \"properties\": {\"__proto__\": {\"type\": \"integer\"}}}") as Record<string, unknown>)
    const c = compileExpression("r.__proto__ + 1", { inputs: { r: t } })
    if (!c.ok) throw new Error(JSON.stringify(c.diagnostics))
    expect(c.fn({ r: JSON.parse("{\"__proto__\": 41}") as unknown })).toEqual({ ok: true, value: 42, fx: [] })
  })
})

describe("issue #12: literal sizes are bounded", () => {
  it("0. followed by 1 001 digits is DSL105 at the literal (was a TypeError)", () => {
    const source = `d + 0.${"1".repeat(1001)}`
    const [d] = diagnostics(source)
    expect(d).toMatchObject({ code: "DSL105", span: { line: 1, column: 5, offset: 4 } })
    expect(d!.message).toContain("30")
    expect(codes(`${"9".repeat(31)}`)).toEqual(["DSL105"])
    expect(codes(`${"9".repeat(31)}%`)).toEqual(["DSL105"])
    expect(codes(`round(d, ${"9".repeat(25)})`)).toEqual(["DSL205"])
  })

  it("30 digits are still exact", () => {
    expect(run(`${"9".repeat(29)}1 + 1`)).toBe(`${"9".repeat(29)}2`)
  })
})

describe("issue #12: every ISO 4217 currency, and no other", () => {
  const moneyIn = (code: string): CheckEnv => ({ inputs: { m: T.money(code) } })

  it("round(x, \"NOK\") works (was DSL214 unknown currency)", () => {
    const c = compileExpression("round(d, \"NOK\")", env)
    expect(c.ok && c.fn(inputs)).toEqual({ ok: true, value: "2.50", fx: [] })
  })

  it("money typed NOK by a schema rounds to 2 places: 1460.50 × 25 % is 365.13, not 365", () => {
    const schema = { type: "object", required: ["net"], properties: { net: { type: "string", "x-vortex-type": "money", "x-vortex-currency": "NOK" } } }
    const c = compileExpression("round(src.net * 25%)", { inputs: { src: typeFromJsonSchema(schema) } })
    if (!c.ok) throw new Error(JSON.stringify(c.diagnostics))
    expect(c.fn({ src: { net: "1460.50" } })).toEqual({ ok: true, value: "365.13", fx: [] })
  })

  it("round(x) on money of every listed currency uses its minor units", () => {
    expect(currencyCodes().length).toBeGreaterThan(150)
    for (const code of currencyCodes()) {
      const c = compileExpression("round(m)", moneyIn(code))
      if (!c.ok) throw new Error(`${code}: ${JSON.stringify(c.diagnostics)}`)
      const value = (c.fn({ m: "1.23456" }) as { value: string }).value
      const places = minorUnitsOf(code)!
      expect(value.split(".")[1]?.length ?? 0, code).toBe(places)
    }
    // The standard's exceptions, spot-checked.
    expect(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"].map(minorUnitsOf)).toEqual([3, 3, 3, 3, 3, 3, 3])
    expect(["JPY", "KRW", "ISK", "CLP", "VND", "XAF", "XOF", "UGX"].map(minorUnitsOf)).toEqual([0, 0, 0, 0, 0, 0, 0, 0])
    expect(["CLF", "UYW", "EUR", "NOK", "AED", "SAR", "RON"].map(minorUnitsOf)).toEqual([4, 4, 2, 2, 2, 2, 2])
  })

  it("\"XYZ\" is a compile error wherever it enters: round, money, fx, a schema", () => {
    for (const source of ["round(d, \"XYZ\")", "money(d, \"XYZ\")", "fx(d, \"EUR\", \"XYZ\", on: @2026-01-01) ?? 0", "round(d, \"nok\")"]) {
      expect(codes(source), source).toEqual(["DSL214"])
    }
    expect(diagnostics("round(m)", moneyIn("XYZ"))).toMatchObject([{ code: "DSL214", span: { column: 7 } }])
    expect(diagnostics("allocate(m, [1, 2]) ?? []", moneyIn("XYZ"))).toMatchObject([{ code: "DSL214", span: { column: 10 } }])
    expect(diagnostics("m * 2", moneyIn("XYZ"))[0]).toMatchObject({ code: "DSL214", span: { column: 1 } })
    expect(diagnostics("money(d, \"EUX\")")[0]!.hint).toBe("did you mean EUR?")
  })

  it("round(x) of money whose currency is known only at run time must name its places", () => {
    const c = compileExpression("round(m)", { inputs: { m: T.money() } })
    expect(c.ok ? "compiled" : c.diagnostics.map((d) => d.code)).toEqual(["DSL214"])
    expect(compileExpression("round(m, 2)", { inputs: { m: T.money() } }).ok).toBe(true)
  })
})

describe("issue #12: nested element functions name their variable", () => {
  // Each line's own unit, through a filter over the same list: 1.50 + 0.25.
  it("nested sum(filter(…)) reads the outer element when named: 1.75", () => {
    expect(run("sum(src.lines, l -> sum(filter(src.lines, m -> m.sku == l.sku), m -> m.unit))")).toBe("1.75")
    expect(run("sum(src.lines, sum(filter(src.lines, m -> m.sku == item.sku), m -> m.unit))")).toBe("1.75")
  })

  it("both binding item (the inner silently shadowed the outer) is DSL217", () => {
    const [d] = diagnostics("sum(src.lines, sum(filter(src.lines, item.sku == item.sku), item.unit))")
    expect(d).toMatchObject({ code: "DSL217", span: { column: 38 } })
    expect(d!.hint).toContain("l -> l.qty")
  })

  it("a name bound twice, or an input's name, is DSL217 at the variable", () => {
    expect(diagnostics("map(src.lines, l -> map(src.lines, l -> l.qty))")[0]).toMatchObject({ code: "DSL217", span: { column: 36 } })
    expect(codes("map(src.lines, src -> src.qty)")).toEqual(["DSL217"])
    expect(codes("map(src.lines, item -> map(src.lines, item.qty))")).toEqual(["DSL217"])
  })

  it("an element function anywhere else is DSL205, and the unnamed forms still work", () => {
    expect(codes("round(x -> 1, 2)")).toEqual(["DSL205"])
    expect(run("map(src.lines, l -> l.qty * 2)")).toEqual([4, 2])
    expect(run("count(src.lines, l -> l.qty > 1)")).toBe(1)
    expect(run("map(filter(src.lines, item.qty > 1), item.sku)")).toEqual(["x"])
  })

  it("a for: whose as: hides an input or an outer for: is DSL217", () => {
    const e = { inputs: { src: T.record({ lines: T.list(T.record({ sub: T.list(T.int) }, ["sub"])) }, ["lines"]) } }
    const hides = compileMapping({ out: { for: "src.lines", as: "src", map: { n: "1" } } }, e)
    expect(hides.ok ? [] : hides.diagnostics.map((d) => [d.code, d.fieldPath])).toEqual([["DSL217", "out.as"]])
    const unnamed = compileMapping({ out: { for: "src.lines", map: { inner: { for: "item.sub", map: { n: "item" } } } } }, e)
    expect(unnamed.ok ? [] : unnamed.diagnostics.map((d) => d.code)).toEqual(["DSL217"])
    const named = compileMapping({ out: { for: "src.lines", as: "line", map: { inner: { for: "line.sub", as: "n", map: { n: "n * 2" } } } } }, e)
    expect(named.ok && named.fn({ src: { lines: [{ sub: [1, 2] }] } })).toEqual({ ok: true, value: { out: [{ inner: [{ n: 2 }, { n: 4 }] }] }, fx: [] })
  })
})

describe("issue #12: totals per tax rate", () => {
  const line = T.record({ net: T.money("EUR"), rate: T.percent }, ["net", "rate"])
  const e = { inputs: { lines: T.list(line) } }
  const lines = [{ net: "0.33", rate: 19 }, { net: "0.33", rate: "19.0" }, { net: "0.33", rate: 19 }, { net: "1.05", rate: 7 }]
  const perRate = "sum(group(lines, l -> l.rate), g -> round(sum(g.items, l -> l.net) * g.key, 2))"

  it("group() lists each key once with its elements, in first-occurrence order", () => {
    const c = compileExpression("group(lines, l -> l.rate)", e)
    if (!c.ok) throw new Error(JSON.stringify(c.diagnostics))
    const want = [{ key: "19", items: [lines[0], lines[1], lines[2]].map((l) => ({ net: l!.net, rate: String(l!.rate) })) }, { key: "7", items: [{ net: "1.05", rate: "7" }] }]
    expect(c.fn({ lines })).toEqual({ ok: true, value: want, fx: [] })
    // The reference prints percents normalised ("19" for 19.0), so compare the grouping itself.
    const ref = referenceEvaluate(c.checked, { lines }) as { value: Array<{ key: string; items: Array<unknown> }> }
    expect(ref.value.map((g) => [g.key, g.items.length])).toEqual([["19", 3], ["7", 1]])
  })

  it("tax rounded per rate total, as lexoffice does: 0.19 + 0.07, where per line gives 0.18 + 0.07", () => {
    for (const tier of ["fast", "generic"] as const) {
      const c = compileExpression(perRate, e, { tier })
      if (!c.ok) throw new Error(JSON.stringify(c.diagnostics))
      expect(c.fn({ lines })).toEqual({ ok: true, value: "0.26", fx: [] })
      expect(referenceEvaluate(c.checked, { lines })).toEqual({ ok: true, value: "0.26", fx: [] })
    }
    const perLine = compileExpression("sum(lines, l -> round(l.net * l.rate, 2))", e)
    expect(perLine.ok && perLine.fn({ lines })).toEqual({ ok: true, value: "0.25", fx: [] })
  })

  it("a mapping lists the tax amounts per rate (lexoffice taxAmounts) from a for: over the groups", () => {
    const m = compileMapping({
      taxAmounts: { for: "group(lines, l -> l.rate)", as: "g", map: { taxRatePercentage: "g.key", netAmount: "sum(g.items, l -> l.net)", taxAmount: "round(sum(g.items, l -> l.net) * g.key, 2)" } },
      totalTax: perRate,
    }, e)
    if (!m.ok) throw new Error(JSON.stringify(m.diagnostics))
    expect(m.fn({ lines })).toEqual({
      ok: true, fx: [],
      value: {
        taxAmounts: [{ taxRatePercentage: "19", netAmount: "0.99", taxAmount: "0.19" }, { taxRatePercentage: "7", netAmount: "1.05", taxAmount: "0.07" }],
        totalTax: "0.26",
      },
    })
  })

  it("keys must be scalars", () => {
    expect(compileExpression("group(lines, l -> [l.net])", e).ok).toBe(false)
    expect(compileExpression("group(lines, l -> l)", e).ok).toBe(false)
  })
})

describe("compilation has no global switch", () => {
  it("the tier is an option of each compilation; compiling one does not change another", () => {
    const fast = compileExpression("round(d * 3, 1)", env)
    const generic = compileExpression("round(d * 3, 1)", env, { tier: "generic" })
    const again = compileExpression("round(d * 3, 1)", env)
    for (const c of [fast, generic, again]) expect(c.ok && c.fn(inputs, runtime)).toEqual({ ok: true, value: "7.5", fx: [] })
  })
})
