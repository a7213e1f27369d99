import { encoder } from "./codecs.js"
import { ITEM, newTrail, type Closure, type Ctx } from "./context.js"
import { compileFastRecord, compileFastRoots, type FastRecord } from "./fastNum.js"
import { genericCompiler } from "./generic.js"
import { DslFailure, type EvalResult, type Runtime } from "./runtime.js"
import { planSharing } from "./sharing.js"
import type { TExpr } from "./typedAst.js"

/**
 * Compiling checked roots into evaluation functions: the generic closures (generic.ts) and,
 * on the fast tier, generated code over them (fastNum.ts). Nothing here is module state: the
 * tier is an option of each compilation, the sharing plan belongs to it.
 */
export type Tier = "fast" | "generic"

export interface CompileOptions {
  /** "fast" (the default) or "generic" alone (the tests compare the two). */
  readonly tier?: Tier
}

/**
 * Compiles several roots together so their common subexpressions share slots. Each closure
 * returns its root's value encoded as JSON (see `encoder`): numeric and bool roots run on the
 * allocation-free tier, which falls back to the generic closures when it must.
 */
export const compileShared = (
  roots: ReadonlyArray<TExpr>,
  /** Names bound per list element by `for:` blocks (`item`, `as:` names): what mentions them is never shared. */
  loopNames: ReadonlySet<string> = new Set([ITEM]),
  tier: Tier = "fast",
  /**
   * The top-level output record, if the roots belong to a mapping: each field's root index or
   * its own closure. On the fast tier it becomes one generated function (`record`) that
   * returns NOT_FAST when the caller must evaluate the fields one by one instead.
   */
  recordFields?: ReadonlyArray<readonly [name: string, field: number | Closure]>,
): { readonly closures: Array<Closure>; readonly slotCount: number; readonly record?: FastRecord } => {
  const plan = planSharing(roots, loopNames)
  const compile = genericCompiler(plan)
  const generic = roots.map(compile)
  if (tier === "generic") {
    const closures = generic.map((f, i) => { const enc = encoder(roots[i]!.type); return (c: Ctx) => enc(f(c)) })
    return { closures, slotCount: plan.slots.size }
  }
  const closures = compileFastRoots(roots, generic, plan, compile)
  const record = recordFields === undefined ? undefined : compileFastRecord(recordFields, roots, closures, plan, compile)
  return record === undefined ? { closures, slotCount: plan.slots.size } : { closures, slotCount: plan.slots.size, record }
}

/** Wraps a compiled root into the total evaluation boundary. */
export const evaluator = (e: TExpr, options: CompileOptions = {}): ((vars: Readonly<Record<string, unknown>>, rt?: Runtime) => EvalResult) => {
  const { closures: [f], slotCount } = compileShared([e], new Set([ITEM]), options.tier) as { closures: [Closure]; slotCount: number }
  const trail = newTrail()
  return (vars, rt = {}) => {
    // A fresh start whatever an earlier evaluation left (it cannot leave anything but an internal error).
    trail.on = false
    trail.n = 0
    const c: Ctx = { vars, rt, fx: [], item: Object.hasOwn(vars, ITEM) ? vars[ITEM] : undefined, slots: new Array(slotCount), trail }
    try {
      return { ok: true, value: f(c), fx: c.fx }
    } catch (x) {
      if (x instanceof DslFailure) return x.span === undefined ? { ok: false, error: x.why } : { ok: false, error: x.why, span: x.span }
      return { ok: false, error: `internal error: ${String(x)}` }
    }
  }
}
