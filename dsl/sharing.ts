import type { TExpr } from "./typedAst.js"

/**
 * Common subexpressions: a rule set repeats itself (`src.price.netPrice` in eight fields, the
 * gross price in three). Within one evaluation the inputs do not change and evaluation has no
 * side effects (fx records the rate once either way), so a subexpression that occurs twice or
 * more and mentions no per-element variable is computed once per evaluation (a slot on the
 * generic tier, locals in generated code). A plan belongs to one compilation.
 */
export interface SharePlan {
  /** How often each subexpression (by key) occurs in the roots. */
  readonly counts: ReadonlyMap<string, number>
  /** The generic tier's slot of each shared subexpression, assigned as it is compiled. */
  readonly slots: Map<string, number>
  /** A structural key: equal keys, equal values within one evaluation. */
  keyOf(e: TExpr): string
  /** Does `e` mention a variable bound per element (`item`, `as:` names, `x -> …`)? Never shared. */
  perElement(e: TExpr): boolean
}

export const kidsOf = (e: TExpr): ReadonlyArray<TExpr> => {
  switch (e.k) {
    case "call": return e.opts.fallback === undefined ? e.args : [...e.args, e.opts.fallback]
    case "list": return e.items
    case "record": return e.fields.map(([, v]) => v)
    case "field": return [e.target]
    case "need": case "neg": case "not": return [e.arg]
    case "arith": case "cmp": case "in": case "and": case "or": case "coalesce": return [e.left, e.right]
    case "if": return [e.cond, e.then, e.else]
    default: return []
  }
}

/**
 * The plan for compiling `roots` together. `loopNames` are the names a mapping's `for:` blocks
 * bind; the names element functions bind are found in the roots themselves.
 */
export const planSharing = (roots: ReadonlyArray<TExpr>, loopNames: ReadonlySet<string>): SharePlan => {
  const keys = new WeakMap<TExpr, string>()
  const keyOf = (e: TExpr): string => {
    const known = keys.get(e)
    if (known !== undefined) return known
    let key: string
    switch (e.k) {
      case "num": key = `#${e.value.u}e-${e.value.s}:${e.type.t}`; break
      case "str": case "date": case "bool": key = `${e.k}${JSON.stringify(e.value)}`; break
      case "null": key = "null"; break
      case "var": key = `$${JSON.stringify(e.name)}`; break
      case "field": key = `${keyOf(e.target)}.${JSON.stringify(e.name)}`; break
      case "call": {
        const { fallback, ...opts } = e.opts
        key = `${e.fn}${JSON.stringify(opts)}(${e.args.map(keyOf).join(",")}${fallback === undefined ? "" : `;${keyOf(fallback)}`})`
        break
      }
      case "record": key = `{${e.fields.map(([k, v]) => `${JSON.stringify(k)}:${keyOf(v)}`).join(",")}}`; break
      case "list": key = `[${e.items.map(keyOf).join(",")}]`; break
      default: key = `${e.k}${"op" in e ? e.op : ""}(${kidsOf(e).map(keyOf).join(",")})`
    }
    keys.set(e, key)
    return key
  }

  const bound = new Set(loopNames)
  const collect = (e: TExpr): void => {
    if (e.k === "call" && e.opts.bind !== undefined) bound.add(e.opts.bind)
    for (const k of kidsOf(e)) collect(k)
  }
  for (const r of roots) collect(r)
  const mentions = new WeakMap<TExpr, boolean>()
  const perElement = (e: TExpr): boolean => {
    const known = mentions.get(e)
    if (known !== undefined) return known
    const m = e.k === "var" ? bound.has(e.name) : kidsOf(e).some(perElement)
    mentions.set(e, m)
    return m
  }

  const counts = new Map<string, number>()
  const count = (e: TExpr): void => {
    const key = keyOf(e)
    const n = (counts.get(key) ?? 0) + 1
    counts.set(key, n)
    if (n > 1) return // its children were counted the first time
    for (const k of kidsOf(e)) count(k)
  }
  for (const r of roots) count(r)
  return { counts, slots: new Map(), keyOf, perElement }
}
