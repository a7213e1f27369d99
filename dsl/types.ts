/**
 * The static types of the rules language. `percent` is its own type so that 19 and 19 % can
 * never be confused; `money` carries its currency when the schema or the expression fixes it.
 */
export type Type =
  | { readonly t: "decimal" }
  | { readonly t: "int" }
  | { readonly t: "percent" }
  | { readonly t: "money"; readonly currency?: string }
  | { readonly t: "string" }
  | { readonly t: "bool" }
  | { readonly t: "date" }
  | { readonly t: "null" }
  | { readonly t: "enum"; readonly values: ReadonlyArray<string> }
  | { readonly t: "record"; readonly fields: Readonly<Record<string, Type>>; readonly required?: ReadonlyArray<string> }
  | { readonly t: "list"; readonly of: Type }
  | { readonly t: "nullable"; readonly of: Type }
  /** A bare word in a place that takes one, e.g. a rounding mode. */
  | { readonly t: "symbol"; readonly name: string }
  /** The type of an expression that already failed to check: absorbs follow-on errors. */
  | { readonly t: "error" }

export const T = {
  decimal: { t: "decimal" } as Type,
  int: { t: "int" } as Type,
  percent: { t: "percent" } as Type,
  money: (currency?: string): Type => (currency === undefined ? { t: "money" } : { t: "money", currency }),
  string: { t: "string" } as Type,
  bool: { t: "bool" } as Type,
  date: { t: "date" } as Type,
  null: { t: "null" } as Type,
  error: { t: "error" } as Type,
  enum: (values: ReadonlyArray<string>): Type => ({ t: "enum", values }),
  list: (of: Type): Type => ({ t: "list", of }),
  record: (fields: Record<string, Type>, required?: ReadonlyArray<string>): Type =>
    required === undefined ? { t: "record", fields } : { t: "record", fields, required },
  nullable: (of: Type): Type => (of.t === "nullable" || of.t === "null" || of.t === "error" ? of : { t: "nullable", of }),
}

/** A record type's field by name: own fields only, so `constructor` is no field of every record. */
export const fieldType = (rec: Extract<Type, { t: "record" }>, name: string): Type | undefined =>
  Object.hasOwn(rec.fields, name) ? rec.fields[name] : undefined

export const nonNull = (t: Type): Type => (t.t === "nullable" ? t.of : t)
export const isNullable = (t: Type): boolean => t.t === "nullable" || t.t === "null"
/** Number-like types share one runtime representation (an exact decimal). */
export const isNumeric = (t: Type): boolean => t.t === "decimal" || t.t === "int" || t.t === "percent" || t.t === "money"
export const isTextual = (t: Type): boolean => t.t === "string" || t.t === "enum"

export const show = (t: Type): string => {
  switch (t.t) {
    case "money": return t.currency === undefined ? "money" : `money(${t.currency})`
    case "enum": return `enum(${t.values.map((v) => JSON.stringify(v)).join(" | ")})`
    case "record": return `{ ${Object.entries(t.fields).map(([k, v]) => `${k}: ${show(v)}`).join(", ")} }`
    case "list": return `list(${show(t.of)})`
    case "nullable": return `${show(t.of)}?`
    case "symbol": return t.name
    default: return t.t
  }
}

/**
 * Can a value of type `from` be used where `to` is expected? Widening only where no meaning
 * is lost: int → decimal, int/decimal → money (an amount the schema calls money), enum →
 * string, T → T?, null → T?, money(CUR) → money. Percent never converts implicitly.
 */
export const assignable = (from: Type, to: Type): boolean => {
  if (from.t === "error" || to.t === "error") return true
  if (to.t === "nullable") return from.t === "null" || assignable(nonNull(from), to.of)
  if (from.t === "nullable" || from.t === "null") return false
  switch (to.t) {
    case "decimal": return from.t === "decimal" || from.t === "int"
    // Money of a currency known only at run time never fits a fixed currency (see targetFit.ts).
    case "money": return (from.t === "money" && (to.currency === undefined || from.currency === to.currency)) || from.t === "decimal" || from.t === "int"
    case "string": return from.t === "string" || from.t === "enum"
    case "enum": return from.t === "enum" && from.values.every((v) => to.values.includes(v))
    case "list": return from.t === "list" && assignable(from.of, to.of)
    case "record": {
      if (from.t !== "record") return false
      return Object.entries(to.fields).every(([k, ft]) => {
        const have = fieldType(from, k)
        return have === undefined ? isNullable(ft) && !(to.required ?? []).includes(k) : assignable(have, ft)
      })
    }
    default: return from.t === to.t
  }
}

/** The smallest type both branches fit in (for `if`, `??`, list items), or undefined. */
export const unify = (a: Type, b: Type): Type | undefined => {
  if (a.t === "error") return b
  if (b.t === "error") return a
  if (a.t === "null") return T.nullable(b)
  if (b.t === "null") return T.nullable(a)
  if (a.t === "nullable" || b.t === "nullable") {
    const u = unify(nonNull(a), nonNull(b))
    return u === undefined ? undefined : T.nullable(u)
  }
  if (a.t === b.t) {
    switch (a.t) {
      case "money": {
        const bc = (b as { currency?: string }).currency
        return a.currency === bc ? a : T.money()
      }
      case "enum": return T.enum([...new Set([...a.values, ...(b as { values: ReadonlyArray<string> }).values])])
      case "list": {
        const u = unify(a.of, (b as { of: Type }).of)
        return u === undefined ? undefined : T.list(u)
      }
      case "record": return assignable(b, a) ? a : assignable(a, b) ? b : undefined
      default: return a
    }
  }
  const pair = new Set([a.t, b.t])
  if (pair.has("int") && pair.has("decimal")) return T.decimal
  if (pair.has("money") && (pair.has("int") || pair.has("decimal"))) return a.t === "money" ? a : b
  if (pair.has("enum") && pair.has("string")) return T.string
  return undefined
}
