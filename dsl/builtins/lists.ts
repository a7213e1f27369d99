import { BigDecimal } from "effect"
import { decoder, keyText } from "../codecs.js"
import { eachElement } from "../context.js"
import { add, Fixed } from "../fixed.js"
import { decode, keyText as bigKeyText, type BD } from "../referenceNumbers.js"
import type { TExpr } from "../typedAst.js"
import { isNullable, isNumeric, isTextual, show, T, type Type } from "../types.js"
import { callNode, listArg } from "./args.js"
import type { Builtin, CallExpr, Checking } from "./Builtin.js"

/**
 * The list built-ins, the only iteration the language has (bounded by the list's length).
 * The element function is `x -> body`, or a bare body over `item`; see Checking.lambda for
 * when it must be named.
 */

const elementType = (list: TExpr): Type => (list.type.t === "list" ? list.type.of : list.type)

/** The element function of a call, checked with its variable bound to the list's element type. */
const withBody = (c: Checking, e: CallExpr, i: number, of: Type, asValue: boolean) => {
  const { body, bind } = c.lambda(e.args[i]!, of)
  return { body: asValue ? c.value(body) : body, bind }
}

const boolBody = (c: Checking, e: CallExpr, body: TExpr): void => {
  if (body.type.t !== "bool" && body.type.t !== "error") c.error("DSL210", `${e.fn}() needs a bool condition, got ${show(body.type)}`, e.args[1]!.span)
}

export const map: Builtin = {
  min: 2, max: 2, named: [], lambdas: [1],
  check: (c, e) => {
    const { list, of } = listArg(c, e.args[0]!, e.fn)
    const { body, bind } = withBody(c, e, 1, of, false)
    return callNode(c, e, [list, body], T.list(body.type), { bind })
  },
  generic: (e, [a0, a1]) => {
    const bind = e.opts.bind!
    return (c) => eachElement(c, bind, a0!(c) as ReadonlyArray<unknown>, a1!)
  },
  reference: (e, arg, r) => r.each(arg(0) as ReadonlyArray<unknown>, e.args[1]!, e.opts.bind!),
}

export const filter: Builtin = {
  min: 2, max: 2, named: [], lambdas: [1],
  check: (c, e) => {
    const { list, of } = listArg(c, e.args[0]!, e.fn)
    const { body, bind } = withBody(c, e, 1, of, true)
    boolBody(c, e, body)
    return callNode(c, e, [list, body], list.type, { bind })
  },
  generic: (e, [a0, a1]) => {
    const bind = e.opts.bind!
    return (c) => {
      const list = a0!(c) as ReadonlyArray<unknown>
      const keep = eachElement(c, bind, list, a1!)
      return list.filter((_, i) => keep[i] === true)
    }
  },
  reference: (e, arg, r) => {
    const list = arg(0) as ReadonlyArray<unknown>
    const keep = r.each(list, e.args[1]!, e.opts.bind!)
    return list.filter((_, i) => keep[i] === true)
  },
}

export const count: Builtin = {
  min: 1, max: 2, named: [], lambdas: [1],
  check: (c, e) => {
    const { list, of } = listArg(c, e.args[0]!, e.fn)
    if (e.args[1] === undefined) return callNode(c, e, [list], T.int)
    const { body, bind } = withBody(c, e, 1, of, true)
    boolBody(c, e, body)
    return callNode(c, e, [list, body], T.int, { bind })
  },
  generic: (e, [a0, a1]) => {
    if (a1 === undefined) return (c) => new Fixed((a0!(c) as ReadonlyArray<unknown>).length, 0)
    const bind = e.opts.bind!
    return (c) => new Fixed(eachElement(c, bind, a0!(c) as ReadonlyArray<unknown>, a1).filter((x) => x === true).length, 0)
  },
  reference: (e, arg, r) => {
    const list = arg(0) as ReadonlyArray<unknown>
    return BigDecimal.fromBigInt(BigInt(e.args.length === 1 ? list.length : r.each(list, e.args[1]!, e.opts.bind!).filter((x) => x === true).length))
  },
}

