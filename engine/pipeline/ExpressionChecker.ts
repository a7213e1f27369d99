import type { Severity } from "./codes.js"
import type { ExpressionSite } from "./ExpressionSites.js"
import { flowTypes, type FlowType } from "./flowTypes.js"
import type { Problem } from "./Problem.js"

/**
 * The extension point for checks inside DSL strings. The DSL type checker (dsl/) implements
 * this interface and is passed to `validateFiles` / `validateText` in `expressionCheckers`;
 * `vortex validate` then prints its findings at the YAML position of the offending character.
 */
export interface ExpressionProblem {
  /** VX100–VX199 are reserved for expression checkers (see codes.ts). */
  readonly code: string
  readonly message: string
  readonly severity?: Severity
  /** Offset inside the expression string; absent = the start of the string. */
  readonly offset?: number
}

export interface ExpressionChecker {
  readonly name: string
  readonly check: (site: ExpressionSite, flowType: FlowType) => ReadonlyArray<ExpressionProblem>
}

export const runExpressionCheckers = (
  file: string,
  sites: ReadonlyArray<ExpressionSite>,
  checkers: ReadonlyArray<ExpressionChecker>,
): ReadonlyArray<Problem> =>
  checkers.flatMap((checker) =>
    sites.flatMap((site) =>
      checker.check(site, flowTypes[site.flow]).map((p): Problem => {
        const { line, column } = site.positionAt(p.offset ?? 0)
        return { file, line, column, code: p.code, severity: p.severity ?? "error", message: p.message }
      })))
