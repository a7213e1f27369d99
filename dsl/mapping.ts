import { checkExpr, type CheckEnv } from "./check.js"
import { compileShared, type CompileOptions } from "./compile.js"
import { ITEM, newTrail, type Closure, type Ctx } from "./context.js"
import { NOT_FAST } from "./fastNum.js"
import { fieldType as ownFieldType } from "./types.js"
import { setOwn } from "./own.js"
import type { TExpr } from "./typedAst.js"
import { didYouMean } from "./didYouMean.js"
import { spanAt, type Diagnostic } from "./diagnostics.js"
import { parse } from "./parse.js"
import { DslFailure, type EvalResult, type Runtime } from "./runtime.js"
import { fitTarget } from "./targetFit.js"
import { assignable, nonNull, show, T, type Type } from "./types.js"

/**
 * A pipeline `map:` block: target field → expression text, a nested block for a nested
 * record, or `{ for: <list expression>, map: { … } }` for a list whose elements are mapped one
 * by one with the element bound to `item` (or to the name given by `as:`; a name already
 * bound — an input, an outer `for:` — is a compile error, DSL217, as is a nested `for:`
 * without `as:` inside one that binds `item`). A `for` may also keep only elements whose
 * `when:` holds and `append:` extra elements (`{ when?, map }`, evaluated outside the loop).
 * The whole block compiles to ONE function producing a fresh output record: a failing field
 * fails the whole mapping, nothing half-written escapes.
 */
export type MapEntry = string | number | boolean | null | MapBlock | ForBlock
export interface MapBlock { readonly [field: string]: MapEntry }
export interface ForBlock {
  readonly for: string
  readonly map: MapBlock
  readonly as?: string
  readonly when?: string
  readonly append?: ReadonlyArray<{ readonly when?: string; readonly map: MapBlock }>
}

export interface MappingEnv extends CheckEnv, CompileOptions {
  /** The record type the output must fit (from the target schema); unchecked when absent. */
  readonly target?: Type
}

/** A diagnostic of one mapped field: `fieldPath` is e.g. `lines[].price`, `source` its expression text. */
export interface MappingDiagnostic extends Diagnostic {
  readonly fieldPath: string
  readonly source: string
}

export type Mapping = (inputs: Readonly<Record<string, unknown>>, runtime?: Runtime) => EvalResult

export type CompiledMapping =
  | {
    readonly ok: true
    readonly fn: Mapping
    readonly type: Type
    readonly diagnostics: ReadonlyArray<never>
    /** How often the whole-record function declined and the fields ran one by one (tests tell the paths apart). */
    readonly stats: { readonly declined: number }
  }
  | { readonly ok: false; readonly diagnostics: ReadonlyArray<MappingDiagnostic> }

/**
 * One output record from its field closures. The object literal is generated (field names
 * JSON-quoted, so a name is only ever a string literal): V8 then builds every record with one
 * fixed shape and monomorphic stores, where a loop of `out[name] = …` over ten names is a
 * megamorphic keyed store per field (measured: the largest single cost of a 10-field mapping).
 */
const recordBuilder = (names: ReadonlyArray<string>, values: ReadonlyArray<Closure>): Closure => {
  if (names.includes("__proto__")) {
    // A literal would treat that name as the prototype slot; keep the plain stores for it.
    return (c) => {
      const out: Record<string, unknown> = {}
      for (let i = 0; i < names.length; i++) setOwn(out, names[i]!, values[i]!(c))
      return out
    }
  }
  const body = names.map((k, i) => `${JSON.stringify(k)}: v[${i}](c)`).join(", ")
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const build = new Function("v", "c", `"use strict"; return { ${body} }`) as (v: ReadonlyArray<Closure>, c: Ctx) => Record<string, unknown>
  return (c) => build(values, c)
}

/** The slots of a record function that never uses them: nothing is ever stored there. */
const NO_SLOTS: Array<unknown> = Object.freeze([]) as unknown as Array<unknown>

const isFor = (e: MapEntry): e is ForBlock => typeof e === "object" && e !== null && "for" in e && "map" in e

/** `root`: index of the compiled root closure an expression field calls (known once all are compiled). */
interface Built {
  readonly run: Closure
  readonly type: Type
  readonly root?: number
  /** A record's fields (for the whole-record function of the top level). */
  readonly fields?: ReadonlyArray<readonly [string, Built]>
}

