import { describe, expect, it } from "vitest"
import fc from "fast-check"
import { BigDecimal } from "effect"
import { decimalJson } from "../../../connectors/bigcommerce/DecimalJson.js"

describe("decimal JSON for catalog writes", () => {
  it("writes every decimal as the literal of exactly that value", () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.integer({ min: 0, max: 4 }), (units, scale) => {
      const d = BigDecimal.make(units, scale)
      const text = decimalJson({ price: d })
      const literal = /^\{"price":(.*)\}$/.exec(text)![1]!
      expect(literal).toMatch(/^\d+(\.\d+)?$/)
      expect(BigDecimal.equals(BigDecimal.unsafeFromString(literal), d)).toBe(true)
    }))
  })

  it("is otherwise ordinary JSON, leaving out undefined fields", () => {
    const value = { a: [1, "x", null, true], b: undefined, c: { d: BigDecimal.unsafeFromString("19.90") } }
    expect(JSON.parse(decimalJson(value))).toEqual({ a: [1, "x", null, true], c: { d: 19.9 } })
  })
})
