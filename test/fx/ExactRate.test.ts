import { assert, describe, it } from "@effect/vitest"
import { BigDecimal } from "effect"
import fc from "fast-check"
import { currencyCodes, minorUnitsOf } from "../../dsl/iso4217.js"
import { amountText, convertAmount, divideToSignificant, RATE_SIGNIFICANT_DIGITS, rateText } from "../../engine/fx/ExactRate.js"
import { minorUnits } from "../../engine/fx/MinorUnits.js"

const d = BigDecimal.unsafeFromString
const convert = (amount: string, rate: string, currency: string) => amountText(convertAmount(d(amount), d(rate), currency), currency)

describe("exact rate arithmetic", () => {
  it("rounds a converted amount half up to the target currency's minor units", () => {
    assert.strictEqual(convert("0.125", "1", "EUR"), "0.13") // half-even would give 0.12
    assert.strictEqual(convert("0.124999", "1", "EUR"), "0.12")
    assert.strictEqual(convert("1.0005", "1", "BHD"), "1.001") // 3 minor units
    assert.strictEqual(convert("1.0005", "1", "OMR"), "1.001")
    assert.strictEqual(convert("2.5", "1", "JPY"), "3") // no minor unit
    assert.strictEqual(convert("10", "1", "BHD"), "10.000")
  })

  it("uses the one ISO 4217 table the DSL uses: NOK 2, KWD/JOD/TND 3, KRW/ISK 0, CLF 4", () => {
    for (const code of currencyCodes()) assert.strictEqual(minorUnits(code), minorUnitsOf(code), code)
    assert.strictEqual(convert("1460.505", "1", "NOK"), "1460.51")
    assert.strictEqual(convert("1.0005", "1", "TND"), "1.001")
    assert.strictEqual(convert("1.5", "1", "ISK"), "2")
    assert.strictEqual(convert("1.00005", "1", "CLF"), "1.0001")
  })

  it("has no default for a code outside ISO 4217 (was 2 places)", () => {
    for (const code of ["XYZ", "constructor", "eur", ""]) assert.throws(() => minorUnits(code), /not an ISO 4217 currency/)
  })

  it("rounds a refund away from zero, mirroring the sale", () => {
    assert.strictEqual(convert("-0.125", "1", "EUR"), "-0.13")
  })

  it("an inverse rate keeps ten significant digits, however small", () => {
    // 1 / 5.0951 = 0.196267001629… → 0.1962670016
    assert.strictEqual(rateText(divideToSignificant(d("1"), d("5.0951"))), "0.1962670016")
    // 1 / 17000 = 0.0000588235294117… → 0.00005882352941: plain text, no exponent
    assert.strictEqual(rateText(divideToSignificant(d("1"), d("17000"))), "0.00005882352941")
    // 2 / 3 = 0.6666666666|67 → half up in the tenth digit
    assert.strictEqual(rateText(divideToSignificant(d("2"), d("3"))), "0.6666666667")
    // an exact quotient is not padded: 3.6725 / 1
    assert.strictEqual(rateText(divideToSignificant(d("3.6725"), d("1"))), "3.6725")
    assert.strictEqual(rateText(divideToSignificant(d("178950"), d("1"))), "178950")
  })

  it("a derived rate is the exact quotient within half a unit of its tenth significant digit", () => {
    const positive = fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.integer({ min: 0, max: 8 }))
    fc.assert(fc.property(positive, positive, ([av, as], [bv, bs]) => {
      const a = BigDecimal.make(av, as)
      const b = BigDecimal.make(bv, bs)
      const q = BigDecimal.normalize(divideToSignificant(a, b))
      assert.isAtMost(q.value.toString().length, RATE_SIGNIFICANT_DIGITS)
      // Exact check in integers. With q = qv·10^-qs and a/b = av·10^-as / (bv·10^-bs), the error
      // |q − a/b| scaled by bv·10^(qs+as) is |qv·bv·10^as − av·10^(qs+bs)|·10^… ; compare it with
      // half of the unit of the tenth significant digit, 10^(e−10)/2 where e = digits of the integer part.
      const scale = Math.max(q.scale, 0) + as + bs + 20
      const exact = (av * 10n ** BigInt(scale - as + bs)) // a/b · bv · 10^scale
      const approx = q.value * bv * 10n ** BigInt(scale - q.scale) // q · bv · 10^scale
      const error = exact > approx ? exact - approx : approx - exact
      // unit of the last kept digit, at 10^scale: 10^(scale − (q.scale + (10 − digits(q))))
      const lastDigitExponent = q.scale + (RATE_SIGNIFICANT_DIGITS - q.value.toString().length)
      const halfUnit = 5n * 10n ** BigInt(scale - lastDigitExponent - 1) * bv
      assert.isTrue(error <= halfUnit, `${BigDecimal.format(a)} / ${BigDecimal.format(b)} ≈ ${rateText(q)}`)
    }), { numRuns: 500 })
  })
})
