import { BigDecimal } from "effect"

/**
 * A decoded API record as the rules language reads it: exact decimals become their decimal
 * text ("10.00" stays "10.00"), dates their ISO text. The DSL reads decimal text exactly; a JS
 * number would have passed through a float.
 */
export const toDslRecord = (value: unknown): unknown => {
  if (BigDecimal.isBigDecimal(value)) return BigDecimal.format(value)
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.map(toDslRecord)
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toDslRecord(v)]))
  }
  return value
}
