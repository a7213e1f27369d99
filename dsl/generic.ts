import { builtins } from "./builtins/index.js"
import { decoder, eqValues } from "./codecs.js"
import { failure, ITEM, type Closure } from "./context.js"
import { add, cmp, div, mul, neg, sub, type Fixed } from "./fixed.js"
import { fieldReader, setOwn } from "./own.js"
import { DslFailure } from "./runtime.js"
import type { SharePlan } from "./sharing.js"
import type { TExpr } from "./typedAst.js"

/**
 * The generic tier: the checked tree becomes nested JS closures once; evaluating is calling
 * them. Numbers are `Fixed` (fixed.ts: JS numbers while safe, bigint beyond). This tier owns
 * every error message, `??` fallback and bigint case; the allocation-free tier (fastNum.ts)
 * hands it whatever it does not answer itself. With a sharing plan, a repeated subexpression
 * keeps its value in a per-evaluation slot.
 */
export const genericCompiler = (plan: SharePlan | undefined): ((e: TExpr) => Closure) => {
  const compile = (e: TExpr): Closure => {
    const f = compileNode(e)
    if (plan === undefined || e.k === "num" || e.k === "str" || e.k === "bool" || e.k === "null" || e.k === "date" || e.k === "var") return f
    const key = plan.keyOf(e)
    if ((plan.counts.get(key) ?? 0) < 2 || plan.perElement(e)) return f
    let slot = plan.slots.get(key)
    if (slot === undefined) {
      slot = plan.slots.size
      plan.slots.set(key, slot)
    }
    const i = slot
    return (c) => {
      const have = c.slots[i]
      if (have !== undefined) return have
      const v = f(c)
      c.slots[i] = v
      const trail = c.trail
      if (trail.on) trail.filled[trail.n++] = i
      return v
    }
  }

  const tools = { compile }

  const compileNode = (e: TExpr): Closure => {
    switch (e.k) {
      case "num": { const v = e.value; return () => v }
      case "str": case "date": case "bool": { const v = e.value; return () => v }
      case "null": return () => null
      case "var": {
        // Records and lists too: a missing or misshapen input fails with its name here, rather
        // than reaching a list built-in as a null (the schema said it is there).
        const dec = decoder(e.type, e.name)
        if (e.name === ITEM) return (c) => dec(c.item)
        const read = fieldReader(e.name)
        return (c) => dec(read(c.vars))
      }
      case "field": {
        const target = compile(e.target)
        const read = fieldReader(e.name)
        const dec = decoder(e.type, describe(e))
        return (c) => {
          const o = target(c)
          if (o === null || typeof o !== "object") return null
          return dec(read(o))
        }
      }
      case "need": {
        const arg = compile(e.arg)
        const why = `${describe(e.arg)} is null`
        return (c) => {
          const v = arg(c)
          return v === null || v === undefined ? failure(why, e) : v
        }
      }
      case "neg": { const a = compile(e.arg); return (c) => neg(a(c) as Fixed) }
      case "not": { const a = compile(e.arg); return (c) => !(a(c) as boolean) }
      case "arith": {
        const l = compile(e.left)
        const r = compile(e.right)
        switch (e.op) {
          case "+": return (c) => add(l(c) as Fixed, r(c) as Fixed)
          case "-": return (c) => sub(l(c) as Fixed, r(c) as Fixed)
          case "*": return (c) => mul(l(c) as Fixed, r(c) as Fixed)
          default: return (c) => div(l(c) as Fixed, r(c) as Fixed) ?? failure("division by zero", e)
        }
      }
      case "cmp": {
        const l = compile(e.left)
        const r = compile(e.right)
        if (e.numeric) {
          const nullable = e.left.type.t === "nullable" || e.right.type.t === "nullable"
          if (e.op === "==" || e.op === "!=") {
            const want = e.op === "=="
            return nullable
              ? (c) => eqValues(l(c), r(c)) === want
              : (c) => (cmp(l(c) as Fixed, r(c) as Fixed) === 0) === want
          }
          const test = ordering(e.op)
          return (c) => test(cmp(l(c) as Fixed, r(c) as Fixed))
        }
        switch (e.op) {
          case "==": return (c) => l(c) === r(c)
          case "!=": return (c) => l(c) !== r(c)
          case "<": return (c) => (l(c) as string) < (r(c) as string)
          case "<=": return (c) => (l(c) as string) <= (r(c) as string)
          case ">": return (c) => (l(c) as string) > (r(c) as string)
          default: return (c) => (l(c) as string) >= (r(c) as string)
        }
      }
      case "in": {
        const l = compile(e.left)
        const r = compile(e.right)
        const t = e.right.type.t === "list" ? e.right.type.of : e.right.type
        const dec = decoder(t, "list element")
        return (c) => {
          const x = l(c)
          for (const el of r(c) as ReadonlyArray<unknown>) if (eqValues(x, dec(el))) return true
          return false
        }
      }
      case "and": { const l = compile(e.left); const r = compile(e.right); return (c) => (l(c) as boolean) && (r(c) as boolean) }
      case "or": { const l = compile(e.left); const r = compile(e.right); return (c) => (l(c) as boolean) || (r(c) as boolean) }
      case "coalesce": {
        const l = compile(e.left)
        const r = compile(e.right)
        if (e.left.failAt === undefined) return (c) => l(c) ?? r(c)
        return (c) => {
          let v: unknown
          try {
            v = l(c)
          } catch (x) {
            if (!(x instanceof DslFailure)) throw x
            return r(c)
          }
          return v ?? r(c)
        }
      }
      case "if": {
        const cond = compile(e.cond)
        const th = compile(e.then)
        const el = compile(e.else)
        return (c) => ((cond(c) as boolean) ? th(c) : el(c))
      }
      case "list": { const items = e.items.map(compile); return (c) => items.map((i) => i(c)) }
      case "record": {
        const fields = e.fields.map(([k, v]) => [k, compile(v)] as const)
        return (c) => {
          const out: Record<string, unknown> = {}
          for (const [k, f] of fields) setOwn(out, k, f(c))
          return out
        }
      }
      case "call": {
        const b = builtins.get(e.fn)
        if (b === undefined) return () => failure(`unknown function ${e.fn}`, e)
        return b.generic(e, e.args.map(compile), tools)
      }
    }
  }

  return compile
}

const ordering = (op: "<" | "<=" | ">" | ">="): ((x: number) => boolean) => {
  switch (op) {
    case "<": return (x) => x < 0
    case "<=": return (x) => x <= 0
    case ">": return (x) => x > 0
    default: return (x) => x >= 0
  }
}

const describe = (e: TExpr): string => (e.k === "var" ? e.name : e.k === "field" ? `${describe(e.target)}.${e.name}` : "value")
