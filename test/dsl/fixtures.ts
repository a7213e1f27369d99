import { compileExpression, formatDiagnostic, T, typeFromJsonSchema, type Runtime } from "../../dsl/index.js"
import { referenceEvaluate } from "../../dsl/referenceEval.js"

/** A small article schema of our own (not the canonical ones) so these tests stand alone. */
export const articleSchema = {
  type: "object",
  required: ["articleNumber", "title", "type", "price", "lines", "orderDate"],
  properties: {
    articleNumber: { type: "string" },
    title: { type: "string" },
    note: { type: "string" },
    type: { type: "string", enum: ["PRODUCT", "SERVICE"] },
    archived: { type: "boolean" },
    quantity: { type: "integer" },
    orderDate: { type: "string", format: "date" },
    price: {
      type: "object",
      required: ["netPrice", "taxRate"],
      properties: {
        netPrice: { type: "number", "x-vortex-type": "money", "x-vortex-currency": "EUR" },
        grossPrice: { type: "number", "x-vortex-type": "money", "x-vortex-currency": "EUR" },
        taxRate: { type: "number" },
        discount: { type: "number", "x-vortex-type": "percent" },
      },
    },
    lines: {
      type: "array",
      items: {
        type: "object", required: ["sku", "qty", "unit"],
        properties: { sku: { type: "string" }, qty: { type: "integer" }, unit: { type: "string", "x-vortex-type": "decimal" } },
      },
    },
  },
} as const

export const env = {
  inputs: { src: typeFromJsonSchema(articleSchema), a: T.int, b: T.int, d: T.decimal, p: T.percent, s: T.string, n: T.nullable(T.decimal) },
  tables: { bc_tax_class: T.int, category: T.string, rates: T.percent },
}

export const article = {
  articleNumber: "A1", title: " Mug ", type: "PRODUCT", archived: false, quantity: 3, orderDate: "2026-01-31",
  price: { netPrice: 10, taxRate: 19, grossPrice: 11.9, discount: 10 },
  lines: [{ sku: "x", qty: 2, unit: "1.50" }, { sku: "y", qty: 1, unit: 0.25 }],
}

export const runtime: Runtime = {
  tables: { bc_tax_class: { "19": 1, "7": 2 }, category: { "A1": "mugs" }, rates: { "DE": 19 } },
  rates: (from, to, on) => (from === "EUR" && to === "AED" && on <= "2026-12-31" ? { rate: "4.2950", date: on, source: "ecb+peg" } : undefined),
}

export const inputs = { src: article, a: 7, b: 2, d: "2.50", p: 19, s: "Hello", n: null }

/** Compiles and evaluates with the fast path, asserting the reference evaluator agrees. */
export const run = (source: string, vars: Record<string, unknown> = inputs, rt: Runtime = runtime): unknown => {
  const c = compileExpression(source, env)
  if (!c.ok) throw new Error(c.diagnostics.map((d) => formatDiagnostic(source, d)).join("\n"))
  const fast = c.fn(vars, rt)
  const ref = referenceEvaluate(c.checked, vars, rt)
  const outcome = (r: typeof fast) => JSON.stringify(r.ok ? normalize(r) : "failed")
  if (outcome(fast) !== outcome(ref)) {
    throw new Error(`evaluators disagree on ${source}: ${JSON.stringify(fast)} vs ${JSON.stringify(ref)}`)
  }
  if (!fast.ok) throw new Error(`evaluation failed: ${fast.error}`)
  return fast.value
}

/** Error codes of a source that must not compile. */
export const codes = (source: string): Array<string> => {
  const c = compileExpression(source, env)
  return c.ok ? [] : c.diagnostics.map((d) => d.code)
}

/** Decimal strings compared by value ("1.50" ~ "1.5"): the evaluators may differ in scale only. */
export const normalize = (v: unknown): unknown => {
  if (typeof v === "string" && /^-?\d+\.\d+$/.test(v)) return v.replace(/\.?0+$/, "")
  if (Array.isArray(v)) return v.map(normalize)
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === "fx" ? x : normalize(x)]))
  return v
}
