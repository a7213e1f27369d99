import { T, type Rate, type Type } from "../../dsl/index.js"
import { compileFlow } from "./CompiledFlow.js"
import { isFlowName } from "./flowTypes.js"
import { defaultTaxPolicy, taxTreatment, taxVariable } from "../orders/TaxTreatment.js"

/**
 * Runs a pipeline's config tests (`tests:`): each `input` goes through its flow — the flow's
 * `when`, its `map` (or the stock buffer), its `refuse` rules — with the pipeline's `fixtures`
 * merged with the test's `given`, and the result is compared with `expect` (subset by default,
 * or exact). No database: lookup tables and FX rates come from the fixtures.
 */
export type TestStatus = "pass" | "fail" | "error"

export interface TestOutcome {
  readonly name: string
  readonly flow: string
  readonly status: TestStatus
  /** For "fail": one line per difference, `path: expected X, got Y`. For "error": why the test could not run. */
  readonly details: ReadonlyArray<string>
}

type Rec = { readonly [k: string]: unknown }
const isRecord = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v)

interface Fixtures {
  readonly today?: string
  readonly tables: Readonly<Record<string, Rec>>
  readonly fx: ReadonlyArray<{ readonly from: string; readonly to: string; readonly on: string; readonly rate: string }>
  readonly contact?: Rec
  readonly tax?: Rec
}

const fixturesOf = (base: unknown, over: unknown): Fixtures => {
  const a = isRecord(base) ? base : {}
  const b = isRecord(over) ? over : {}
  const tables = { ...(isRecord(a["tables"]) ? a["tables"] : {}), ...(isRecord(b["tables"]) ? b["tables"] : {}) } as Record<string, Rec>
  const fx = [...(Array.isArray(b["fx"]) ? b["fx"] : []), ...(Array.isArray(a["fx"]) ? a["fx"] : [])].filter(isRecord) as unknown as Fixtures["fx"]
  const today = typeof b["today"] === "string" ? b["today"] : typeof a["today"] === "string" ? a["today"] : undefined
  const contact = isRecord(b["contact"]) ? b["contact"] : isRecord(a["contact"]) ? a["contact"] : undefined
  const tax = isRecord(b["tax"]) ? b["tax"] : isRecord(a["tax"]) ? a["tax"] : undefined
  return { tables, fx, ...(today !== undefined ? { today } : {}), ...(contact !== undefined ? { contact } : {}), ...(tax !== undefined ? { tax } : {}) }
}

/** A table's value type, read off its rows (the rule store would declare it). */
const tableType = (rows: Rec): Type => {
  const values = Object.values(rows)
  if (values.every((v) => typeof v === "boolean")) return T.bool
  if (values.every((v) => Number.isInteger(v))) return T.int
  if (values.every((v) => typeof v === "number" || (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v)))) return T.decimal
  return T.string
}

/**
 * The tax treatment the engine would decide for a test's order or return, from its shipping
 * (else billing) country under the default policy; `given.tax` overrides it.
 */
const taxOfInput = (input: unknown): Rec => {
  const record = isRecord(input) ? input : {}
  const country = [record["shipping"], record["billing"]].map((a) => (isRecord(a) ? a["countryCode"] : undefined)).find((c) => typeof c === "string")
  return taxVariable(taxTreatment(typeof country === "string" ? country : defaultTaxPolicy.homeCountry, defaultTaxPolicy))
}

/** A fixture rate applies to its own date only, so a test can say "no rate for that day". */
const rateProvider = (fx: Fixtures["fx"]) => (from: string, to: string, on: string): Rate | undefined => {
  const hit = fx.find((r) => r.from === from && r.to === to && r.on === on)
  return hit === undefined ? undefined : { rate: hit.rate, date: hit.on, source: "test fixture" }
}

class TestError {
  constructor(readonly lines: ReadonlyArray<string>) {}
}

