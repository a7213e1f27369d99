import { Effect, Layer } from "effect"
import { checkExpr, compileExpression, fitTarget, showType, T, typeFromJsonSchema, type Diagnostic, type Type } from "../../dsl/index.js"
import type { TExpr } from "../../dsl/typedAst.js"
import { evaluator } from "../../dsl/compile.js"
import { fromJsonLogic } from "../../dsl/jsonLogic.js"
import { flowTypes } from "../pipeline/flowTypes.js"
import type { ExpressionBody, RuleBody, TableBody } from "./RuleBody.js"
import { RuleChecker, type CheckedRule, type RuleContext } from "./RuleChecker.js"
import type { RuleProblem } from "./errors.js"

const valueTypes: Record<TableBody["valueType"], Type> = {
  string: T.string, int: T.int, decimal: T.decimal, bool: T.bool,
}

const INT = /^-?\d+$/
const DECIMAL = /^-?\d+(\.\d+)?$/

/** The text a numeric key is found by: the DSL looks up 19, 19.0 and "19.00" all as "19". */
export const tableKeyText = (keyType: TableBody["keyType"], key: string): string => {
  if (keyType === "string" || !DECIMAL.test(key)) return key
  const [whole, fraction = ""] = key.split(".")
  const trimmed = fraction.replace(/0+$/, "")
  const int = whole!.replace(/^(-?)0+(?=\d)/, "$1")
  return trimmed === "" ? (int === "-0" ? "0" : int) : `${int}.${trimmed}`
}

const valueOk = (type: TableBody["valueType"], value: unknown): boolean => {
  switch (type) {
    case "string": return typeof value === "string"
    case "bool": return typeof value === "boolean"
    case "int": return (typeof value === "number" && Number.isSafeInteger(value)) || (typeof value === "string" && INT.test(value))
    case "decimal": return (typeof value === "number" && Number.isSafeInteger(value)) || (typeof value === "string" && DECIMAL.test(value))
  }
}

const checkTable = (table: TableBody): Effect.Effect<CheckedRule, ReadonlyArray<RuleProblem>> => {
  const problems: Array<RuleProblem> = []
  const rows = new Map<string, unknown>()
  table.rows.forEach((row, i) => {
    if (table.keyType === "int" && !INT.test(row.key)) problems.push({ code: "RULE020", path: `rows[${i}].key`, message: `"${row.key}" is not an integer key` })
    if (table.keyType === "decimal" && !DECIMAL.test(row.key)) problems.push({ code: "RULE020", path: `rows[${i}].key`, message: `"${row.key}" is not a decimal key` })
    if (!valueOk(table.valueType, row.value)) {
      problems.push({ code: "RULE021", path: `rows[${i}].value`, message: `${JSON.stringify(row.value)} is not a ${table.valueType} value` })
    }
    const key = tableKeyText(table.keyType, row.key)
    if (rows.has(key)) problems.push({ code: "RULE022", path: `rows[${i}].key`, message: `key "${row.key}" appears twice (as "${key}")` })
    rows.set(key, row.value)
  })
  if (problems.length > 0) return Effect.fail(problems)
  return Effect.succeed({ evaluate: (key) => rows.get(tableKeyText(table.keyType, String(key))) })
}

const runtimeTables = (tables: ReadonlyMap<string, TableBody>) =>
  Object.fromEntries([...tables].map(([name, table]) =>
    [name, Object.fromEntries(table.rows.map((r) => [tableKeyText(table.keyType, r.key), r.value]))]))

const fieldType = (target: Type, path: string): Type | undefined =>
  path.split(".").reduce<Type | undefined>((t, name) => {
    const record = t?.t === "nullable" ? t.of : t
    return record?.t === "record" ? record.fields[name] : undefined
  }, target)

const sourceProblems = (diagnostics: ReadonlyArray<Diagnostic>): ReadonlyArray<RuleProblem> =>
  diagnostics.map((d) => ({
    code: d.code,
    message: d.hint === undefined ? d.message : `${d.message} (${d.hint})`,
    path: "source",
    line: d.span.line,
    column: d.span.column,
  }))

const checkExpression = (body: ExpressionBody, context: RuleContext): Effect.Effect<CheckedRule, ReadonlyArray<RuleProblem>> => {
  const flow = flowTypes[body.flow]
  const inputs = Object.fromEntries(Object.entries(flow.variables).map(([name, schema]) => [name, typeFromJsonSchema(schema)]))
  const env = {
    inputs,
    tables: Object.fromEntries([...context.tables].map(([name, table]) => [name, valueTypes[table.valueType]])),
  }
  let compiled: { type: Type; checked: TExpr; fn: ReturnType<typeof evaluator> }
  if (body.language === "dsl") {
    if (typeof body.source !== "string") return Effect.fail([{ code: "RULE030", path: "source", message: "a DSL rule's source must be text" }])
    const result = compileExpression(body.source, env)
    if (!result.ok) return Effect.fail(sourceProblems(result.diagnostics))
    compiled = { type: result.type, checked: result.checked, fn: result.fn }
  } else {
    const ast = fromJsonLogic(body.source)
    if (!ast.ok) return Effect.fail(sourceProblems(ast.diagnostics))
    const checked = checkExpr(ast.expr, env)
    if (checked.diagnostics.length > 0) return Effect.fail(sourceProblems(checked.diagnostics))
    compiled = { type: checked.expr.type, checked: checked.expr, fn: evaluator(checked.expr) }
  }
  if (body.field !== undefined) {
    const expected = fieldType(typeFromJsonSchema(flow.target), body.field)
    if (expected === undefined) {
      return Effect.fail([{ code: "RULE031", path: "field", message: `the ${body.flow} flow's target has no field "${body.field}"` }])
    }
    // The fit a pipeline's map field gets (an enum member literal, no run-time currency into a fixed one).
    const fit = fitTarget(compiled.checked, expected)
    if (!fit.ok) {
      return Effect.fail([{
        code: "RULE032", path: "source",
        message: `the rule yields ${showType(compiled.type)} but field "${body.field}" takes ${showType(expected)}: ${fit.diagnostic.message}${fit.diagnostic.hint === undefined ? "" : ` (${fit.diagnostic.hint})`}`,
      }])
    }
  }
  const runtime = { tables: runtimeTables(context.tables) }
  const fn = compiled.fn
  return Effect.succeed({
    evaluate: (input) => {
      const result = fn((input ?? {}) as Record<string, unknown>, runtime)
      return result.ok ? result.value : { error: result.error }
    },
  })
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/** The rule checker backed by the DSL: type checks against the flow's canonical records. */
export const DslRuleChecker = Layer.succeed(RuleChecker, {
  check: (body: RuleBody, context: RuleContext) =>
    body.kind === "table" ? checkTable(body) : checkExpression(body, context),
  runTests: (body, rule) =>
    body.kind === "table"
      ? body.tests.flatMap((t) => {
        const actual = rule.evaluate(t.key)
        return sameJson(actual, t.expect) ? [] : [{ test: t.name, expected: t.expect, actual }]
      })
      : body.tests.flatMap((t) => {
        const actual = rule.evaluate(t.input)
        return sameJson(actual, t.expect) ? [] : [{ test: t.name, expected: t.expect, actual }]
      }),
})
