/**
 * JSON text in which exact decimals are written as number literals. The catalog API wants prices
 * as JSON numbers; going through a JS float to get there is what Vortex never does with money.
 */
import { BigDecimal } from "effect"

export const decimalJson = (value: unknown): string => {
  if (BigDecimal.isBigDecimal(value)) return BigDecimal.format(value)
  if (Array.isArray(value)) return `[${value.map(decimalJson).join(",")}]`
  if (value !== null && typeof value === "object") {
    const fields = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${decimalJson(v)}`)
    return `{${fields.join(",")}}`
  }
  return JSON.stringify(value)
}