/** Runs the flow on one input: the mapped record, or "skipped" when `when` or a `refuse` rule keeps it out. */
const runFlow = (pipeline: Rec, flowName: string, input: unknown, fixtures: Fixtures): unknown => {
  if (!isFlowName(flowName)) throw new TestError([`unknown flow "${flowName}"`])
  const tables: Record<string, Type> = {}
  for (const [name, rows] of Object.entries(fixtures.tables)) tables[name] = tableType(rows)
  // the same compiled program the engine runs, so a passing config test means the same in production
  const compiled = compileFlow(pipeline, flowName, tables)
  if (!compiled.ok) throw new TestError(compiled.problems)
  const outcome = compiled.program.evaluate(isRecord(input) ? input : {}, {
    today: fixtures.today ?? (null as unknown as string),
    ...(fixtures.contact !== undefined ? { contact: fixtures.contact as { id: string } } : {}),
    ...(flowName === "orders" || flowName === "returns" ? { tax: fixtures.tax ?? taxOfInput(input) } : {}),
    runtime: { tables: fixtures.tables, rates: rateProvider(fixtures.fx) },
  })
  switch (outcome._tag) {
    case "Mapped": return outcome.value
    case "Skipped": return "skipped"
    case "Failed": throw new TestError([outcome.message])
  }
}

/** Decimal text and JSON numbers are compared by value: `19` or "19" in a test matches "19.00" output. */
const sameScalar = (expected: unknown, actual: unknown): boolean => {
  if (expected === actual) return true
  const num = (v: unknown): string | undefined => {
    if (typeof v === "number" && Number.isFinite(v)) return canonical(String(v))
    if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v)) return canonical(v)
    return undefined
  }
  const a = num(expected)
  const b = num(actual)
  return a !== undefined && a === b
}
const canonical = (s: string): string => {
  const neg = s.startsWith("-")
  let [w, f = ""] = (neg ? s.slice(1) : s).split(".") as [string, string?]
  w = w.replace(/^0+(?=\d)/, "")
  f = f.replace(/0+$/, "")
  const text = f === "" ? w : `${w}.${f}`
  return neg && text !== "0" ? `-${text}` : text
}

const show = (v: unknown): string => (v === undefined ? "nothing" : JSON.stringify(v))

/** Differences between `expected` and `actual`; `exact` also reports fields the test does not mention. */
export const diff = (expected: unknown, actual: unknown, exact: boolean, path = ""): Array<string> => {
  const at = path === "" ? "(record)" : path
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${at}: expected a list, got ${show(actual)}`]
    const out: Array<string> = []
    if (expected.length !== actual.length) out.push(`${at}: expected ${expected.length} element(s), got ${actual.length}`)
    expected.forEach((e, i) => { if (i < actual.length) out.push(...diff(e, actual[i], exact, `${path}[${i}]`)) })
    return out
  }
  if (isRecord(expected)) {
    if (!isRecord(actual)) return [`${at}: expected a record, got ${show(actual)}`]
    const out: Array<string> = []
    for (const [k, e] of Object.entries(expected)) out.push(...diff(e, actual[k], exact, path === "" ? k : `${path}.${k}`))
    if (exact) for (const k of Object.keys(actual)) if (!(k in expected)) out.push(`${path === "" ? k : `${path}.${k}`}: not expected, got ${show(actual[k])}`)
    return out
  }
  return sameScalar(expected, actual) ? [] : [`${at}: expected ${show(expected)}, got ${show(actual)}`]
}

export const runPipelineTests = (pipeline: unknown): ReadonlyArray<TestOutcome> => {
  if (!isRecord(pipeline)) return []
  const tests = Array.isArray(pipeline["tests"]) ? pipeline["tests"] : []
  return tests.filter(isRecord).map((t): TestOutcome => {
    const name = typeof t["name"] === "string" ? t["name"] : "(unnamed)"
    const flow = typeof t["flow"] === "string" ? t["flow"] : "?"
    try {
      const out = runFlow(pipeline, flow, t["input"], fixturesOf(pipeline["fixtures"], t["given"]))
      if (t["skipped"] === true) {
        return out === "skipped" ? { name, flow, status: "pass", details: [] } : { name, flow, status: "fail", details: [`expected the record to be skipped, got ${show(out)}`] }
      }
      if (out === "skipped") return { name, flow, status: "fail", details: ["the record was skipped (by when or a refuse rule)"] }
      const details = diff(t["expect"], out, t["match"] === "exact")
      return { name, flow, status: details.length === 0 ? "pass" : "fail", details }
    } catch (x) {
      return { name, flow, status: "error", details: x instanceof TestError ? x.lines : [String(x)] }
    }
  })
}
