import { describe, expect, it } from "@effect/vitest"
import { compileMapping, T, typeFromJsonSchema } from "../../dsl/index.js"
import { article, env, runtime } from "./fixtures.js"

const target = typeFromJsonSchema({
  type: "object", required: ["sku", "price"],
  properties: {
    sku: { type: "string" }, name: { type: "string" },
    price: { type: "string", "x-vortex-type": "money" },
    tax_class_id: { type: "integer" },
    meta: { type: "object", properties: { source: { type: "string" }, day: { type: "string", format: "date" } } },
    lines: { type: "array", items: { type: "object", required: ["sku"], properties: { sku: { type: "string" }, total: { type: "number", "x-vortex-type": "decimal" } } } },
  },
})

describe("record mappings", () => {
  it("keeps output field names verbatim, whatever characters they hold", () => {
    const names = ["a\"b", "back\\slash", "line\nbreak", "2", "10", "constructor", "${x}", "`tick`", "ünï", "__proto__"]
    for (const set of [names, names.filter((n) => n !== "__proto__")]) {
      const m = compileMapping(Object.fromEntries(set.map((n, i) => [n, `${i} + a`])), { inputs: { a: T.int } })
      if (!m.ok) throw new Error(JSON.stringify(m.diagnostics))
      const r = m.fn({ a: 1 })
      if (!r.ok) throw new Error(r.error)
      const out = r.value as Record<string, unknown>
      for (const [i, n] of set.entries()) if (n !== "__proto__") expect(Object.getOwnPropertyDescriptor(out, n)?.value, n).toBe(i + 1)
      expect(Object.keys(out).filter((k) => k !== "__proto__").sort()).toEqual(set.filter((n) => n !== "__proto__").sort())
    }
  })

  it("compiles a block with nested records and a for-list into one function", () => {
    const m = compileMapping({
      sku: "src.articleNumber",
      name: "trim(src.title)",
      price: "round(vat_add(src.price.netPrice, percent(src.price.taxRate)), 2, mode: half_up)",
      tax_class_id: "lookup(\"bc_tax_class\", src.price.taxRate, default: 0)",
      meta: { source: "\"lexoffice\"", day: "src.orderDate" },
      lines: { for: "src.lines", map: { sku: "upper(item.sku)", total: "item.unit * item.qty" } },
    }, { ...env, target })
    if (!m.ok) throw new Error(JSON.stringify(m.diagnostics))
    expect(m.fn({ src: article }, runtime)).toEqual({
      ok: true, fx: [],
      value: {
        sku: "A1", name: "Mug", price: "11.90", tax_class_id: 1,
        meta: { source: "lexoffice", day: "2026-01-31" },
        lines: [{ sku: "X", total: "3.00" }, { sku: "Y", total: "0.25" }],
      },
    })
  })
  it("reports every problem with the field path it belongs to", () => {
    const m = compileMapping({
      sku: "src.articleNumbr",
      prise: "1",
      name: "src.price.netPrice",
      tax_class_id: "src.quantity", // optional target: a nullable int fits
      lines: { for: "src.title", map: { sku: "item" } },
    }, { ...env, target })
    if (m.ok) throw new Error("should not compile")
    expect(m.diagnostics.map((d) => [d.fieldPath, d.code])).toEqual([
      ["sku", "DSL202"], ["prise", "DSL301"], ["name", "DSL303"], ["lines.for", "DSL304"], ["price", "DSL302"],
    ])
    expect(m.diagnostics[1]!.hint).toBe("did you mean price?")
    const nullable = compileMapping({ sku: "src.note", price: "1" }, { ...env, target })
    expect(nullable.ok ? [] : nullable.diagnostics.map((d) => [d.code, d.hint])).toEqual([["DSL303", "the value may be null: add ?? <default>"]])
  })
  it("an entry that is neither an expression, a block nor a for-list is DSL304", () => {
    const m = compileMapping({ sku: "src.articleNumber", price: "1", name: [] as unknown as string }, { ...env, target })
    expect(m.ok ? [] : m.diagnostics.map((d) => d.code)).toEqual(["DSL304"])
  })
  it("a field that fails fails the whole mapping; nothing half-built escapes", () => {
    const m = compileMapping({ sku: "src.articleNumber", price: "src.price.netPrice * 2" }, { ...env, target })
    if (!m.ok) throw new Error("should compile")
    expect(m.fn({ src: { articleNumber: "A", price: { netPrice: "x" } } })).toMatchObject({ ok: false })
  })
  it("without a target type, any block compiles and YAML numbers are literals", () => {
    const m = compileMapping({ n: 3, ok: true, k: null }, { inputs: { src: T.record({}) } })
    expect(m.ok && m.fn({ src: {} })).toEqual({ ok: true, value: { n: 3, ok: true, k: null }, fx: [] })
  })
})

describe("for-lists in pipeline form", () => {
  it("binds `as:` names, keeps elements by `when:` and appends extra elements", () => {
    const m = compileMapping({
      lines: {
        for: "src.lines", as: "line", when: "line.qty > 1",
        map: { sku: "line.sku", total: "line.unit * line.qty" },
        append: [{ when: "count(src.lines) > 1", map: { sku: "\"shipping\"", total: "4.90" } }, { when: "false", map: { sku: "\"never\"", total: "0" } }],
      },
    }, env)
    if (!m.ok) throw new Error(JSON.stringify(m.diagnostics))
    expect(m.fn({ src: article }, runtime)).toEqual({ ok: true, fx: [], value: { lines: [{ sku: "x", total: "3.00" }, { sku: "shipping", total: "4.90" }] } })
  })
  it("a loop variable never shares a cached value across elements", () => {
    const m = compileMapping({ a: { for: "src.lines", as: "l", map: { v: "l.qty * 2" } }, b: { for: "src.lines", as: "l", map: { v: "l.qty * 2" } } }, env)
    expect(m.ok && m.fn({ src: article }, runtime)).toMatchObject({ value: { a: [{ v: 4 }, { v: 2 }], b: [{ v: 4 }, { v: 2 }] } })
  })
  it("a rule-store reference is reported, not evaluated", () => {
    const m = compileMapping({ sku: { rule: "sku-rule" } as never }, env)
    expect(m.ok ? [] : m.diagnostics.map((d) => d.code)).toEqual(["DSL304"])
  })
})
