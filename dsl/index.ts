/**
 * The rules language, public face. Everything else in dsl/ is an implementation module.
 *
 * - `compileExpression(source, env)` → `{ ok, fn, type }` or `{ ok: false, diagnostics }`
 * - `compileMapping(mapBlock, env)` → one function for a pipeline `map:` block
 * - `typeFromJsonSchema(schema)` → the input/target record types
 * - `fromJsonLogic` / `toJsonLogic` → the JSON Logic bridge
 * Values leave an evaluation as JSON: decimals as strings with their scale ("11.90").
 */
export { compileExpression, type CompiledExpression, type Evaluate } from "./compileExpression.js"
export { compileMapping, type CompiledMapping, type MapBlock, type MapEntry, type Mapping, type MappingDiagnostic, type MappingEnv } from "./mapping.js"
export { typeFromJsonSchema, type JsonSchema } from "./typeFromJsonSchema.js"
export { checkExpr, ITEM, type CheckEnv } from "./check.js"
export { parse, Limits } from "./parse.js"
export { formatDiagnostic, type Diagnostic, type Span } from "./diagnostics.js"
export { ErrorCodes, type ErrorCode } from "./errorCodes.js"
export { T, show as showType, assignable, type Type } from "./types.js"
export { fitTarget, type Fit } from "./targetFit.js"
export type { EvalResult, FxUse, Rate, RateProvider, Runtime } from "./runtime.js"
export { referenceEvaluate } from "./referenceEval.js"
