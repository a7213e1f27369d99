import { cmp, Fixed, formatFixed, fromNumber, mul, parseFixed, toSmallInt, trimZeros } from "./fixed.js"
import { fieldReader, setOwn } from "./own.js"
import { DATE, DslFailure } from "./runtime.js"
import { isNumeric, nonNull, type Type } from "./types.js"

/**
 * The edges of an evaluation on the generic tier: raw JSON → runtime values by static type
 * (decoder), runtime values → JSON (encoder). Both tiers' outputs meet here: the fast tier
 * prints exactly what `encoder` prints.
 */

export const HUNDRED = new Fixed(100, 0)

/** Raw JSON (or an already decoded value) → runtime value of a scalar type; null stays null. */
export const decoder = (type: Type, what: string): ((raw: unknown) => unknown) => {
  const t = nonNull(type)
  const fail = (raw: unknown): never => {
    throw new DslFailure(`${what} is ${JSON.stringify(raw) ?? "undefined"}, not a ${t.t}`)
  }
  const missing = (): never => {
    throw new DslFailure(`${what} is missing`)
  }
  const nullable = type.t === "nullable" || type.t === "null" || type.t === "error"
  const scalar = ((): ((raw: unknown) => unknown) => {
    if (t.t === "percent") {
      return (raw) => {
        if (raw instanceof Fixed) return raw
        const n = typeof raw === "number" ? fromNumber(raw) : typeof raw === "string" ? parseFixed(raw) : undefined
        return n === undefined ? fail(raw) : new Fixed(n.u, n.s + 2)
      }
    }
    if (isNumeric(t)) {
      return (raw) => {
        if (raw instanceof Fixed) return raw
        if (typeof raw === "number") return fromNumber(raw) ?? fail(raw)
        if (typeof raw === "string") return parseFixed(raw) ?? fail(raw)
        return fail(raw)
      }
    }
    if (t.t === "date") return (raw) => (typeof raw === "string" && DATE.test(raw) ? raw.slice(0, 10) : fail(raw))
    if (t.t === "string" || t.t === "enum") return (raw) => (typeof raw === "string" ? raw : fail(raw))
    if (t.t === "bool") return (raw) => (typeof raw === "boolean" ? raw : fail(raw))
    if (t.t === "list") return (raw) => (Array.isArray(raw) ? raw : fail(raw))
    if (t.t === "record") return (raw) => (typeof raw === "object" && !Array.isArray(raw) ? raw : fail(raw))
    return (raw) => raw
  })()
  return (raw) => (raw === undefined || raw === null ? (nullable ? null : missing()) : scalar(raw))
}

/** Runtime value → JSON: decimals as strings with their scale ("11.90"), percents as percent numbers. */
export const encoder = (type: Type): ((v: unknown) => unknown) => {
  const t = nonNull(type)
  if (t.t === "int") {
    const dec = decoder(type, "value")
    return (v) => {
      const f = dec(v)
      if (!(f instanceof Fixed)) return null
      const n = toSmallInt(f)
      return n !== undefined ? n : formatFixed(f)
    }
  }
  if (t.t === "percent") {
    const dec = decoder(type, "value")
    return (v) => {
      const f = dec(v)
      return f instanceof Fixed ? formatFixed(f.s >= 2 ? new Fixed(f.u, f.s - 2) : trimZeros(mul(f, HUNDRED), 0)) : null
    }
  }
  if (isNumeric(t)) {
    const dec = decoder(type, "value")
    return (v) => {
      const f = dec(v)
      return f instanceof Fixed ? formatFixed(f) : null
    }
  }
  if (t.t === "list") {
    const each = encoder(t.of)
    return (v) => (Array.isArray(v) ? v.map(each) : null)
  }
  if (t.t === "record") {
    const fields = Object.entries(t.fields).map(([k, ft]) => [k, fieldReader(k), encoder(ft)] as const)
    return (v) => {
      if (typeof v !== "object" || v === null) return null
      const out: Record<string, unknown> = {}
      for (const [k, read, enc] of fields) {
        const x = read(v)
        if (x !== undefined) setOwn(out, k, enc(x))
      }
      return out
    }
  }
  return (v) => (v === undefined ? null : v)
}

/** Table keys are texts; numbers use their shortest decimal form so 19, 19.0 and "19" meet. */
export const keyText = (v: unknown): string => (v instanceof Fixed ? formatFixed(trimZeros(v, 0)) : String(v))

export const eqValues = (a: unknown, b: unknown): boolean =>
  a instanceof Fixed && b instanceof Fixed ? cmp(a, b) === 0 : a === b
