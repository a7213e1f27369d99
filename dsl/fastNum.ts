import { builtins } from "./builtins/index.js"
import type { Code, Fast } from "./builtins/Builtin.js"
import { encoder } from "./codecs.js"
import { ITEM, type Closure, type Ctx } from "./context.js"
import { FRACTIONS, HELPER_NAMES, HELPERS, POWN, rawDecoder, unitsEncoder, WHOLES_MAX } from "./fastUnits.js"
import { isPrototypeName } from "./own.js"
import type { SharePlan } from "./sharing.js"
import type { TExpr } from "./typedAst.js"
import { isNumeric, nonNull, type Type } from "./types.js"

/**
 * The allocation-free tier's code generator. Generic closures (generic.ts) pass a `Fixed`
 * object between every two operations; here a numeric or bool root, or a mapping's whole
 * top-level record (compileFastRecord), is generated as one JS function whose intermediate
 * units are plain JS numbers in local variables, with their scales beside them, so
 * `round(vat_add(net, rate), 2)` allocates nothing between reading `net` and printing "11.90".
 * Scales follow exactly the rules of fixed.ts (the output text keeps its scale, so they must).
 * The run-time helpers the generated code calls are in fastUnits.ts; a built-in's own code is
 * written by its module (builtins/*.ts, `fast`).
 *
 * Anything off the common path — a unit count beyond 2^53, a null, a missing rate, a division
 * by zero, a value in an unexpected shape — throws RETRY; a record function then declines
 * (NOT_FAST) and its fields run one by one; a root's function undoes the slots and fx uses of
 * its attempt and evaluates the same expression with the generic closures, which own every
 * error message, `??` fallback and bigint case. So this tier only has to be right where it
 * answers, and test/dsl/tiers.test.ts checks it answers exactly like the generic tier.
 */

/**
 * `o[name]` as generated code; a name Object.prototype has (`constructor`) is read only when
 * the record has it itself, as the generic tier reads it (own.ts).
 */
const prop = (o: string, name: string): string => {
  const q = JSON.stringify(name)
  return isPrototypeName(name) ? `(Object.hasOwn(${o}, ${q}) ? ${o}[${q}] : undefined)` : `${o}[${q}]`
}

/** A numeric node this tier evaluates itself (else it adapts the generic closure). */
const fastNumeric = (e: TExpr): boolean => {
  if (!isNumeric(e.type)) return false
  switch (e.k) {
    case "num": return typeof e.value.u === "number"
    case "var": case "field": case "neg": case "arith": case "if": return true
    case "call": return builtins.get(e.fn)?.fast?.applies(e) === true
    default: return false
  }
}

/** A chain of record fields from a variable (`src.price`) as [variable, field names], if that is what `e` is. */
const recordPath = (e: TExpr): readonly [string, ReadonlyArray<string>] | undefined => {
  const steps: Array<string> = []
  let at = e
  while (at.k === "field") {
    steps.unshift(at.name)
    at = at.target
  }
  return at.k === "var" ? [at.name, steps] : undefined
}

/**
 * Statements setting `v` to formatUnits(u, k) for a scale k known when generating (a rounded
 * amount's), written out in the record function: the same digits as formatUnits, tested
 * against it through the tier tests.
 */
const formatStatements = (u: string, k: number, v: string, em: Emitter): string => {
  if (k === 0) return `${v} = String(${u} + 0);`
  const table = FRACTIONS[k]
  if (table === undefined) return `${v} = formatUnits(${u}, ${k});`
  const [a, w, t] = [em.temp("a"), em.temp("w"), em.temp("t")]
  const f = em.ref(table)
  return `${a} = ${u} < 0 ? -${u} : ${u}; ${w} = Math.trunc(${a} / ${POWN[k]!}); ${t} = ${w} < ${WHOLES_MAX} ? WHOLES[${w}] : undefined; if (${t} === undefined) ${t} = wholeDot(${w});`
    + ` ${v} = ${u} < 0 ? "-" + ${t} + ${f}[${a} - ${w} * ${POWN[k]!}] : ${t} + ${f}[${a} - ${w} * ${POWN[k]!}];`
}

