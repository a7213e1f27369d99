import { compileExpression, compileMapping, formatDiagnostic, typeFromJsonSchema, type CheckEnv, type Evaluate, type FxUse, type MapBlock, type Mapping, type Runtime, type Type } from "../../dsl/index.js"
import { flowTypes, type FlowName, type FlowType } from "./flowTypes.js"

type Rec = { readonly [k: string]: unknown }
const isRecord = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v)

/** What one record became in a flow. */
export type FlowOutcome =
  | { readonly _tag: "Mapped"; readonly value: unknown; readonly fx: ReadonlyArray<FxUse> }
  | { readonly _tag: "Skipped"; readonly by: string }
  | { readonly _tag: "Failed"; readonly message: string }

/** The variables a flow's expressions see besides the record itself. */
export interface FlowContext {
  /** Business date of the run, yyyy-mm-dd. */
  readonly today: string
  readonly contact?: { readonly id: string }
  /** The order's tax treatment (orders and returns flows), shaped as flowTypes.ts's `tax`. */
  readonly tax?: { readonly [k: string]: unknown }
  readonly runtime: Runtime
}

/** One flow of a pipeline, compiled once: `when`, `map` (or the stock buffer) and `refuse` rules. */
export interface FlowProgram {
  readonly flow: FlowName
  readonly evaluate: (record: unknown, context: FlowContext) => FlowOutcome
}

export type CompiledFlow =
  | { readonly ok: true; readonly program: FlowProgram }
  | { readonly ok: false; readonly problems: ReadonlyArray<string> }

export const inputTypes = (flow: FlowType, extra: Readonly<Record<string, unknown>> = {}): Record<string, Type> => {
  const out: Record<string, Type> = {}
  for (const [name, schema] of Object.entries({ ...flow.variables, ...extra })) out[name] = typeFromJsonSchema(schema as Rec)
  return out
}

/** Sets `path` (a.b.c) of a map block to an expression, e.g. a rule set overriding one field. */
const withOverride = (block: MapBlock, path: ReadonlyArray<string>, source: string): MapBlock => {
  const [head, ...rest] = path
  if (head === undefined) return block
  if (rest.length === 0) return { ...block, [head]: source }
  const inner = block[head]
  return { ...block, [head]: withOverride(isRecord(inner) ? (inner as MapBlock) : {}, rest, source) }
}

/**
 * Compiles one flow of a parsed pipeline. `tables` gives the value type of every lookup table
 * the expressions may name; `overrides` replaces map fields by published expression rules.
 * Every compile problem is returned at once; evaluation never throws.
 */
export const compileFlow = (
  pipeline: unknown,
  flowName: FlowName,
  tables: Readonly<Record<string, Type>>,
  overrides: Readonly<Record<string, string>> = {},
): CompiledFlow => {
  const flows = isRecord(pipeline) && isRecord(pipeline["flows"]) ? pipeline["flows"] : {}
  const config = flows[flowName]
  if (!isRecord(config)) return { ok: false, problems: [`flow "${flowName}" is not configured in this pipeline`] }
  const flow = flowTypes[flowName]
  const env: CheckEnv = { inputs: inputTypes(flow), tables }
  const problems: Array<string> = []

  const expression = (source: string, where: string, e: CheckEnv = env): Evaluate | undefined => {
    const c = compileExpression(source, e)
    if (c.ok) return c.fn
    problems.push(`${where}: ${c.diagnostics.map((d) => formatDiagnostic(source, d)).join("\n")}`)
    return undefined
  }

  const when = typeof config["when"] === "string" ? expression(config["when"], "when") : undefined
  let produce: Mapping | Evaluate | undefined
  if (flowName === "stock") {
    // published = available − buffer, never below zero (ARCHITECTURE.md §7)
    const buffer = typeof config["buffer"] === "string" ? config["buffer"] : "0"
    produce = expression(`max(0, available - (${buffer}))`, "buffer")
  } else if (isRecord(config["map"])) {
    let block = config["map"] as MapBlock
    for (const [field, source] of Object.entries(overrides)) block = withOverride(block, field.split("."), source)
    // Checked against the flow's target record: every field fits its target type (a quoted
    // literal an enum member, money of a run-time currency only through fx to the target's
    // currency), unknown fields and unmapped required ones are errors. What leaves the map is
    // decoded again at the connector's boundary.
    const mapping = compileMapping(block, { ...env, target: typeFromJsonSchema(flow.target) })
    if (mapping.ok) produce = mapping.fn
    else problems.push(...mapping.diagnostics.map((d) => `map.${d.fieldPath}: ${formatDiagnostic(d.source, d)}`))
  } else {
    problems.push(`flow "${flowName}" has no map`)
  }

  const refuseEnv: CheckEnv = { inputs: { ...env.inputs, ...inputTypes(flow, flow.refuseVariables) }, tables }
  const refuse = (Array.isArray(config["refuse"]) ? config["refuse"] : []).flatMap((rule, i) =>
    isRecord(rule) && typeof rule["when"] === "string"
      ? [{ where: `refuse[${i}]`, fn: expression(rule["when"], `refuse[${i}]`, refuseEnv) }]
      : [])

  if (problems.length > 0 || produce === undefined) return { ok: false, problems }
  const output = produce

  const evaluate = (record: unknown, context: FlowContext): FlowOutcome => {
    const fields = isRecord(record) ? record : {}
    const vars: Record<string, unknown> = flowName === "stock"
      ? { ...fields, today: context.today }
      : { src: fields, today: context.today, contact: context.contact ?? null, tax: context.tax ?? null }
    if (when !== undefined) {
      const keep = when(vars, context.runtime)
      if (!keep.ok) return { _tag: "Failed", message: `when: ${keep.error}` }
      if (keep.value !== true) return { _tag: "Skipped", by: "when" }
    }
    const result = output(vars, context.runtime)
    if (!result.ok) return { _tag: "Failed", message: `map: ${result.error}` }
    const value = flowName === "stock" ? { sku: fields["sku"] ?? null, quantity: result.value } : result.value
    for (const rule of refuse) {
      const hit = rule.fn!({ ...vars, out: value }, context.runtime)
      if (!hit.ok) return { _tag: "Failed", message: `${rule.where}: ${hit.error}` }
      if (hit.value === true) return { _tag: "Skipped", by: rule.where }
    }
    return { _tag: "Mapped", value, fx: result.fx }
  }
  return { ok: true, program: { flow: flowName, evaluate } }
}
