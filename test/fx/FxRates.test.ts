import { SqlClient } from "@effect/sql"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { readFileSync } from "node:fs"
import { compileExpression, T } from "../../dsl/index.js"
import { addDays } from "../../engine/fx/CalendarDate.js"
import { FxRates } from "../../engine/fx/FxRates.js"
import { backends, TestDatabase } from "../support/TestDatabase.js"

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ecb/${name}`, import.meta.url), "utf8")
const hist = fixture("eurofxref-hist-sample.xml")

// The ECB sample (fixtures/ecb/eurofxref-hist-sample.xml), imported once per database.
// Rates used below, units per 1 EUR:
//   Thu 2026-03-12  USD 1.1575
//   Fri 2026-03-13  USD 1.1612  RON 5.0951     (then nothing on Sat 14, Sun 15)
//   Mon 2026-03-16  USD 1.1589  RON 5.0942     (then nothing until 2 April)
//   Thu 2026-04-02  USD 1.1498  RON 5.0979     (then Easter: nothing Fri 3 to Mon 6)
//   Tue 2026-04-07  USD 1.1547  RON 5.0987
const seeded = Layer.effectDiscard(FxRates.importEcb(hist)).pipe(Layer.provideMerge(FxRates.Default))

const convert = (amount: string, from: string, to: string, on: string) =>
  Effect.flatMap(FxRates, (fx) => fx.convert(amount, from, to, on))

describe.each(backends)("FX rates on %s", (backend) => {
  layer(seeded.pipe(Layer.provideMerge(TestDatabase(backend))), { timeout: 120_000 })((it) => {
    it.effect("the ECB sample is stored once; importing it again adds no row", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const again = yield* FxRates.importEcb(hist)
        assert.deepStrictEqual(again, { days: 5, inserted: 0, unchanged: 60, conflicts: [] })
        const [count] = yield* sql<{ rows: string; distinct: string }>`
          SELECT count(*)::text AS rows, count(DISTINCT (rate_date, quote))::text AS distinct
          FROM fx_rates WHERE source = 'ECB'`
        // 5 days × 12 currencies, each once
        assert.deepStrictEqual(count, { rows: "60", distinct: "60" })
      }))

    it.effect("a daily file adds its day; the rate is stored as the exact published decimal", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const daily = yield* FxRates.importEcb(fixture("eurofxref-daily-sample.xml"))
        assert.deepStrictEqual(daily, { days: 1, inserted: 7, unchanged: 0, conflicts: [] })
        const [gbp] = yield* sql<{ rate: string }>`
          SELECT rate::text AS rate FROM fx_rates WHERE source = 'ECB' AND rate_date = '2026-03-13' AND quote = 'GBP'`
        assert.strictEqual(gbp?.rate, "0.86790")
      }))

    it.effect("a file that disagrees with a stored rate is reported, and the stored rate kept", () =>
      Effect.gen(function* () {
        const altered = hist.replace(`<Cube currency="RON" rate="5.0951"/>`, `<Cube currency="RON" rate="5.0961"/>`)
        const result = yield* FxRates.importEcb(altered)
        assert.deepStrictEqual(result.conflicts, [{ date: "2026-03-13", quote: "RON", stored: "5.0951", incoming: "5.0961" }])
        assert.strictEqual(result.inserted, 0)
        assert.strictEqual((yield* FxRates.rate("EUR", "RON", "2026-03-13")).rate, "5.0951")
      }))

    it.effect("malformed XML is rejected with where and why, and nothing is stored", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const broken = hist.replace(`<Cube time="2026-03-12">`, `<Cube time="2026-03-32">`)
        const error = yield* Effect.flip(FxRates.importEcb(broken))
        assert.strictEqual(error._tag, "EcbXmlMalformed")
        assert.strictEqual(error.message, "ECB rates XML, line 68 column 9: time='2026-03-32' is not a yyyy-mm-dd date")
        const rows = yield* sql`SELECT 1 FROM fx_rates WHERE rate_date = '2026-03-12'`
        assert.strictEqual(rows.length, 12) // the hist sample's own 12 rows of that day, nothing more
      }))

    it.effect("EUR→RON on a weekday uses that day's ECB rate", () =>
      Effect.gen(function* () {
        // 100.00 × 5.0951 = 509.51
        const a = yield* convert("100.00", "EUR", "RON", "2026-03-13")
        assert.deepStrictEqual(a, { amount: "509.51", rate: "5.0951", rateDate: "2026-03-13", source: "ECB", path: "EUR→RON" })
        // 19.99 × 5.0951 = 101.902 − 0.050951 = 101.851049 → 101.85
        assert.strictEqual((yield* convert("19.99", "EUR", "RON", "2026-03-13")).amount, "101.85")
        // Monday has its own rate: 100 × 5.0942 = 509.42
        assert.strictEqual((yield* convert("100", "EUR", "RON", "2026-03-16")).amount, "509.42")
      }))

    it.effect("EUR→RON on a weekend uses Friday's rate and says so", () =>
      Effect.gen(function* () {
        // Sun 2026-03-15 → Fri 2026-03-13: 150 × 5.0951 = 764.265 → half up 764.27 (half-even: 764.26)
        const a = yield* convert("150.00", "EUR", "RON", "2026-03-15")
        assert.deepStrictEqual(a, { amount: "764.27", rate: "5.0951", rateDate: "2026-03-13", source: "ECB", path: "EUR→RON" })
        // Sat 2026-03-14 → Fri: 250 × 5.0951 = 1273.775 → 1273.78
        assert.strictEqual((yield* convert("250", "EUR", "RON", "2026-03-14")).amount, "1273.78")
      }))

    it.effect("EUR→AED goes through the ECB's EUR→USD and the 3.6725 peg", () =>
      Effect.gen(function* () {
        // Fri 2026-03-13: 1.1612 × 3.6725 = 3.4836 + 0.780907 = 4.264507 AED per EUR
        //   100.00 × 4.264507 = 426.4507 → 426.45
        const a = yield* convert("100.00", "EUR", "AED", "2026-03-13")
        assert.deepStrictEqual(a, { amount: "426.45", rate: "4.264507", rateDate: "2026-03-13", source: "ECB+USD-peg", path: "EUR→USD→AED" })
        //   49.95 × 4.264507 = 213.22535 − 0.21322535 = 213.01212465 → 213.01
        assert.strictEqual((yield* convert("49.95", "EUR", "AED", "2026-03-13")).amount, "213.01")
      }))

    it.effect("EUR→AED on a weekend and on Easter Monday use the last business day before", () =>
      Effect.gen(function* () {
        // Sat 2026-03-14 → Fri 13: same 4.264507 as above, 100 → 426.45
        const saturday = yield* convert("100", "EUR", "AED", "2026-03-14")
        assert.deepStrictEqual([saturday.amount, saturday.rate, saturday.rateDate], ["426.45", "4.264507", "2026-03-13"])
        // Easter Monday 2026-04-06 → Thu 2 April: 1.1498 × 3.6725 = 3.4494 + 0.7732405 = 4.2226405
        //   100 × 4.2226405 = 422.26405 → 422.26
        const easter = yield* convert("100", "EUR", "AED", "2026-04-06")
        assert.deepStrictEqual([easter.amount, easter.rate, easter.rateDate], ["422.26", "4.2226405", "2026-04-02"])
      }))

    it.effect("BHD and OMR amounts round to three places", () =>
      Effect.gen(function* () {
        // 1.1612 × 0.376 = 0.46448 − 0.0278688 = 0.4366112 BHD per EUR; 250 × 0.4366112 = 109.1528 → 109.153
        const bhd = yield* convert("250.00", "EUR", "BHD", "2026-03-13")
        assert.deepStrictEqual(bhd, { amount: "109.153", rate: "0.4366112", rateDate: "2026-03-13", source: "ECB+USD-peg", path: "EUR→USD→BHD" })
        // 1.1612 × 0.3845 = 0.4464814 OMR per EUR; 100 × 0.4464814 = 44.64814 → 44.648
        assert.strictEqual((yield* convert("100", "EUR", "OMR", "2026-03-13")).amount, "44.648")
      }))

    it.effect("inverse and cross rates are rounded once to ten significant digits", () =>
      Effect.gen(function* () {
        // 1 / 5.0951 = 0.196267001629… → 0.1962670016; 1000 × 0.1962670016 = 196.2670016 → 196.27
        const ronEur = yield* convert("1000", "RON", "EUR", "2026-03-13")
        assert.deepStrictEqual([ronEur.amount, ronEur.rate, ronEur.path], ["196.27", "0.1962670016", "RON→EUR"])
        // 1 / 4.264507 = 0.234493694112… → 0.2344936941
        assert.strictEqual((yield* FxRates.rate("AED", "EUR", "2026-03-13")).rate, "0.2344936941")
        // AED→RON = 5.0951 / 4.264507 = 1.194768820874… → 1.194768821; 100 × that = 119.4768821 → 119.48
        const aedRon = yield* convert("100", "AED", "RON", "2026-03-13")
        assert.deepStrictEqual([aedRon.amount, aedRon.rate, aedRon.path, aedRon.source], ["119.48", "1.194768821", "AED→USD→EUR→RON", "ECB+USD-peg"])
      }))

    it.effect("between two pegged currencies no ECB rate is needed", () =>
      Effect.gen(function* () {
        // 3.6725 / 3.75 = 0.979333… → 0.9793333333; 1000 SAR → 979.3333333 → 979.33 AED
        const a = yield* convert("1000", "SAR", "AED", "2026-03-27")
        assert.deepStrictEqual(a, { amount: "979.33", rate: "0.9793333333", rateDate: "2026-03-27", source: "USD-peg", path: "SAR→USD→AED" })
        assert.strictEqual((yield* FxRates.rate("USD", "AED", "2026-03-27")).rate, "3.6725")
      }))

    it.effect("a rate up to seven days old is used; one day more is FxRateMissing", () =>
      Effect.gen(function* () {
        // Mon 2026-03-23 − 7 days = Mon 16: still valid
        assert.strictEqual((yield* FxRates.rate("EUR", "RON", "2026-03-23")).rateDate, "2026-03-16")
        const missing = yield* Effect.flip(FxRates.rate("EUR", "RON", "2026-03-24"))
        assert.deepStrictEqual([missing._tag, missing.from, missing.to, missing.date], ["FxRateMissing", "EUR", "RON", "2026-03-24"])
        assert.strictEqual(missing.message, "no EUR→RON rate on 2026-03-24 nor in the 7 days before it")
      }))

    it.effect("no rate before the first import, for a currency the ECB does not quote, or via a missing USD", () =>
      Effect.gen(function* () {
        // NGN is an ISO 4217 currency the ECB does not quote.
        for (const [from, to, on] of [["EUR", "RON", "2026-03-11"], ["EUR", "NGN", "2026-03-13"], ["AED", "RON", "2026-03-27"]] as const) {
          const error = yield* Effect.flip(convert("10", from, to, on))
          assert.deepStrictEqual(error._tag === "FxRateMissing" ? [error._tag, error.from, error.to, error.date] : error._tag, ["FxRateMissing", from, to, on])
        }
      }))

    it.effect("a code outside ISO 4217 is refused before any rate, even converting into itself", () =>
      Effect.gen(function* () {
        for (const [from, to] of [["EUR", "XYZ"], ["XYZ", "XYZ"], ["constructor", "EUR"]] as const) {
          const error = yield* Effect.flip(convert("10", from, to, "2026-03-13"))
          assert.deepStrictEqual(error._tag === "UnknownCurrency" ? [error._tag, error.currency] : error._tag, ["UnknownCurrency", from === "EUR" ? to : from])
        }
      }))

    it.effect("a DSL rule converts with the snapshot and records the rate it used", () =>
      Effect.gen(function* () {
        const rates = yield* FxRates.snapshot("2026-03-01", "2026-03-31")
        const rule = compileExpression(`round(fx(amount, "EUR", "AED", on: day, default: 0), "AED")`, {
          inputs: { amount: T.decimal, day: T.date },
        })
        if (!rule.ok) return assert.fail(JSON.stringify(rule.diagnostics))
        // Saturday → Friday's 4.264507: 49.95 × 4.264507 = 213.01212465 → 213.01, as the service says above
        assert.deepStrictEqual(rule.fn({ amount: "49.95", day: "2026-03-14" }, { rates }), {
          ok: true,
          value: "213.01",
          fx: [{ from: "EUR", to: "AED", on: "2026-03-14", rate: "4.264507", date: "2026-03-13", source: "ECB+USD-peg" }],
        })
      }))

    it.effect("the snapshot provider answers exactly as the service, day by day", () =>
      Effect.gen(function* () {
        const fx = yield* FxRates
        const provider = yield* fx.snapshot("2026-03-10", "2026-04-09")
        const pairs = [["EUR", "RON"], ["EUR", "AED"], ["RON", "EUR"], ["AED", "RON"], ["BHD", "OMR"], ["GBP", "JPY"], ["EUR", "XYZ"]]
        let answered = 0
        for (let on = "2026-03-10"; on <= "2026-04-09"; on = addDays(on, 1)) {
          for (const [from, to] of pairs) {
            const fromService = yield* fx.rate(from!, to!, on).pipe(
              Effect.map((q) => ({ rate: q.rate, date: q.rateDate, source: q.source })),
              Effect.catchTag("FxRateMissing", () => Effect.succeed(undefined)),
            )
            assert.deepStrictEqual(provider(from!, to!, on), fromService, `${from}→${to} on ${on}`)
            if (fromService !== undefined) answered++
          }
        }
        assert.isAbove(answered, 100) // the comparison covered real rates, not only misses
        assert.deepStrictEqual(provider("EUR", "RON", "2026-03-13"), { rate: "5.0951", date: "2026-03-13", source: "ECB" })
        // Outside its window the snapshot knows nothing, rather than guessing
        assert.isUndefined(provider("EUR", "RON", "2026-04-10"))
      }))
  })
})
