import { checkExpr, type CheckEnv } from "./check.js"
import { evaluator, type CompileOptions } from "./compile.js"
import type { Diagnostic } from "./diagnostics.js"
import { parse } from "./parse.js"
import type { EvalResult, Runtime } from "./runtime.js"
import type { TExpr } from "./typedAst.js"
import type { Type } from "./types.js"

export type Evaluate = (inputs: Readonly<Record<string, unknown>>, runtime?: Runtime) => EvalResult

export type CompiledExpression =
  | { readonly ok: true; readonly type: Type; readonly fn: Evaluate; readonly checked: TExpr; readonly diagnostics: ReadonlyArray<never> }
  | { readonly ok: false; readonly diagnostics: ReadonlyArray<Diagnostic> }

/**
 * Source text → a total, synchronous evaluation function, or every diagnostic. Parse, check
 * and closure building happen here, once; the hot path only calls `fn`.
 */
export const compileExpression = (source: string, env: CheckEnv, options: CompileOptions = {}): CompiledExpression => {
  const parsed = parse(source)
  if (!parsed.ok) return { ok: false, diagnostics: parsed.diagnostics }
  const checked = checkExpr(parsed.expr, env)
  if (checked.diagnostics.length > 0) return { ok: false, diagnostics: checked.diagnostics }
  return { ok: true, type: checked.expr.type, fn: evaluator(checked.expr, options), checked: checked.expr, diagnostics: [] }
}
