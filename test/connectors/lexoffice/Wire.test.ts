import { assert, describe, it } from "@effect/vitest"
import { BigDecimal, Either, Schema } from "effect"
import fc from "fast-check"
import { computeTotals } from "../../../connectors/lexoffice/simulator/VoucherTotals.js"
import { DATE_TIME_PATTERN, Decimal, formatLexofficeDateTime, htmlDecode, htmlEncode } from "../../../connectors/lexoffice/Wire.js"

const decode = Schema.decodeUnknownEither(Decimal)
const encode = Schema.encodeEither(Decimal)

/** Decimals as lexoffice sends them: up to 4 places, at most 15 significant digits. */
const amount = fc.tuple(fc.bigInt({ min: -(10n ** 11n), max: 10n ** 11n }), fc.integer({ min: 0, max: 4 }))
  .map(([units, scale]) => BigDecimal.make(units, scale))

describe("lexoffice wire conventions", () => {
  it("an amount survives JSON number → exact decimal → JSON number unchanged", () => {
    fc.assert(fc.property(amount, (d) => {
      const wire = Either.getOrThrow(encode(d))
      const text = JSON.stringify(wire)
      const back = Either.getOrThrow(decode(JSON.parse(text)))
      return BigDecimal.equals(back, d) && text === BigDecimal.format(BigDecimal.normalize(d))
    }))
  })

  it("a JSON number that is not an exact short decimal is refused, never rounded", () => {
    assert.isTrue(Either.isLeft(decode(0.1 + 0.2))) // 0.30000000000000004
    assert.isTrue(Either.isLeft(decode(1e21)))
    assert.isTrue(Either.isLeft(decode(Number.NaN)))
    assert.isTrue(BigDecimal.equals(Either.getOrThrow(decode(13.4)), BigDecimal.unsafeFromString("13.40")))
  })

  it("formatted date-times match yyyy-MM-ddTHH:mm:ss.SSSXXX and denote the same instant", () => {
    fc.assert(fc.property(
      fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2199-12-31T00:00:00Z"), noInvalidDate: true }),
      fc.integer({ min: -48, max: 56 }).map((q) => q * 15),
      (instant, offset) => {
        const text = formatLexofficeDateTime(instant, offset)
        return DATE_TIME_PATTERN.test(text) && Date.parse(text) === instant.getTime()
      },
    ))
    assert.strictEqual(formatLexofficeDateTime(new Date("2023-02-20T23:00:00Z"), 60), "2023-02-21T00:00:00.000+01:00")
  })

  it("search strings round-trip through HTML encoding", () => {
    fc.assert(fc.property(fc.string(), (s) => htmlDecode(htmlEncode(s)) === s))
    assert.strictEqual(htmlEncode("johnson & partner"), "johnson &amp; partner")
  })
})

describe("simulator voucher totals", () => {
  const line = fc.record({
    quantity: fc.integer({ min: 1, max: 500 }).map((n) => BigDecimal.fromBigInt(BigInt(n))),
    unitAmount: fc.bigInt({ min: 1n, max: 10n ** 8n }).map((n) => BigDecimal.make(n, 4)),
    taxRatePercentage: fc.constantFrom(0n, 7n, 19n).map((n) => BigDecimal.fromBigInt(n)),
    discountPercentage: fc.constant(BigDecimal.fromBigInt(0n)),
  })

  it("tax is rounded half-up per rate total, and gross = net + tax", () => {
    fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 20 }), (lines) => {
      const totals = computeTotals(lines, false)
      const half = BigDecimal.unsafeFromString("0.005")
      return totals.byRate.every((r) => {
        const exact = BigDecimal.unsafeDivide(BigDecimal.multiply(r.netAmount, r.taxRatePercentage), BigDecimal.fromBigInt(100n))
        const error = BigDecimal.abs(BigDecimal.subtract(r.taxAmount, exact))
        // half-up: the error is < 0.005, or exactly 0.005 with the rounding going up
        return BigDecimal.lessThan(error, half) || (BigDecimal.equals(error, half) && BigDecimal.greaterThan(r.taxAmount, exact))
      }) && BigDecimal.equals(totals.totalGrossAmount, BigDecimal.sum(totals.totalNetAmount, totals.totalTaxAmount))
    }))
  })

  it("reproduces the documented sample: 13.40 @ 19 % and 8.32 @ 7 %", () => {
    const one = BigDecimal.fromBigInt(1n)
    const zero = BigDecimal.fromBigInt(0n)
    const totals = computeTotals([
      { quantity: one, unitAmount: BigDecimal.unsafeFromString("13.40"), taxRatePercentage: BigDecimal.fromBigInt(19n), discountPercentage: zero },
      { quantity: one, unitAmount: BigDecimal.unsafeFromString("8.32"), taxRatePercentage: BigDecimal.fromBigInt(7n), discountPercentage: zero },
    ], false)
    assert.deepStrictEqual(totals.byRate.map((r) => BigDecimal.format(r.taxAmount)), ["2.55", "0.58"])
  })
})