// --- generated code for a root ------------------------------------------------------------------

/**
 * The same tier as straight-line JS: a root's numeric tree becomes one generated function with
 * its units and scales in local variables. Closures call each other through call sites shared
 * by every closure of a kind, so V8 sees every property read and call there as megamorphic;
 * a function per root gets its own, monomorphic, inlinable sites (measured ≈ 2× on the bench).
 * Only constants the compiler made reach the source text: numbers, JSON-quoted names, slot
 * indices; everything else (decoders, generic closures, helpers) is passed in by reference.
 */
class Emitter {
  constructor(
    /** The sharing plan of the compilation (undefined: nothing is shared). */
    readonly plan: SharePlan | undefined,
    /** The generic tier's compiler, for whatever this tier hands over. */
    readonly compile: (e: TExpr) => Closure,
  ) {}
  readonly vars: Array<string> = []
  readonly refs: Array<unknown> = []
  private n = 0
  /** Locals holding a repeated pure subexpression (or input read) once computed: key → locals. */
  readonly memo = new Map<string, ReadonlyArray<string>>()
  /** Memo keys certainly computed at the point being emitted (straight-line code so far). */
  private known = new Set<string>()
  temp(prefix: string): string {
    const v = `${prefix}${this.n++}`
    this.vars.push(v)
    return v
  }
  ref(x: unknown): string {
    this.refs.push(x)
    return `K[${this.refs.length - 1}]`
  }
  /** Whether the code reads or writes the context's slots (itself or through a closure). */
  usesSlots = false
  /** A closure the code calls with the context (which may use its slots). */
  closure(f: Closure): string {
    this.usesSlots = true
    return this.ref(f)
  }
  /** Emits code that runs only sometimes (a branch, a fallback): what it computes is not known after it. */
  branch<A>(f: () => A): A {
    const saved = this.known
    this.known = new Set(saved)
    try {
      return f()
    } finally {
      this.known = saved
    }
  }
  /**
   * The locals of `key`'s value, computing it here unless certainly computed already. A key
   * first met here is computed straight; one computed before only on some path is computed
   * under a test of its first local (locals start undefined and are assigned once, no loops).
   */
  memoized(key: string, out: Array<string>, compute: (out: Array<string>) => ReadonlyArray<string>): ReadonlyArray<string> {
    const have = this.memo.get(key)
    if (have !== undefined && this.known.has(key)) return have
    const assign = (locals: ReadonlyArray<string>, values: ReadonlyArray<string>): string =>
      locals.map((l, i) => (l === values[i] ? "" : `${l} = ${values[i]!};`)).join(" ")
    let locals: ReadonlyArray<string>
    if (have === undefined) {
      const values = compute(out)
      // A constant (a rounded value's scale) stays a constant: the same expression always has it.
      locals = values.map((v, i) => (i > 0 && /^\d+$/.test(v) ? v : this.temp("m")))
      this.memo.set(key, locals)
      out.push(assign(locals, values))
    } else {
      locals = have
      const inner: Array<string> = []
      const values = this.branch(() => compute(inner))
      out.push(`if (${locals[0]!} === undefined) {`, ...inner, assign(locals, values), "}")
    }
    this.known.add(key)
    return locals
  }
}


