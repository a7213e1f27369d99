import { Context, type Effect } from "effect"
import type { RuleBody, TableBody } from "./RuleBody.js"
import type { RuleProblem, RuleTestFailure } from "./errors.js"

/** What a rule can see besides its input: the tenant's published lookup tables. */
export interface RuleContext {
  readonly tables: ReadonlyMap<string, TableBody>
}

export interface CheckedRule {
  /** Evaluates the rule on one input record (an expression) or key (a table); never throws. */
  readonly evaluate: (input: unknown) => unknown
}

/**
 * Parses, type-checks and compiles a rule body, and runs its stored test cases. The rule
 * store depends on this interface, not on the DSL, so that `engine/rules` stays about
 * versions and pointers while `dsl/` stays about the language.
 */
export class RuleChecker extends Context.Tag("engine/RuleChecker")<RuleChecker, {
  readonly check: (body: RuleBody, context: RuleContext) => Effect.Effect<CheckedRule, ReadonlyArray<RuleProblem>>
  readonly runTests: (body: RuleBody, rule: CheckedRule) => ReadonlyArray<typeof RuleTestFailure.Type>
}>() {}
