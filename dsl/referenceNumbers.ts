import { BigDecimal, Option } from "effect"
import { DIVISION_SCALE, type RoundingMode } from "./fixed.js"
import { ownValue, setOwn } from "./own.js"
import { DATE, DslFailure } from "./runtime.js"
import { isNumeric, nonNull, type Type } from "./types.js"

/**
 * The numbers of the reference semantics (referenceEval.ts), over Effect's `BigDecimal`:
 * decoding, encoding, rounding and division restated independently of fixed.ts.
 */
export type BD = BigDecimal.BigDecimal

const bigMode: Record<RoundingMode, BigDecimal.RoundingMode> = {
  half_up: "half-from-zero", half_even: "half-even", up: "from-zero", down: "to-zero", ceil: "ceil", floor: "floor",
}

/** Rounds to exactly `scale` digits (BigDecimal.round may return fewer when they are zeros). */
export const roundTo = (x: BD, scale: number, mode: RoundingMode): BD => BigDecimal.scale(BigDecimal.round(x, { scale, mode: bigMode[mode] }), scale)

export const ONE = BigDecimal.fromBigInt(1n)
export const HUNDRED = BigDecimal.fromBigInt(100n)

export const parseBig = (s: string): BD | undefined => (s.trim() === "" ? undefined : Option.getOrUndefined(BigDecimal.fromString(s.trim().replace(/^\+/, ""))))

export const toBig = (raw: unknown, percent: boolean): BD | undefined => {
  if (BigDecimal.isBigDecimal(raw)) return raw
  const n = typeof raw === "number" ? (Number.isFinite(raw) ? parseBig(String(raw)) : undefined) : typeof raw === "string" ? parseBig(raw) : undefined
  if (n === undefined) return undefined
  return percent ? BigDecimal.unsafeDivide(n, HUNDRED) : n
}

/** Same contract as compile.ts's decoder, restated over BigDecimal. */
export const decode = (type: Type, raw: unknown, what: string): unknown => {
  const t = nonNull(type)
  if (raw === undefined || raw === null) {
    if (type.t === "nullable" || type.t === "null" || type.t === "error") return null
    throw new DslFailure(`${what} is missing`)
  }
  const bad = (): never => {
    throw new DslFailure(`${what} is ${JSON.stringify(raw)}, not a ${t.t}`)
  }
  if (isNumeric(t)) return toBig(raw, t.t === "percent") ?? bad()
  switch (t.t) {
    case "date": return typeof raw === "string" && DATE.test(raw) ? raw.slice(0, 10) : bad()
    case "string": case "enum": return typeof raw === "string" ? raw : bad()
    case "bool": return typeof raw === "boolean" ? raw : bad()
    case "list": return Array.isArray(raw) ? raw : bad()
    case "record": return typeof raw === "object" && !Array.isArray(raw) ? raw : bad()
    default: return raw
  }
}

/** Decimal text keeping the value's scale: 11.9 with scale 2 prints "11.90". */
export const formatBig = (x: BD): string => {
  if (x.scale <= 0) return (x.value * 10n ** BigInt(-x.scale)).toString()
  const neg = x.value < 0n
  const digits = (neg ? -x.value : x.value).toString().padStart(x.scale + 1, "0")
  return `${neg ? "-" : ""}${digits.slice(0, -x.scale)}.${digits.slice(-x.scale)}`
}

export const encode = (type: Type, v: unknown): unknown => {
  const t = nonNull(type)
  if (v === null || v === undefined) return null
  if (isNumeric(t)) {
    const x = decode(type, v, "value") as BD
    if (t.t === "percent") return formatBig(BigDecimal.normalize(BigDecimal.multiply(x, HUNDRED)))
    if (t.t === "int") {
      const n = Number(formatBig(BigDecimal.normalize(x)))
      return Number.isSafeInteger(n) ? n : formatBig(x)
    }
    return formatBig(x)
  }
  if (t.t === "list") return (v as ReadonlyArray<unknown>).map((x) => encode(t.of, x))
  if (t.t === "record") {
    const out: Record<string, unknown> = {}
    for (const [k, ft] of Object.entries(t.fields)) {
      const x = ownValue(v as object, k)
      if (x !== undefined) setOwn(out, k, encode(ft, x))
    }
    return out
  }
  return v
}

/** ÷ as the language defines it: DIVISION_SCALE digits half-even, trailing zeros dropped to the operands' scale. */
export const divide = (a: BD, b: BD): BD | undefined => {
  if (BigDecimal.isZero(b)) return undefined
  const q = roundTo(BigDecimal.unsafeDivide(a, b), DIVISION_SCALE, "half_even")
  const floor = Math.max(a.scale, b.scale)
  const n = BigDecimal.normalize(q)
  return n.scale >= floor ? n : BigDecimal.scale(n, floor)
}

export const keyText = (v: unknown): string => (BigDecimal.isBigDecimal(v) ? BigDecimal.format(BigDecimal.normalize(v)) : String(v))
export const same = (a: unknown, b: unknown): boolean => (BigDecimal.isBigDecimal(a) && BigDecimal.isBigDecimal(b) ? BigDecimal.equals(a, b) : a === b)

