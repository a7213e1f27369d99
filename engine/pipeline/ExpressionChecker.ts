import type { Severity } from "./codes.js"
import type { ExpressionSite } from "./ExpressionSites.js"
import { flowTypes, type FlowType } from "./flowTypes.js"
import type { Problem } from "./Problem.js"
import type { ParsedYaml } from "./YamlDocument.js"

/**
 * The extension point for checks inside DSL strings. The DSL type checker (dsl/) implements
 * this interface and is passed to `validateFiles` / `validateText` in `expressionCheckers`;
 * `vortex validate` then prints its findings at the YAML position of the offending character.
 */
export interface ExpressionProblem {
  /** The checker's own code (the DSL type checker's DSLnnn, dsl/errorCodes.ts). */
  readonly code: string
  readonly message: string
  readonly severity?: Severity
  /** Offset inside the expression string; absent = the start of the string. */
  readonly offset?: number
}

/** What a checker may need besides the site: the flow's record types and the whole pipeline. */
export interface ExpressionContext {
  readonly flowType: FlowType
  readonly pipeline: ParsedYaml
}

export interface ExpressionChecker {
  readonly name: string
  readonly check: (site: ExpressionSite, context: ExpressionContext) => ReadonlyArray<ExpressionProblem>
}

export const runExpressionCheckers = (
  file: string,
  pipeline: ParsedYaml,
  sites: ReadonlyArray<ExpressionSite>,
  checkers: ReadonlyArray<ExpressionChecker>,
): ReadonlyArray<Problem> =>
  checkers.flatMap((checker) =>
    sites.flatMap((site) =>
      checker.check(site, { flowType: flowTypes[site.flow], pipeline }).map((p): Problem => {
        const { line, column } = site.positionAt(p.offset ?? 0)
        const anchored = site.anchoredAt?.(p.offset ?? 0)
        const message = anchored === undefined ? p.message : `${p.message} (in the aliased expression at ${anchored.line}:${anchored.column})`
        return { file, line, column, code: p.code, severity: p.severity ?? "error", message }
      })))
