import { compileExpression, fitTarget, showType, T, typeFromJsonSchema, type CheckEnv, type Type } from "../../dsl/index.js"
import type { ExpressionChecker, ExpressionContext, ExpressionProblem } from "./ExpressionChecker.js"
import type { ExpressionSite } from "./ExpressionSites.js"
import type { JsonSchema } from "./flowTypes.js"

type Rec = { readonly [key: string]: unknown }
const isRecord = (value: unknown): value is Rec => typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * Lookup tables live in the rule store (a database), which `vortex validate` does not open;
 * their value types are taken from the tables the pipeline's test fixtures define. A table the
 * fixtures do not define is reported as a warning: the rule store is checked at publish time.
 */
const tableTypes = (pipeline: unknown): Record<string, Type> => {
  // null prototype: a table named `__proto__` or `constructor` is a name like any other
  const out: Record<string, Type> = Object.create(null)
  const root = isRecord(pipeline) ? pipeline : {}
  const sources = [root["fixtures"], ...(Array.isArray(root["tests"]) ? root["tests"].map((t) => (isRecord(t) ? t["given"] : undefined)) : [])]
  for (const fixtures of sources) {
    const tables = isRecord(fixtures) && isRecord(fixtures["tables"]) ? fixtures["tables"] : {}
    for (const [name, rows] of Object.entries(tables)) {
      if (!isRecord(rows) || Object.hasOwn(out, name)) continue
      const values = Object.values(rows)
      out[name] = values.every((v) => typeof v === "boolean")
        ? T.bool
        : values.every((v) => Number.isInteger(v))
          ? T.int
          : values.every((v) => typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v))
            ? T.decimal
            : T.string
    }
  }
  return out
}

/**
 * The schema of a target field, stepping into list items where the path crosses a list, and
 * whether its record requires it: an optional field may be given null (left out), as in the
 * whole-record type compileMapping checks against.
 */
const fieldSchema = (target: JsonSchema, path: ReadonlyArray<string>): { readonly schema: JsonSchema; readonly required: boolean } | undefined => {
  let schema: JsonSchema | undefined = target
  let required = true
  for (const segment of path) {
    if (schema === undefined) return undefined
    if (schema["type"] === "array" && isRecord(schema["items"])) schema = schema["items"] as JsonSchema
    const properties: unknown = schema["properties"]
    required = Array.isArray(schema["required"]) && (schema["required"] as ReadonlyArray<unknown>).includes(segment)
    const property = isRecord(properties) && Object.hasOwn(properties, segment) ? properties[segment] : undefined
    schema = isRecord(property) ? (property as JsonSchema) : undefined
  }
  return schema === undefined ? undefined : { schema, required }
}

/**
 * What every expression of one pipeline shares — its tables, each flow's variable types — worked
 * out once per pipeline, not once per expression: a file may hold tens of thousands of them.
 */
const shared = new WeakMap<object, { readonly tables: Record<string, Type>; readonly variables: Map<string, Record<string, Type>> }>()

const sharedFor = (context: ExpressionContext) => {
  let entry = shared.get(context.pipeline)
  if (entry === undefined) {
    entry = { tables: tableTypes(context.pipeline.value), variables: new Map() }
    shared.set(context.pipeline, entry)
  }
  return entry
}

const variablesFor = (site: ExpressionSite, context: ExpressionContext): Record<string, Type> => {
  const cache = sharedFor(context).variables
  const key = `${site.flow}|${site.role === "refuse"}`
  let variables = cache.get(key)
  if (variables === undefined) {
    variables = Object.create(null) as Record<string, Type>
    for (const [name, schema] of Object.entries(context.flowType.variables)) variables[name] = typeFromJsonSchema(schema)
    if (site.role === "refuse") {
      for (const [name, schema] of Object.entries(context.flowType.refuseVariables)) variables[name] = typeFromJsonSchema(schema)
    }
    cache.set(key, variables)
  }
  return variables
}

const inputsFor = (site: ExpressionSite, context: ExpressionContext, tables: Record<string, Type>): Record<string, Type> => {
  // null prototype: an `as: __proto__` binding is a variable name like any other
  const inputs: Record<string, Type> = Object.assign(Object.create(null), variablesFor(site, context))
  for (const binding of site.bindings) {
    const over = compileExpression(binding.over, { inputs, tables })
    // a `for` that does not type-check is reported at its own site; its element absorbs uses
    inputs[binding.name] = over.ok && over.type.t === "list" ? over.type.of : T.error
  }
  return inputs
}

const expectation = (site: ExpressionSite, context: ExpressionContext): { readonly type: Type; readonly what: string } | undefined => {
  switch (site.role) {
    case "when":
    case "refuse":
      return { type: T.bool, what: "a bool condition" }
    case "buffer":
      return { type: T.decimal, what: "a number of units" }
    case "for":
      return undefined
    case "map": {
      const field = fieldSchema(context.flowType.target, site.field)
      if (field === undefined) return undefined
      const type = typeFromJsonSchema(field.schema)
      return { type: field.required ? type : T.nullable(type), what: `target field ${site.field.join(".")}` }
    }
  }
}

/** The DSL type checker (dsl/) run on every expression string of a pipeline. */
export const dslExpressionChecker: ExpressionChecker = {
  name: "dsl",
  check: (site, context) => {
    const { tables } = sharedFor(context)
    const env: CheckEnv = { inputs: inputsFor(site, context, tables), tables }
    const compiled = compileExpression(site.expression, env)
    if (!compiled.ok) {
      return compiled.diagnostics.map((d): ExpressionProblem => {
        const message = d.hint === undefined ? d.message : `${d.message} (${d.hint})`
        return d.code === "DSL211"
          ? { code: d.code, severity: "warning", offset: d.span.offset, message: `${message}; not in this pipeline's fixtures, so only the rule store can tell` }
          : { code: d.code, offset: d.span.offset, message }
      })
    }
    if (site.role === "for") {
      return compiled.type.t === "list" || compiled.type.t === "error"
        ? []
        : [{ code: "DSL303", message: `"for" needs a list, got ${showType(compiled.type)}` }]
    }
    const expected = expectation(site, context)
    if (expected === undefined) return []
    // The same fit the engine's compiled flow checks: a quoted literal fills an enum field when
    // it names a member ('"gross"' for taxType), money of a run-time currency needs fx.
    const fit = fitTarget(compiled.checked, expected.type)
    if (fit.ok) return []
    const d = fit.diagnostic
    const hint = d.hint === undefined ? "" : `; ${d.hint}`
    if (d.code !== "DSL303") return [{ code: d.code, offset: d.span.offset, message: `${d.message} (${expected.what}${hint})` }]
    return [{
      code: site.role === "map" ? "DSL303" : "DSL210",
      message: `${showType(compiled.type)} where ${expected.what} expects ${showType(expected.type)}`,
    }]
  },
}