const genNum = (e: TExpr, em: Emitter, out: Array<string>): Code => {
  if (!fastNumeric(e)) {
    const g = em.closure(em.compile(e))
    const u = em.temp("u")
    const s = em.temp("s")
    out.push(`{ const v = ${g}(c); ${u} = v instanceof Fixed ? unitsOfFixed(v) : retry(); ${s} = R.s; }`)
    return [u, s]
  }
  if (e.k === "num") return [`(${e.value.u})`, String(e.value.s)]
  const plan = em.plan
  const key = plan?.keyOf(e)
  const repeated = key !== undefined && (plan?.counts.get(key) ?? 0) >= 2
  // A repeated subexpression without fx is computed once per evaluation into locals (a
  // generated function has no loops, so `item` is fixed within it too). One with fx keeps the
  // generic tier's slot, so its rate is recorded once even where a generic closure also needs it.
  if (repeated && !key.includes("fx{")) {
    const [u, s] = em.memoized(key, out, (o) => genNumNode(e, em, o))
    return [u!, s!]
  }
  const slot = repeated && plan !== undefined && e.k !== "var" && !plan.perElement(e) ? plan.slots.get(key) : undefined
  if (slot === undefined) return genNumNode(e, em, out)
  const u = em.temp("u")
  const s = em.temp("s")
  const inner: Array<string> = []
  em.usesSlots = true
  const [cu, cs] = em.branch(() => genNumNode(e, em, inner))
  out.push(`{ const h = c.slots[${slot}]; if (h !== undefined) { ${u} = unitsOfFixed(h); ${s} = R.s; } else {`, ...inner,
    `${u} = ${cu}; ${s} = ${cs}; c.slots[${slot}] = new Fixed(${u}, ${s}); c.trail.filled[c.trail.n++] = ${slot}; } }`)
  return [u, s]
}

const genNumNode = (e: TExpr, em: Emitter, out: Array<string>): Code => {
  const u = em.temp("u")
  const s = em.temp("s")
  const decoded = (raw: string, type: Type): Code => {
    // The common JSON numbers (integers, one or two places) decoded right here, as
    // unitsOfNumber does (its first steps, written out); anything else through the decoder.
    const [x, m, w] = [em.temp("x"), em.temp("m"), em.temp("w")]
    const pct = nonNull(type).t === "percent" ? 2 : 0
    out.push(`${x} = ${raw};`,
      `if (typeof ${x} === "number" && Number.isSafeInteger(${x})) { ${u} = ${x} + 0; ${s} = ${pct}; }`,
      `else if (typeof ${x} === "number" && ${x} < 1e9 && ${x} > -1e9 && (${m} = Math.round(${x} * 100)) / 100 === ${x}) {`,
      `  ${w} = ${m} / 10; if (${w} === Math.trunc(${w})) { ${u} = ${w}; ${s} = ${1 + pct}; } else { ${u} = ${m}; ${s} = ${2 + pct}; } }`,
      `else { ${u} = ${em.ref(rawDecoder(type))}(${x}); ${s} = R.s; }`)
    return [u, s]
  }
  switch (e.k) {
    case "var": return decoded(e.name === ITEM ? "c.item" : prop("c.vars", e.name), e.type)
    case "field": {
      const path = recordPath(e.target)
      if (path === undefined) {
        const o = em.temp("o")
        out.push(`${o} = ${em.closure(em.compile(e.target))}(c); if (typeof ${o} !== "object" || ${o} === null) retry();`)
        return decoded(prop(o, e.name), e.type)
      }
      return decoded(prop(genRecord(path[0], path[1], em, out), e.name), e.type)
    }
    case "neg": {
      const [a, as] = genNum(e.arg, em, out)
      out.push(`${u} = -${a} || 0; ${s} = ${as};`)
      return [u, s]
    }
    case "arith": {
      const [a, as] = genNum(e.left, em, out)
      const [b, bs] = genNum(e.right, em, out)
      switch (e.op) {
        case "+": case "-": {
          const op = e.op
          out.push(`if (${as} === ${bs}) { ${u} = ${a} ${op} ${b}; ${s} = ${as}; } else if (${as} > ${bs}) { ${u} = ${a} ${op} up(${b}, ${as} - ${bs}); ${s} = ${as}; } else { ${u} = up(${a}, ${bs} - ${as}) ${op} ${b}; ${s} = ${bs}; }`,
            `if (!safe(${u})) retry(); ${u} = ${u} || 0;`)
          return [u, s]
        }
        case "*":
          out.push(`${u} = ${a} * ${b}; if (!safe(${u})) retry(); ${u} = ${u} || 0; ${s} = ${as} + ${bs};`)
          return [u, s]
        default:
          out.push(`${u} = divide(${a}, ${as}, ${b}, ${bs}); ${s} = R.s;`)
          return [u, s]
      }
    }
    case "if": {
      const thenCode: Array<string> = []
      const elseCode: Array<string> = []
      const cond = genBool(e.cond, em, out)
      const [tu, ts] = em.branch(() => genNum(e.then, em, thenCode))
      const [eu, es] = em.branch(() => genNum(e.else, em, elseCode))
      out.push(`if (${cond}) {`, ...thenCode, `${u} = ${tu}; ${s} = ${ts}; } else {`, ...elseCode, `${u} = ${eu}; ${s} = ${es}; }`)
      return [u, s]
    }
    case "call": return genCall(e as Extract<TExpr, { k: "call" }>, em, out, u, s)
    default: {
      out.push(`{ const v = ${em.closure(em.compile(e))}(c); ${u} = v instanceof Fixed ? unitsOfFixed(v) : retry(); ${s} = R.s; }`)
      return [u, s]
    }
  }
}