export const sum: Builtin = {
  min: 1, max: 2, named: [], lambdas: [1],
  check: (c, e) => {
    const { list, of } = listArg(c, e.args[0]!, e.fn)
    const fn = e.args[1] === undefined ? undefined : withBody(c, e, 1, of, true)
    const elem = fn?.body.type ?? of
    if (elem.t !== "error" && !isNumeric(elem)) return c.error("DSL205", `sum() adds numbers, got ${show(elem)}`, e.args[fn === undefined ? 0 : 1]!.span)
    if (fn === undefined && isNullable(elem)) return c.error("DSL205", `sum() of ${show(elem)}: the elements may be null`, e.args[0]!.span, "sum(list, x -> x ?? 0)")
    return fn === undefined
      ? callNode(c, e, [list], elem, { percentValues: elem.t === "percent" })
      : callNode(c, e, [list, fn.body], elem, { percentValues: elem.t === "percent", bind: fn.bind })
  },
  generic: (e, [a0, a1]) => {
    const zero = new Fixed(0, 0)
    if (a1 === undefined) {
      const dec = decoder(e.args[0]!.type.t === "list" ? elementType(e.args[0]!) : e.type, "list element")
      return (c) => {
        let acc = zero
        for (const el of a0!(c) as ReadonlyArray<unknown>) acc = add(acc, dec(el) as Fixed)
        return acc
      }
    }
    const bind = e.opts.bind!
    return (c) => (eachElement(c, bind, a0!(c) as ReadonlyArray<unknown>, a1) as Array<Fixed>).reduce(add, zero)
  },
  reference: (e, arg, r) => {
    const list = arg(0) as ReadonlyArray<unknown>
    const of = e.args[0]!.type.t === "list" ? elementType(e.args[0]!) : e.type
    const values = e.args.length === 1 ? list.map((x) => decode(of, x, "element")) : r.each(list, e.args[1]!, e.opts.bind!)
    return values.reduce<BD>((a, b) => BigDecimal.sum(a, b as BD), BigDecimal.fromBigInt(0n))
  },
}

/**
 * `group(list, x -> key)`: the elements grouped by a scalar key, as records `{ key, items }`
 * in the order each key first occurs. Numbers group by value (19%, 19.0% and 19.00% are one
 * group). With `sum` and `round` it totals per tax rate and rounds once per rate, as lexoffice
 * and EN 16931 do: `sum(group(lines, l -> l.rate), g -> round(sum(g.items, l -> l.net) * g.key, 2))`.
 * Linear in the list's length, like every list built-in.
 */
export const group: Builtin = {
  min: 2, max: 2, named: [], lambdas: [1],
  check: (c, e) => {
    const { list, of } = listArg(c, e.args[0]!, e.fn)
    const { body, bind } = withBody(c, e, 1, of, true)
    const k = body.type
    if (k.t !== "error" && !(isNumeric(k) || isTextual(k) || k.t === "bool" || k.t === "date")) {
      return c.error("DSL205", `group() keys must be numbers, strings, bools or dates, got ${show(k)}`, e.args[1]!.span)
    }
    return callNode(c, e, [list, body], T.list(T.record({ key: k, items: T.list(of) }, ["key", "items"])), { bind })
  },
  generic: (e, [a0, a1]) => {
    const bind = e.opts.bind!
    return (c) => {
      const list = a0!(c) as ReadonlyArray<unknown>
      return grouped(list, eachElement(c, bind, list, a1!), keyText)
    }
  },
  reference: (e, arg, r) => {
    const list = arg(0) as ReadonlyArray<unknown>
    return grouped(list, r.each(list, e.args[1]!, e.opts.bind!), bigKeyText)
  },
}

const grouped = (list: ReadonlyArray<unknown>, keys: ReadonlyArray<unknown>, text: (k: unknown) => string) => {
  const groups = new Map<string, { readonly key: unknown; readonly items: Array<unknown> }>()
  list.forEach((el, i) => {
    const key = keys[i]
    const id = text(key)
    const g = groups.get(id)
    if (g === undefined) groups.set(id, { key, items: [el] })
    else g.items.push(el)
  })
  return [...groups.values()]
}
