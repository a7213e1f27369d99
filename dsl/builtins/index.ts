import type { Builtin } from "./Builtin.js"
import { abs, coalesce, max, min } from "./choice.js"
import { count, filter, group, map, sum } from "./lists.js"
import { lookup } from "./lookup.js"
import { allocate, fx, money } from "./money.js"
import { round } from "./rounding.js"
import { concat, lower, replace, substr, trim, upper } from "./text.js"
import { percent, vat_add, vat_strip } from "./vat.js"

/**
 * Every built-in function by name: the one list the checker, both evaluators, the reference
 * interpreter and the JSON Logic bridge consult. A Map, so `toString` or `constructor` is no
 * function here.
 */
export const builtins: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ["round", round], ["vat_add", vat_add], ["vat_strip", vat_strip], ["percent", percent],
  ["money", money], ["allocate", allocate], ["lookup", lookup], ["fx", fx],
  ["coalesce", coalesce], ["min", min], ["max", max], ["abs", abs],
  ["upper", upper], ["lower", lower], ["trim", trim], ["concat", concat], ["substr", substr], ["replace", replace],
  ["map", map], ["filter", filter], ["sum", sum], ["count", count], ["group", group],
])

export const functionNames: ReadonlyArray<string> = [...builtins.keys()]

export type { Builtin } from "./Builtin.js"