/** 1 + rate (of vat_add/vat_strip), once per evaluation per rate expression. */
const onePlus = (rate: TExpr, em: Emitter, out: Array<string>): Code => {
  const compute = (o: Array<string>): Code => {
    const [ru, rs] = genNum(rate, em, o)
    const u = em.temp("u")
    o.push(`${u} = up(1, ${rs}) + ${ru}; if (!safe(${u})) retry();`)
    return [u, rs]
  }
  if (em.plan === undefined) return compute(out)
  const [u, s] = em.memoized(`1+${em.plan.keyOf(rate)}`, out, compute)
  return [u!, s!]
}

/** A call this tier generates: its built-in writes the code (builtins/*.ts), given these tools. */
const genCall = (e: Extract<TExpr, { k: "call" }>, em: Emitter, out: Array<string>, u: string, s: string): Code => {
  const fast = builtins.get(e.fn)?.fast
  if (fast === undefined) {
    out.push(`{ const v = ${em.closure(em.compile(e))}(c); ${u} = v instanceof Fixed ? unitsOfFixed(v) : retry(); ${s} = R.s; }`)
    return [u, s]
  }
  const tools: Fast = {
    out, u, s,
    num: (x) => genNum(x, em, out),
    text: (x) => genText(x, em, out),
    onePlus: (rate) => onePlus(rate, em, out),
    branch: (f) => em.branch(f),
    temp: (p) => em.temp(p),
    ref: (x) => em.ref(x),
  }
  return fast.gen(e, tools)
}

/** A string or date argument (fx's currencies and day): literal, direct read, or the generic closure. */
const genText = (e: TExpr, em: Emitter, out: Array<string>): string => {
  if (e.k === "str") return JSON.stringify(e.value)
  const path = e.k === "field" ? recordPath(e.target) : undefined
  const t = e.type.t
  if (e.k !== "field" || path === undefined || (t !== "date" && t !== "string")) return `${em.closure(em.compile(e))}(c)`
  const [root, steps] = path
  return em.memoized(`${t}:${JSON.stringify([root, ...steps, e.name])}`, out, (o) => {
    const r = genRecord(root, steps, em, o)
    const v = em.temp("t")
    const raw = prop(r, e.name)
    o.push(t === "date" ? `${v} = dateOf(${raw});` : `${v} = ${raw}; if (typeof ${v} !== "string") retry();`)
    return [v]
  })[0]!
}

