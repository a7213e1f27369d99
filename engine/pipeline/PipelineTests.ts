import { compileExpression, compileMapping, T, typeFromJsonSchema, type CheckEnv, type MapBlock, type Rate, type Runtime, type Type } from "../../dsl/index.js"
import { formatDiagnostic } from "../../dsl/index.js"
import { flowTypes, isFlowName, type FlowType } from "./flowTypes.js"

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
}

const fixturesOf = (base: unknown, over: unknown): Fixtures => {
  const a = isRecord(base) ? base : {}
  const b = isRecord(over) ? over : {}
  const tables = { ...(isRecord(a["tables"]) ? a["tables"] : {}), ...(isRecord(b["tables"]) ? b["tables"] : {}) } as Record<string, Rec>
  const fx = [...(Array.isArray(b["fx"]) ? b["fx"] : []), ...(Array.isArray(a["fx"]) ? a["fx"] : [])].filter(isRecord) as unknown as Fixtures["fx"]
  const today = typeof b["today"] === "string" ? b["today"] : typeof a["today"] === "string" ? a["today"] : undefined
  const contact = isRecord(b["contact"]) ? b["contact"] : isRecord(a["contact"]) ? a["contact"] : undefined
  return { tables, fx, ...(today !== undefined ? { today } : {}), ...(contact !== undefined ? { contact } : {}) }
}

/** A table's value type, read off its rows (the rule store would declare it). */
const tableType = (rows: Rec): Type => {
  const values = Object.values(rows)
  if (values.every((v) => typeof v === "boolean")) return T.bool
  if (values.every((v) => Number.isInteger(v))) return T.int
  if (values.every((v) => typeof v === "number" || (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v)))) return T.decimal
  return T.string
}

/** A fixture rate applies to its own date only, so a test can say "no rate for that day". */
const rateProvider = (fx: Fixtures["fx"]) => (from: string, to: string, on: string): Rate | undefined => {
  const hit = fx.find((r) => r.from === from && r.to === to && r.on === on)
  return hit === undefined ? undefined : { rate: hit.rate, date: hit.on, source: "test fixture" }
}

const inputTypes = (flow: FlowType, extra: Readonly<Record<string, unknown>> = {}): Record<string, Type> => {
  const out: Record<string, Type> = {}
  for (const [name, schema] of Object.entries({ ...flow.variables, ...extra })) out[name] = typeFromJsonSchema(schema as Rec)
  return out
}

class TestError {
  constructor(readonly lines: ReadonlyArray<string>) {}
}

const expressionFn = (source: string, env: CheckEnv, where: string) => {
  const c = compileExpression(source, env)
  if (!c.ok) throw new TestError([`${where} does not compile:`, ...c.diagnostics.map((d) => formatDiagnostic(source, d))])
  return c.fn
}

const evaluateOrThrow = (r: ReturnType<ReturnType<typeof expressionFn>>, where: string): unknown => {
  if (!r.ok) throw new TestError([`${where} failed: ${r.error}`])
  return r.value
}

/** Runs the flow on one input: the mapped record, or "skipped" when `when` or a `refuse` rule keeps it out. */
const runFlow = (pipeline: Rec, flowName: string, input: unknown, fixtures: Fixtures): unknown => {
  if (!isFlowName(flowName)) throw new TestError([`unknown flow "${flowName}"`])
  const flows = isRecord(pipeline["flows"]) ? pipeline["flows"] : {}
  const config = flows[flowName]
  if (!isRecord(config)) throw new TestError([`flow "${flowName}" is not configured in this pipeline`])
  const flow = flowTypes[flowName]
  const tables: Record<string, Type> = {}
  for (const [name, rows] of Object.entries(fixtures.tables)) tables[name] = tableType(rows)
  const env: CheckEnv = { inputs: inputTypes(flow), tables }
  const runtime: Runtime = { tables: fixtures.tables, rates: rateProvider(fixtures.fx) }
  const record = isRecord(input) ? input : {}
  const vars: Record<string, unknown> = flowName === "stock"
    ? { ...record, today: fixtures.today ?? null }
    : { src: record, today: fixtures.today ?? null, contact: fixtures.contact ?? null }

  if (typeof config["when"] === "string") {
    const keep = evaluateOrThrow(expressionFn(config["when"], env, "when")(vars, runtime), "when")
    if (keep !== true) return "skipped"
  }

  let out: unknown
  if (flowName === "stock") {
    // published = available − buffer, never below zero (DESIGN.md §7)
    const buffer = typeof config["buffer"] === "string" ? config["buffer"] : "0"
    const published = expressionFn(`max(0, available - (${buffer}))`, env, "buffer")(vars, runtime)
    out = { sku: record["sku"] ?? null, quantity: evaluateOrThrow(published, "buffer") }
  } else {
    if (!isRecord(config["map"])) throw new TestError([`flow "${flowName}" has no map`])
    const mapping = compileMapping(config["map"] as MapBlock, env)
    if (!mapping.ok) {
      throw new TestError(["map does not compile:", ...mapping.diagnostics.map((d) => `${d.fieldPath}: ${formatDiagnostic(d.source, d)}`)])
    }
    const r = mapping.fn(vars, runtime)
    if (!r.ok) throw new TestError([`map failed: ${r.error}`])
    out = r.value
  }

  const refuse = Array.isArray(config["refuse"]) ? config["refuse"] : []
  for (const [i, rule] of refuse.entries()) {
    if (!isRecord(rule) || typeof rule["when"] !== "string") continue
    const refuseEnv: CheckEnv = { inputs: { ...env.inputs, ...inputTypes(flow, flow.refuseVariables) }, tables }
    const hit = evaluateOrThrow(expressionFn(rule["when"], refuseEnv, `refuse[${i}]`)({ ...vars, out }, runtime), `refuse[${i}]`)
    if (hit === true) return "skipped"
  }
  return out
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
