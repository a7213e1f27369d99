/**
 * The bounds of what a rule set may hold (issue #12), checked by the store for every way in
 * (API, YAML import, CLI) with a message that names the bound. The database CHECK on names is
 * the backstop, never the first line.
 */
import type { RuleProblem } from "./errors.js"

export const RULE_NAME = /^[a-z][a-z0-9_-]{0,62}$/
export const MAX_DESCRIPTION_LENGTH = 2_000
export const MAX_COMMENT_LENGTH = 2_000
/** Versions are Postgres `integer`s. */
export const MAX_VERSION = 2_147_483_647
/**
 * Deeper JSON is no rule, table or record Vortex stores; parsers, validators and the JSON Logic
 * bridge recurse per level, so depth is bounded before any of them runs. A JSON Logic rule
 * within the DSL's own depth limit (48) nests at most about 100 JSON levels.
 */
export const MAX_JSON_DEPTH = 128

export const isVersionNumber = (n: number) => Number.isInteger(n) && n >= 1 && n <= MAX_VERSION

export const nameProblems = (name: string): ReadonlyArray<RuleProblem> =>
  RULE_NAME.test(name) ? [] : [{
    code: "RULE004", path: "name",
    message: `"${name.length > 80 ? `${name.slice(0, 80)}…` : name}" is not a rule set name: 1 to 63 characters, a lower-case letter first, then lower-case letters, digits, "_" or "-" (e.g. "bc_tax_class")`,
  }]

export const textProblems = (field: "description" | "comment", text: string | undefined, max: number): ReadonlyArray<RuleProblem> =>
  text === undefined || text.length <= max ? [] : [{ code: "RULE005", path: field, message: `the ${field} has ${text.length} characters; at most ${max} are kept` }]

/** How deep a decoded JSON value nests, without recursion (a hostile value must not overflow the stack). */
export const depthOf = (value: unknown, limit: number): number => {
  let max = 0
  const stack: Array<[unknown, number]> = [[value, 1]]
  while (stack.length > 0) {
    const [v, d] = stack.pop()!
    if (v === null || typeof v !== "object") continue
    if (d > max) max = d
    if (max > limit) return max
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1])
  }
  return max
}