/**
 * The record at a variable's field path (`src.price`), read once per evaluation into a local
 * and checked to be a record: each field of it is then one property load.
 */
const genRecord = (root: string, steps: ReadonlyArray<string>, em: Emitter, out: Array<string>): string =>
  em.memoized(`record:${JSON.stringify([root, ...steps])}`, out, (o) => {
    const from = steps.length === 0
      ? (root === ITEM ? "c.item" : prop("c.vars", root))
      : prop(genRecord(root, steps.slice(0, -1), em, o), steps[steps.length - 1]!)
    const v = em.temp("o")
    o.push(`${v} = ${from}; if (typeof ${v} !== "object" || ${v} === null || Array.isArray(${v})) retry();`)
    return [v]
  })[0]!

const genBool = (e: TExpr, em: Emitter, out: Array<string>): string => {
  const b = em.temp("b")
  if (e.k === "cmp" && e.numeric && fastNumeric(e.left) && fastNumeric(e.right)) {
    const [x, xs] = genNum(e.left, em, out)
    const [y, ys] = genNum(e.right, em, out)
    const op = e.op === "==" ? "===" : e.op === "!=" ? "!==" : e.op
    out.push(`${b} = cmpUnits(${x}, ${xs}, ${y}, ${ys}) ${op} 0;`)
    return b
  }
  if (e.k === "and" || e.k === "or") {
    const l = genBool(e.left, em, out)
    const rest: Array<string> = []
    const r = em.branch(() => genBool(e.right, em, rest))
    out.push(`if (${e.k === "and" ? "" : "!"}${l}) {`, ...rest, `${b} = ${r}; } else ${b} = ${l};`)
    return b
  }
  if (e.k === "not") {
    const a = genBool(e.arg, em, out)
    out.push(`${b} = !${a};`)
    return b
  }
  out.push(`${b} = ${em.closure(em.compile(e))}(c);`)
  return b
}

/**
 * A numeric or bool root as one generated function returning its encoded JSON value; on RETRY
 * (or any failure) it undoes its attempt and returns what `fallback` (the generic tier) says.
 */
const generate = (e: TExpr, em: Emitter, fallback: (c: Ctx, fxBefore: number, mark: number, was: boolean) => unknown): Closure => {
  const body: Array<string> = []
  const result = genRoot(e, em, body)
  const source = `"use strict"; ${HELPER_NAMES} const fallback = ${em.ref(fallback)};
return (c) => {
  const trail = c.trail, before = c.fx.length, mark = trail.n, was = trail.on;
  trail.on = true;
  try {
    ${em.vars.length > 0 ? `let ${em.vars.join(", ")};` : ""}
    ${body.join("\n    ")}
    const v = ${result};
    trail.n = mark;
    trail.on = was;
    return v;
  } catch {
    return fallback(c, before, mark, was);
  }
}`
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function("H", "K", source)(HELPERS, em.refs) as Closure
}

/** A root this tier generates code for (else it runs its generic closure). */
const generated = (e: TExpr): boolean =>
  (isNumeric(e.type) && fastNumeric(e)) || (e.type.t === "bool" && (e.k === "cmp" || e.k === "and" || e.k === "or" || e.k === "not"))

/** The encoded JSON value of a generated root: its units printed, or its bool. */
const genRoot = (e: TExpr, em: Emitter, out: Array<string>): string => {
  if (!isNumeric(e.type)) return genBool(e, em, out)
  const [u, s] = genNum(e, em, out)
  const t = nonNull(e.type).t
  if (t !== "int" && t !== "percent" && /^\d+$/.test(s)) {
    const v = em.temp("v")
    out.push(formatStatements(u, Number(s), v, em))
    return v
  }
  // Decimals and money print their units at their scale (often a constant: a rounded amount's).
  return t === "int" || t === "percent" ? `${em.ref(unitsEncoder(e.type))}(${u}, ${s})` : `formatUnits(${u}, ${s})`
}

