import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { parse } from "yaml"
import { command } from "../../engine/cli/test.js"
import { diff, runPipelineTests } from "../../engine/pipeline/PipelineTests.js"

const pipeline = (tests: ReadonlyArray<unknown>, extra: Record<string, unknown> = {}) => ({
  fixtures: { today: "2026-04-02", tables: { tax: { "19": 1, "7": 2 } }, fx: [{ from: "EUR", to: "AED", on: "2026-04-02", rate: "4.0012" }] },
  flows: {
    catalog: {
      when: "src.type == \"PRODUCT\"",
      map: {
        sku: "src.articleNumber",
        name: "src.title",
        currency: "\"AED\"",
        price: "round(fx(vat_add(src.price.netPrice, src.price.taxRate), \"EUR\", \"AED\", on: today) ?? 0, \"AED\")",
        tax_class_id: "lookup(\"tax\", src.price.taxRate, default: 0)",
      },
      refuse: [{ when: "out.price <= 0", reason: "no rate" }],
    },
    stock: { buffer: "max(1, round(available * 5%, 0, mode: ceil))" },
  },
  tests,
  ...extra,
})
const article = { articleNumber: "A1", title: "Mug", type: "PRODUCT", archived: false, price: { netPrice: "10.00", leadingPrice: "NET", taxRate: 19 } }

describe("pipeline config tests", () => {
  it("maps the input through the flow and compares a subset of fields", () => {
    const [o] = runPipelineTests(pipeline([{ name: "t", flow: "catalog", input: article, expect: { price: "47.61", tax_class_id: 1 } }]))
    expect(o).toEqual({ name: "t", flow: "catalog", status: "pass", details: [] })
  })
  it("prints one line per difference", () => {
    const [o] = runPipelineTests(pipeline([{ name: "t", flow: "catalog", input: article, expect: { price: "47.62", sku: "A2" } }]))
    expect(o?.details).toEqual(["price: expected \"47.62\", got \"47.61\"", "sku: expected \"A2\", got \"A1\""])
    expect(o?.status).toBe("fail")
  })
  it("exact match also reports fields the test does not mention", () => {
    const [o] = runPipelineTests(pipeline([{ name: "t", flow: "catalog", match: "exact", input: article, expect: { sku: "A1", name: "Mug", currency: "AED", price: "47.61" } }]))
    expect(o?.details).toEqual(["tax_class_id: not expected, got 1"])
  })
  it("skipped: when filters and refuse rules keep a record out; given fixtures override", () => {
    const outcomes = runPipelineTests(pipeline([
      { name: "service", flow: "catalog", input: { ...article, type: "SERVICE" }, skipped: true },
      { name: "no rate that day", flow: "catalog", given: { today: "2026-04-05" }, input: article, skipped: true },
      { name: "not skipped", flow: "catalog", input: article, skipped: true },
    ]))
    expect(outcomes.map((o) => o.status)).toEqual(["pass", "pass", "fail"])
  })
  it("stock publishes available minus the buffer", () => {
    const [o] = runPipelineTests(pipeline([{ name: "s", flow: "stock", input: { sku: "A1", onHand: 50, reserved: 3, available: 47 }, expect: { sku: "A1", quantity: 44 } }]))
    expect(o?.status).toBe("pass")
  })
  it("a flow that does not compile is an error with the diagnostic", () => {
    const p = pipeline([{ name: "t", flow: "catalog", input: article, expect: {} }])
    const broken = { ...p, flows: { catalog: { map: { sku: "src.articleNumbr" } } } }
    const [o] = runPipelineTests(broken)
    expect(o?.status).toBe("error")
    expect(o?.details.join("\n")).toContain("did you mean articleNumber?")
  })
  it("diff compares decimals by value and lists element by element", () => {
    expect(diff({ a: 19, b: "12.495" }, { a: "19.00", b: "12.4950" }, false)).toEqual([])
    expect(diff({ xs: [{ q: 1 }] }, { xs: [{ q: 2 }, { q: 3 }] }, false)).toEqual(["xs: expected 1 element(s), got 2", "xs[0].q: expected 1, got 2"])
  })
  it("the committed pipelines' tests all pass", () => {
    for (const f of readdirSync("pipelines").filter((n) => n.endsWith(".yaml"))) {
      const outcomes = runPipelineTests(parse(readFileSync(`pipelines/${f}`, "utf8")))
      expect(outcomes.length, f).toBeGreaterThan(0)
      for (const o of outcomes) expect(o, `${f}: ${o.name}`).toMatchObject({ status: "pass" })
    }
  })
  it.effect("vortex test exits 0 when every test passes and 2 without paths", () =>
    Effect.gen(function* () {
      expect(yield* command.run(["pipelines"])).toBe(0)
      expect(yield* command.run([])).toBe(2)
    }))
})