export const compileMapping = (block: MapBlock, env: MappingEnv): CompiledMapping => {
  const diagnostics: Array<MappingDiagnostic> = []
  // Expressions are checked first and compiled together at the end, so that subexpressions
  // shared between fields are computed once per evaluation.
  const roots: Array<TExpr> = []
  const closures: Array<Closure> = []
  const bound = new Set<string>([ITEM])

  const expression = (source: string, path: string, scope: Readonly<Record<string, Type>>): Built | undefined => {
    const parsed = parse(source)
    const report = (ds: ReadonlyArray<Diagnostic>) => { for (const d of ds) diagnostics.push({ ...d, fieldPath: path, source }) }
    if (!parsed.ok) return report(parsed.diagnostics), undefined
    const checked = checkExpr(parsed.expr, { ...env, inputs: { ...env.inputs, ...scope } })
    if (checked.diagnostics.length > 0) return report(checked.diagnostics), undefined
    const i = roots.push(checked.expr) - 1
    // The root closures encode (decimals → strings) themselves; see compileShared.
    return { run: (c) => closures[i]!(c), type: checked.expr.type, root: i }
  }

  const record = (b: MapBlock, path: string, target: Type | undefined, scope: Readonly<Record<string, Type>>): Built => {
    const rec = target === undefined ? undefined : nonNull(target)
    const targetFields = rec?.t === "record" ? rec.fields : undefined
    const targetField = (key: string): Type | undefined => (rec?.t === "record" ? ownFieldType(rec, key) : undefined)
    const fields: Array<readonly [string, Built]> = []
    const types: Record<string, Type> = {}
    for (const [key, entry] of Object.entries(b)) {
      const here = path === "" ? key : `${path}.${key}`
      const want = targetField(key)
      if (targetFields !== undefined && want === undefined) {
        const guess = didYouMean(key, Object.keys(targetFields))
        diagnostics.push({ code: "DSL301", message: `the target has no field "${key}"`, span: spanAt("", 0), fieldPath: here, source: "", ...(guess !== undefined ? { hint: `did you mean ${guess}?` } : {}) })
        continue
      }
      const reported = diagnostics.length
      const built = field(entry, here, want, scope)
      if (built === undefined) continue
      let type = built.type
      if (want !== undefined && built.root !== undefined) {
        // An expression: its checked tree tells enum literals and run-time currencies apart.
        const fit = fitTarget(roots[built.root]!, want)
        const source = typeof entry === "string" ? entry : String(entry)
        if (fit.ok) type = fit.type
        else diagnostics.push({ ...fit.diagnostic, fieldPath: here, source })
      } else if (want !== undefined && diagnostics.length === reported && !assignable(built.type, want)) {
        // A nested block or list whose own fields all fit (else they said so already).
        diagnostics.push({ code: "DSL303", message: `${show(built.type)} does not fit the target type ${show(want)}`, span: spanAt("", 0), fieldPath: here, source: "" })
      }
      fields.push([key, built])
      setOwn(types, key, type)
    }
    if (targetFields !== undefined && rec?.t === "record") {
      for (const k of rec.required ?? []) {
        if (!Object.hasOwn(b, k)) diagnostics.push({ code: "DSL302", message: `required target field "${k}" is not mapped`, span: spanAt("", 0), fieldPath: path === "" ? k : `${path}.${k}`, source: "" })
      }
    }
    // Built on the first evaluation, when the root closures exist: the record then calls them directly.
    let build: Closure | undefined
    const run: Closure = (c) => {
      build ??= recordBuilder(fields.map(([k]) => k), fields.map(([, f]) => (f.root !== undefined ? closures[f.root]! : f.run)))
      return build(c)
    }
    return { run, type: T.record(types, Object.keys(types)), fields }
  }

  const field = (entry: MapEntry, path: string, target: Type | undefined, scope: Readonly<Record<string, Type>>): Built | undefined => {
    if (typeof entry === "string") return expression(entry, path, scope)
    if (typeof entry === "number" || typeof entry === "boolean") return expression(String(entry), path, scope)
    if (entry === null) return { run: () => null, type: T.null }
    // Values are encoded (decimals → strings) as each field is computed, so the output record is built once.
    if (isFor(entry)) {
      const list = expression(entry.for, `${path}.for`, scope)
      if (list === undefined) return undefined
      const listType = nonNull(list.type)
      if (listType.t !== "list") {
        diagnostics.push({ code: "DSL304", message: `for: needs a list, got ${show(list.type)}`, span: spanAt(entry.for, 0, entry.for.length), fieldPath: `${path}.for`, source: entry.for })
        return undefined
      }
      const name = typeof entry.as === "string" ? entry.as : ITEM
      // An inner binding that hid an outer one (or an input) would read the wrong value without a word.
      if (Object.hasOwn(scope, name) || Object.hasOwn(env.inputs, name)) {
        diagnostics.push({
          code: "DSL217",
          message: typeof entry.as === "string" ? `as: "${name}" is already bound here` : "a for: nested in one that binds item must name its element with as:",
          span: spanAt(name, 0, name.length), fieldPath: `${path}.as`, source: name,
          hint: "choose a name not used by an input or an enclosing for:",
        })
        return undefined
      }
      bound.add(name)
      const inner = { ...scope, [name]: listType.of }
      const elementTarget = target !== undefined && nonNull(target).t === "list" ? (nonNull(target) as { of: Type }).of : undefined
      const body = record(entry.map, `${path}[]`, elementTarget, inner)
      const keep = typeof entry.when === "string" ? expression(entry.when, `${path}.when`, inner) : undefined
      const extras = (entry.append ?? []).map((x, i) => ({
        when: typeof x.when === "string" ? expression(x.when, `${path}.append[${i}].when`, scope) : undefined,
        body: record(x.map, `${path}.append[${i}]`, elementTarget, scope),
      }))
      const getList = list.run
      const each = body.run
      const test = keep?.run
      // Each element gets its own variables; shared slots stay valid because subexpressions
      // that mention a loop variable are never shared (see compileShared's bound names).
      const element = (c: Ctx, x: unknown): Ctx =>
        name === ITEM ? { vars: c.vars, rt: c.rt, fx: c.fx, item: x, slots: c.slots, trail: c.trail } : { vars: { ...c.vars, [name]: x }, rt: c.rt, fx: c.fx, item: c.item, slots: c.slots, trail: c.trail }
      const run: Closure = (c) => {
        const xs = getList(c)
        const out: Array<unknown> = []
        for (const x of (xs ?? []) as ReadonlyArray<unknown>) {
          const ec = element(c, x)
          if (test === undefined || test(ec) === true) out.push(each(ec))
        }
        for (const x of extras) if (x.when === undefined || x.when.run(c) === true) out.push(x.body.run(c))
        return out
      }
      return { run, type: T.list(body.type) }
    }
    if (typeof entry === "object" && entry !== null && "rule" in entry) {
      diagnostics.push({ code: "DSL304", message: `rule "${String((entry as { rule: unknown }).rule)}" lives in the rule store, which is not loaded here`, span: spanAt("", 0), fieldPath: path, source: "" })
      return undefined
    }
    if (typeof entry === "object" && !Array.isArray(entry)) return record(entry, path, target, scope)
    diagnostics.push({ code: "DSL304", message: "a mapping entry is an expression, a nested block or { for, map }", span: spanAt("", 0), fieldPath: path, source: "" })
    return undefined
  }

  const root = record(block, "", env.target, {})
  if (diagnostics.length > 0) return { ok: false, diagnostics }
  const shared = compileShared(roots, bound, env.tier, (root.fields ?? []).map(([k, f]) => [k, f.root ?? f.run] as const))
  closures.push(...shared.closures)
  const slotCount = shared.slotCount
  const whole = shared.record?.run
  const wholeSlots = shared.record?.usesSlots === true ? slotCount : 0
  const trail = newTrail()
  const stats = { declined: 0 }
  const fn: Mapping = (inputs, rt = {}) => {
    trail.on = false
    trail.n = 0
    const item = Object.hasOwn(inputs, ITEM) ? inputs[ITEM] : undefined
    if (whole !== undefined) {
      const c: Ctx = { vars: inputs, rt, fx: [], item, slots: wholeSlots === 0 ? NO_SLOTS : new Array(wholeSlots), trail }
      const value = whole(c)
      if (value !== NOT_FAST) return { ok: true, value, fx: c.fx }
      stats.declined++
    }
    // Field by field on a fresh context: the answer whenever the whole-record function has none.
    const c: Ctx = { vars: inputs, rt, fx: [], item, slots: new Array(slotCount), trail }
    try {
      return { ok: true, value: root.run(c), fx: c.fx }
    } catch (x) {
      if (x instanceof DslFailure) return x.span === undefined ? { ok: false, error: x.why } : { ok: false, error: x.why, span: x.span }
      return { ok: false, error: `internal error: ${String(x)}` }
    }
  }
  return { ok: true, fn, type: root.type, diagnostics: [], stats }
}
