import { DslFailure, type FxUse, type Runtime } from "./runtime.js"
import type { TExpr } from "./typedAst.js"

/** The name list built-ins and `for:` mappings bind an element to when none is given. */
export const ITEM = "item"

/**
 * Slots filled while a fast-tier attempt runs (fastNum.ts): when the attempt falls back to the
 * generic tier, it empties them again so the values (and the fx uses they recorded) are redone.
 * One trail per compiled expression or mapping, reached through the context: evaluation is
 * synchronous, so an evaluation has the trail to itself while it runs.
 */
export interface Trail { on: boolean; n: number; readonly filled: Array<number> }
export const newTrail = (): Trail => ({ on: false, n: 0, filled: [] })

/**
 * One evaluation's state, passed to every closure. Numbers are `Fixed` (scaled integers). Raw
 * JSON enters only through variables, fields, table rows, rates and list elements.
 */
export interface Ctx {
  readonly vars: Readonly<Record<string, unknown>>
  readonly rt: Runtime
  readonly fx: Array<FxUse>
  item: unknown
  /** Values of shared subexpressions computed so far in this evaluation (see compile.ts). */
  readonly slots: Array<unknown>
  readonly trail: Trail
}
export type Closure = (c: Ctx) => unknown

export const failure = (why: string, e: TExpr): never => {
  throw new DslFailure(why, e.span)
}

/**
 * Runs `f` once per element with the element bound to `bind`: `item` in the context's own
 * slot (restored after), a named variable (`l -> …`) in a child context whose variables add
 * it; the child shares the slots, fx uses and trail of the evaluation.
 */
export const eachElement = <A>(c: Ctx, bind: string, list: ReadonlyArray<unknown>, f: (c: Ctx) => A): Array<A> => {
  const out: Array<A> = []
  if (bind !== ITEM) {
    for (const el of list) out.push(f({ vars: { ...c.vars, [bind]: el }, rt: c.rt, fx: c.fx, item: c.item, slots: c.slots, trail: c.trail }))
    return out
  }
  const outer = c.item
  try {
    for (const el of list) {
      c.item = el
      out.push(f(c))
    }
    return out
  } finally {
    c.item = outer
  }
}