/** A whole-record function; one that never touches the slots can run on a context without them. */
export interface FastRecord { readonly run: (c: Ctx) => unknown; readonly usesSlots: boolean }

/** What a record function returns when it cannot answer: the caller then runs the field closures. */
export const NOT_FAST: unique symbol = Symbol("not fast")

/**
 * A whole output record as ONE generated function: every generated field's code in field
 * order, sharing its locals, so a field path is read and decoded once per record and a
 * subexpression repeated across fields (the gross price of three fields) is computed once;
 * other fields call their own closures in their turn. Anything unusual (RETRY, or a failure
 * a field reports) returns NOT_FAST and the caller evaluates the record again, field by field,
 * on a fresh context: that path gives the answer and owns every error.
 */
export const compileFastRecord = (
  /** Each field: the index of its root, or the closure of a nested block, list or literal. */
  fields: ReadonlyArray<readonly [name: string, field: number | Closure]>,
  roots: ReadonlyArray<TExpr>,
  /** The roots' own closures (encoding their value), for roots this tier does not generate. */
  rootClosures: ReadonlyArray<Closure>,
  plan: SharePlan,
  compile: (e: TExpr) => Closure,
): FastRecord | undefined => {
  // A literal would treat that name as the prototype slot (mapping.ts keeps plain stores for it).
  if (fields.some(([name]) => name === "__proto__")) return undefined
  const em = new Emitter(plan, compile)
  const body: Array<string> = []
  // Values in field order: fx uses are recorded in the order the fields run.
  const values = fields.map(([, f]) => {
    const v = em.temp("v")
    if (typeof f === "function") body.push(`${v} = ${em.closure(f)}(c);`)
    else if (!generated(roots[f]!)) body.push(`${v} = ${em.closure(rootClosures[f]!)}(c);`)
    else body.push(`${v} = ${genRoot(roots[f]!, em, body)};`)
    return v
  })
  const literal = fields.map(([name], i) => `${JSON.stringify(name)}: ${values[i]!}`).join(", ")
  const source = `"use strict"; ${HELPER_NAMES} const NOT_FAST = ${em.ref(NOT_FAST)};
return (c) => {
  const mark = c.trail.n;
  try {
    ${em.vars.length > 0 ? `let ${em.vars.join(", ")};` : ""}
    ${body.join("\n    ")}
    c.trail.n = mark;
    return { ${literal} };
  } catch {
    c.trail.n = mark;
    return NOT_FAST;
  }
}`
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return { run: new Function("H", "K", source)(HELPERS, em.refs) as (c: Ctx) => unknown, usesSlots: em.usesSlots }
}

/**
 * Roots → closures that return the root's encoded JSON value. A numeric or bool root runs on
 * this tier and falls back to `generic` (the same root's generic closure) on RETRY.
 */
export const compileFastRoots = (
  roots: ReadonlyArray<TExpr>,
  generic: ReadonlyArray<Closure>,
  plan: SharePlan,
  compile: (e: TExpr) => Closure,
): Array<Closure> =>
  roots.map((e, i): Closure => {
    const enc = encoder(e.type)
    const slow = generic[i]!
    // Undo the attempt (its fx uses and the slots it filled) and let the generic tier answer.
    const fallback = (c: Ctx, fxBefore: number, mark: number, was: boolean): unknown => {
      const trail = c.trail
      for (let j = mark; j < trail.n; j++) c.slots[trail.filled[j]!] = undefined
      trail.n = mark
      trail.on = was
      if (c.fx.length !== fxBefore) c.fx.length = fxBefore
      return enc(slow(c))
    }
    // RETRY, or a failure the generic tier reports in its own words (or a `??` above catches).
    return generated(e) ? generate(e, new Emitter(plan, compile), fallback) : (c) => enc(slow(c))
  })
