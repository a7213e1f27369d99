/**
 * Rules DSL benchmark: one realistic 10-field price rule set (VAT strip/add, FX, rounding,
 * lookup) evaluated on the same records by our compiled closures and by json-logic-js, in the
 * same run; then parse + check + compile time of a 200-line rule set.
 * Fair by construction: both sides get the same record objects (JSON numbers, as an API
 * sends them) and the same rate provider and table; json-logic-js gets the same rules in its
 * float semantics (helpers it lacks added as operations); compiling is outside the timed
 * loop on both sides; both are warmed up. Ours also records the fx rates it used, which
 * json-logic-js does not. Nothing here is tuned to these rules: they are compiled as any
 * pipeline's would be (dsl/fastNum.ts generates one function per mapping record in general:
 * record paths read and decoded once, repeated pure subexpressions computed once, rounding and
 * printing written out; see dsl/README.md). No result is kept across records; only the text
 * of integer parts ("84."), parsed rate texts and the last valid date are reused.
 * Run: npx tsx bench/dsl.ts
 */
import jsonLogic from "json-logic-js"
import { compileMapping, T, typeFromJsonSchema, type Runtime } from "../dsl/index.js"

const schema = {
  type: "object", required: ["sku", "price", "cost", "stock", "date", "discount"],
  properties: {
    sku: { type: "string" },
    price: {
      type: "object", required: ["netPrice", "grossPrice", "taxRate"],
      properties: {
        netPrice: { type: "number", "x-vortex-type": "money", "x-vortex-currency": "EUR" },
        grossPrice: { type: "number", "x-vortex-type": "money", "x-vortex-currency": "EUR" },
        taxRate: { type: "number" },
      },
    },
    cost: { type: "number", "x-vortex-type": "money", "x-vortex-currency": "EUR" },
    stock: { type: "integer" },
    discount: { type: "number" },
    date: { type: "string", format: "date" },
  },
}

const rules = {
  net: "src.price.netPrice",
  gross: "round(vat_add(src.price.netPrice, percent(src.price.taxRate)), 2)",
  net_from_gross: "round(vat_strip(src.price.grossPrice, percent(src.price.taxRate)), 2)",
  price_aed: "round(fx(vat_add(src.price.netPrice, percent(src.price.taxRate)), \"EUR\", \"AED\", on: src.date, default: 0), \"AED\")",
  price_ron: "round(fx(vat_add(src.price.netPrice, percent(src.price.taxRate)), \"EUR\", \"RON\", on: src.date, default: 0), \"RON\")",
  tax_class: "lookup(\"bc_tax_class\", src.price.taxRate, default: 0)",
  sale: "round(vat_add(src.price.netPrice - src.price.netPrice * percent(src.discount), percent(src.price.taxRate)), 2, mode: half_even)",
  margin: "round(src.price.netPrice - src.cost, 2)",
  cheap: "src.price.netPrice < 20",
  published: "max(src.stock - 5, 0)",
}

// The same rules in JSON Logic, with the helpers json-logic-js lacks added as operations (floats, as it computes).
const v = (p: string) => ({ var: p })
const grossJL = { "*": [v("src.price.netPrice"), { "+": [1, { "/": [v("src.price.taxRate"), 100] }] }] }
const jsonRules: Record<string, unknown> = {
  net: v("src.price.netPrice"),
  gross: { round2: [grossJL] },
  net_from_gross: { round2: [{ "/": [v("src.price.grossPrice"), { "+": [1, { "/": [v("src.price.taxRate"), 100] }] }] }] },
  price_aed: { round2: [{ fx: [grossJL, "EUR", "AED", v("src.date")] }] },
  price_ron: { round2: [{ fx: [grossJL, "EUR", "RON", v("src.date")] }] },
  tax_class: { lookup: ["bc_tax_class", v("src.price.taxRate"), 0] },
  sale: { round2: [{ "*": [{ "-": [v("src.price.netPrice"), { "*": [v("src.price.netPrice"), { "/": [v("src.discount"), 100] }] }] }, { "+": [1, { "/": [v("src.price.taxRate"), 100] }] }] }] },
  margin: { round2: [{ "-": [v("src.price.netPrice"), v("src.cost")] }] },
  cheap: { "<": [v("src.price.netPrice"), 20] },
  published: { max: [{ "-": [v("src.stock"), 5] }, 0] },
}

const rateTable: Record<string, string> = { AED: "4.2950", RON: "4.9770" }
const tables = { bc_tax_class: { "19": 1, "7": 2, "0": 3 } as Record<string, number> }
const runtime: Runtime = {
  tables,
  rates: (from, to, on) => (from === "EUR" && rateTable[to] !== undefined ? { rate: rateTable[to]!, date: on, source: "ecb" } : undefined),
}
jsonLogic.add_operation("round2", (x: number) => Math.round(x * 100) / 100)
jsonLogic.add_operation("fx", (x: number, from: string, to: string, on: string) => {
  const r = runtime.rates!(from, to, on)
  return r === undefined ? 0 : x * Number(r.rate)
})
jsonLogic.add_operation("lookup", (table: string, key: number, fallback: unknown) => (tables as Record<string, Record<string, unknown>>)[table]?.[String(key)] ?? fallback)

