import { assert, describe, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { publishedQuantity } from "../../engine/stock/PublishedQuantity.js"

const row = (available: number) => ({ sku: "A", available, onHand: available, reserved: 0 })

describe("published quantity", () => {
  it("is max(0, floor(available − buffer)) for any decimal buffer, computed exactly", () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.bigInt({ min: 0n, max: 10n ** 9n }),
      fc.integer({ min: 0, max: 6 }),
      (available, digits, scale) => {
        // buffer = digits / 10^scale, written as text the way a DSL decimal arrives
        const text = scale === 0 ? `${digits}` : `${digits / 10n ** BigInt(scale)}.${(digits % 10n ** BigInt(scale)).toString().padStart(scale, "0")}`
        // floor(a − d/10^s) = floor((a·10^s − d) / 10^s), with floor division on bigints
        const num = BigInt(available) * 10n ** BigInt(scale) - digits
        const den = 10n ** BigInt(scale)
        const floor = num >= 0n ? num / den : -((-num + den - 1n) / den)
        const expected = floor < 0n ? 0 : Number(floor)
        assert.deepStrictEqual(publishedQuantity(row(available), () => text), Either.right(expected))
      },
    ))
  })

  it("takes numbers too, and never shows more than available", () => {
    assert.deepStrictEqual(publishedQuantity(row(10), () => 2), Either.right(8))
    assert.deepStrictEqual(publishedQuantity(row(10), () => 0.1), Either.right(9))
    assert.deepStrictEqual(publishedQuantity(row(10), () => -5), Either.right(10))
    assert.deepStrictEqual(publishedQuantity(row(3), () => "3.0000001"), Either.right(0))
  })

  it("a buffer that is not a number is an error, not a guess", () => {
    for (const bad of ["", "ten", "1,5", Number.NaN, Number.POSITIVE_INFINITY]) {
      const result = publishedQuantity(row(5), () => bad)
      assert.isTrue(Either.isLeft(result), `accepted ${String(bad)}`)
    }
  })
})
