import type { Diagnostic } from "./diagnostics.js"
import { didYouMean } from "./didYouMean.js"
import type { TExpr } from "./typedAst.js"
import { assignable, isNullable, nonNull, show, T, type Type } from "./types.js"

/**
 * Does a mapped value fit the type of the target field it fills? `assignable`, plus what only
 * the target can tell:
 * - a quoted literal fills an enum field when it is a member (`"gross"` for a taxType), as does
 *   an `if`/`??` that can only yield member literals; a non-member is DSL212 with a did-you-mean.
 *   The value then has the enum type, so a record or list holding it fits its target too;
 * - money whose currency is known only at run time (a channel amount whose record names its
 *   currency, `x-vortex-currency-field`) does not fill a money(EUR) field: nothing would check
 *   at run time that the amount is in euros, so a USD order would be booked as euros. It must
 *   be converted, `fx(x, src.currency, "EUR", on: …)`: the amount as it is when the currencies
 *   agree, converted at the dated (and recorded) rate when not. DSL213.
 */
export type Fit =
  | { readonly ok: true; readonly type: Type }
  | { readonly ok: false; readonly diagnostic: Diagnostic }

/** The texts a value can be when it is always a quoted literal (or null), else undefined. */
const literalTexts = (e: TExpr): ReadonlyArray<Extract<TExpr, { k: "str" }>> | undefined => {
  switch (e.k) {
    case "str": return [e]
    case "null": return []
    case "if": case "coalesce": {
      const [a, b] = e.k === "if" ? [e.then, e.else] : [e.left, e.right]
      const x = literalTexts(a)
      const y = literalTexts(b)
      return x === undefined || y === undefined ? undefined : [...x, ...y]
    }
    default: return undefined
  }
}

export const fitTarget = (value: TExpr, want: Type): Fit => {
  const w = nonNull(want)
  const have = nonNull(value.type)
  let type = value.type
  if (w.t === "enum" && have.t === "string") {
    const texts = literalTexts(value)
    const outside = texts?.find((t) => !w.values.includes(t.value))
    if (outside !== undefined) {
      const guess = didYouMean(outside.value, w.values)
      return {
        ok: false,
        diagnostic: {
          code: "DSL212",
          message: `"${outside.value}" is not one of ${w.values.map((v) => JSON.stringify(v)).join(", ")}`,
          span: outside.span,
          ...(guess !== undefined ? { hint: `did you mean "${guess}"?` } : {}),
        },
      }
    }
    if (texts !== undefined && texts.length > 0) {
      const members = T.enum([...new Set(texts.map((t) => t.value))])
      type = isNullable(value.type) ? T.nullable(members) : members
    }
  }
  if (w.t === "money" && w.currency !== undefined && have.t === "money" && have.currency === undefined) {
    return {
      ok: false,
      diagnostic: {
        code: "DSL213",
        message: `${show(value.type)} in a currency known only at run time does not fit the target type ${show(want)}`,
        span: value.span,
        hint: `convert it: fx(<amount>, <its currency>, "${w.currency}", on: <date>); it stays as it is when the currencies agree`,
      },
    }
  }
  if (!assignable(type, want)) {
    return {
      ok: false,
      diagnostic: {
        code: "DSL303",
        message: `${show(type)} does not fit the target type ${show(want)}`,
        span: value.span,
        ...(isNullable(type) && !isNullable(want) ? { hint: "the value may be null: add ?? <default>" } : {}),
      },
    }
  }
  return { ok: true, type }
}
