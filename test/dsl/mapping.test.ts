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

describe("the target type decides", () => {
  const kinds = T.record({ kind: T.enum(["gross", "net", "vatfree"]), note: T.nullable(T.enum(["a", "b"])) }, ["kind"])
  const inputs = { src: T.record({ net: T.bool, title: T.string }, ["net", "title"]) }

  it("a quoted literal fills an enum field when it is a member, also chosen by if or ??", () => {
    const m = compileMapping({ kind: "if src.net then \"net\" else \"gross\"", note: "\"a\"" }, { inputs, target: kinds })
    if (!m.ok) throw new Error(JSON.stringify(m.diagnostics))
    expect(m.type).toEqual(T.record({ kind: T.enum(["net", "gross"]), note: T.enum(["a"]) }, ["kind", "note"]))
    expect(m.fn({ src: { net: true, title: "x" } })).toEqual({ ok: true, value: { kind: "net", note: "a" }, fx: [] })
  })

  it("a literal that is not a member is DSL212 at its characters, with the member it resembles", () => {
    const kind = "if src.net then \"net\" else \"gros\""
    const m = compileMapping({ kind }, { inputs, target: kinds })
    expect(m.ok ? [] : m.diagnostics.map((d) => [d.fieldPath, d.code, d.message, d.hint, d.span.offset])).toEqual([
      ["kind", "DSL212", "\"gros\" is not one of \"gross\", \"net\", \"vatfree\"", "did you mean \"gross\"?", kind.indexOf("\"gros\"")],
    ])
  })

  it("text that is not a literal still does not fit an enum field (DSL303)", () => {
    const m = compileMapping({ kind: "src.title" }, { inputs, target: kinds })
    expect(m.ok ? [] : m.diagnostics.map((d) => d.code)).toEqual(["DSL303"])
  })

  it("nested records and list elements holding member literals fit their targets", () => {
    const target = T.record({ lines: T.list(T.record({ unit: T.record({ kind: T.enum(["gross", "net"]) }, ["kind"]) }, ["unit"])) }, ["lines"])
    const m = compileMapping({ lines: { for: "[1, 2]", map: { unit: { kind: "\"gross\"" } } } }, { inputs, target })
    expect(m.ok ? m.fn({ src: {} }) : m.diagnostics).toEqual({ ok: true, fx: [], value: { lines: [{ unit: { kind: "gross" } }, { unit: { kind: "gross" } }] } })
  })

  describe("money whose currency is known only at run time", () => {
    const order = { src: T.record({ amount: T.money(), currency: T.string, on: T.date, eur: T.money("EUR") }, ["amount", "currency", "on", "eur"]) }
    const eur = T.record({ price: T.money("EUR") }, ["price"])
    const codes = (price: string, target = eur) => {
      const m = compileMapping({ price }, { inputs: order, target })
      return m.ok ? [] : m.diagnostics.map((d) => [d.code, d.hint])
    }
    const hint = "convert it: fx(<amount>, <its currency>, \"EUR\", on: <date>); it stays as it is when the currencies agree"

    it("does not fill a money(EUR) field, nor does arithmetic on it", () => {
      expect(codes("src.amount")).toEqual([["DSL213", hint]])
      expect(codes("round(src.amount * 2, 2)")).toEqual([["DSL213", hint]])
      expect(codes("fx(src.eur, \"EUR\", src.currency, on: src.on, default: 0)")).toEqual([["DSL213", hint]])
    })

    it("is not relabelled by money()", () => {
      expect(codes("money(src.amount, \"EUR\")").map(([c]) => c)).toEqual(["DSL213"])
      expect(codes("money(src.eur, \"USD\")").map(([c]) => c)).toEqual(["DSL213"])
      expect(codes("money(src.eur, \"EUR\")")).toEqual([])
    })

    it("fills it once converted with fx to EUR; unchanged when the order is in EUR, at the recorded rate when not", () => {
      expect(codes("round(fx(src.amount, src.currency, \"EUR\", on: src.on) ?? 0, 4)")).toEqual([])
      const m = compileMapping({ price: "round(fx(src.amount, src.currency, \"EUR\", on: src.on) ?? 0, 2)" }, { inputs: order, target: eur })
      if (!m.ok) throw new Error(JSON.stringify(m.diagnostics))
      const rt = { rates: (from: string, to: string, on: string) => (from === "AED" && to === "EUR" ? { rate: "0.25", date: on, source: "ecb" } : undefined) }
      expect(m.fn({ src: { amount: "11.90", currency: "EUR", on: "2026-01-31", eur: "1" } }, rt)).toEqual({ ok: true, value: { price: "11.90" }, fx: [] })
      expect(m.fn({ src: { amount: "11.90", currency: "AED", on: "2026-01-31", eur: "1" } }, rt)).toEqual({
        ok: true, value: { price: "2.98" }, fx: [{ from: "AED", to: "EUR", on: "2026-01-31", rate: "0.25", date: "2026-01-31", source: "ecb" }],
      })
    })

    it("fills a field whose currency is itself given at run time", () => {
      expect(codes("src.amount", T.record({ price: T.money() }, ["price"]))).toEqual([])
    })
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