// Records as they arrive from a JSON API: amounts are JSON numbers.
const records = Array.from({ length: 1000 }, (_, i) => {
  const net = Math.round((5 + ((i * 7919) % 50000) / 100) * 100) / 100
  const rate = [19, 7, 0][i % 3]!
  return {
    sku: `A${i}`, price: { netPrice: net, grossPrice: Math.round(net * (100 + rate)) / 100, taxRate: rate },
    cost: Math.round(net * 55) / 100, stock: i % 40, discount: (i % 4) * 5, date: "2026-01-31",
  }
})

const compiled = compileMapping(rules, { inputs: { src: typeFromJsonSchema(schema) }, tables: { bc_tax_class: T.int } })
if (!compiled.ok) throw new Error(JSON.stringify(compiled.diagnostics, null, 2))
const mapping = compiled.fn
const ruleEntries = Object.entries(jsonRules)

const runOurs = () => {
  for (const r of records) mapping({ src: r }, runtime)
}
const runJsonLogic = () => {
  for (const r of records) {
    const data = { src: r }
    const out: Record<string, unknown> = {}
    for (const [k, rule] of ruleEntries) out[k] = jsonLogic.apply(rule as jsonLogic.RulesLogic, data)
  }
}

/** Rule-set evaluations per second: repeats the batch for about `ms` after a warm-up. */
const measure = (f: () => void, ms: number): number => {
  for (let i = 0; i < 3; i++) f()
  let n = 0
  const start = performance.now()
  while (performance.now() - start < ms) {
    f()
    n++
  }
  return (n * records.length) / ((performance.now() - start) / 1000)
}

const sample = mapping({ src: records[1]! }, runtime)
console.log("sample output (ours):", JSON.stringify(sample.ok ? sample.value : sample))
const sampleJL = Object.fromEntries(ruleEntries.map(([k, rule]) => [k, jsonLogic.apply(rule as jsonLogic.RulesLogic, { src: records[1] })]))
console.log("sample output (json-logic-js):", JSON.stringify(sampleJL))

// Interleaved windows (json-logic-js, then ours), 4.5 s per side in all: on a shared machine
// the load drifts, so each pair is measured under about the same conditions.
const rounds = 3
const ours: Array<number> = []
const theirs: Array<number> = []
for (let i = 0; i < rounds; i++) {
  theirs.push(measure(runJsonLogic, 1500))
  ours.push(measure(runOurs, 1500))
}
const best = (xs: ReadonlyArray<number>) => Math.max(...xs)
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
const fmt = (n: number) => Math.round(n).toLocaleString("en-US")
console.log("\n10-field price rule set, 1000 records, best of 3 × 1.5 s:")
console.log(`  vortex DSL (compiled, exact decimals): ${fmt(best(ours)).padStart(12)} rule-set evals/s`)
console.log(`  json-logic-js (floats):                ${fmt(best(theirs)).padStart(12)} rule-set evals/s`)
console.log(`  ratio: ${(best(ours) / best(theirs)).toFixed(1)}× best/best, ${median(ours.map((o, i) => o / theirs[i]!)).toFixed(1)}× median of the paired windows (goal ≥ 20×)`)

// Per rule, to show where the time goes (each rule alone, 250 ms per side).
console.log("\nper rule (evals/s):           vortex   json-logic-js   ratio")
const srcType = typeFromJsonSchema(schema)
for (const [k, rule] of Object.entries(rules)) {
  const one = compileMapping({ [k]: rule }, { inputs: { src: srcType }, tables: { bc_tax_class: T.int } })
  if (!one.ok) throw new Error(k)
  const f = one.fn
  const jl = jsonRules[k] as jsonLogic.RulesLogic
  const a = measure(() => { for (const r of records) f({ src: r }, runtime) }, 250)
  const b = measure(() => { for (const r of records) jsonLogic.apply(jl, { src: r }) }, 250)
  console.log(`  ${k.padEnd(16)} ${fmt(a).padStart(12)} ${fmt(b).padStart(14)} ${(a / b).toFixed(1).padStart(6)}×`)
}

// Parse + check + compile of a 200-line rule set: the 10 rules, 20 times over, as 200 fields.
const big: Record<string, string> = {}
for (let i = 0; i < 20; i++) for (const [k, src] of Object.entries(rules)) big[`${k}_${i}`] = src.replace(/, 2\)/g, `, ${i % 5})`)
const times: Array<number> = []
for (let i = 0; i < 9; i++) {
  const start = performance.now()
  const c = compileMapping(big, { inputs: { src: typeFromJsonSchema(schema) }, tables: { bc_tax_class: T.int } })
  times.push(performance.now() - start)
  if (!c.ok) throw new Error("200-line rule set failed to compile")
}
times.sort((a, b) => a - b)
console.log(`\nparse + check + compile, 200-line rule set: median of 9 ${times[4]!.toFixed(1)} ms, slowest (the cold first run) ${times[8]!.toFixed(1)} ms`)
