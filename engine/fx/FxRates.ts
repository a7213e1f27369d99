import { SqlClient } from "@effect/sql"
import { BigDecimal, Chunk, Effect, Option } from "effect"
import { addDays, isIsoDate } from "./CalendarDate.js"
import { decodeEcbXml, type EcbDay } from "./EcbXml.js"
import { FxRateMissing, UnknownCurrency } from "./errors.js"
import { amountText, convertAmount } from "./ExactRate.js"
import { minorUnitsOf } from "./MinorUnits.js"
import { ECB_SOURCE, ecbQuotesNeeded, EcbRateBook, type FxQuote, LOOKBACK_DAYS, resolveQuote } from "./FxResolution.js"

/** A conversion and the rate it used: callers store all of it next to the converted amount. */
export interface FxConversion extends FxQuote {
  /** The converted amount, rounded half up to the minor units of the target currency ("398.17"). */
  readonly amount: string
}

/** What an ECB import did. `conflicts` lists rows the file quotes differently from the stored ones. */
export interface EcbImport {
  readonly days: number
  readonly inserted: number
  readonly unchanged: number
  readonly conflicts: ReadonlyArray<{ readonly date: string; readonly quote: string; readonly stored: string; readonly incoming: string }>
}

/**
 * The synchronous rate lookup the DSL evaluator calls for `fx(…)` (ARCHITECTURE.md §4: evaluation is
 * synchronous and cannot throw). Undefined = no rate; the rule's `default:`/`??` takes over.
 */
export type FxSnapshot = (from: string, to: string, on: string) => { rate: string; date: string; source: string } | undefined

// Each statement carries one batch of days as a JSON parameter: a whole eurofxref-hist file
// (~7000 days × 30 rates) in one parameter would be a ~10 MB statement.
const DAYS_PER_BATCH = 250

const requireDate = (what: string, date: string) =>
  isIsoDate(date) ? Effect.void : Effect.dieMessage(`FxRates: ${what} '${date}' is not a yyyy-mm-dd date`)

export class FxRates extends Effect.Service<FxRates>()("engine/FxRates", {
  accessors: true,
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const ecbRows = (quotes: ReadonlyArray<string> | "all", earliest: string, latest: string) =>
      sql<{ rateDate: string; quote: string; rate: string }>`
        SELECT rate_date::text AS rate_date, quote, rate::text AS rate
        FROM fx_rates
        WHERE source = ${ECB_SOURCE} AND base = 'EUR'
          AND rate_date BETWEEN ${earliest}::date AND ${latest}::date
          ${quotes === "all" ? sql`` : sql`AND quote IN ${sql.in(quotes)}`}`.pipe(Effect.orDie)

    const importBatch = (days: ReadonlyArray<EcbDay>) => {
      // Rates travel as JSON strings and PostgreSQL reads them with numeric's input function:
      // the decimal text is never a JS number on the way in.
      const incoming = JSON.stringify(days.flatMap((d) => d.rates.map((r) => ({ rate_date: d.date, quote: r.currency, rate: r.rate }))))
      const rows = sql`SELECT * FROM jsonb_to_recordset(${incoming}::jsonb) AS t(rate_date date, quote text, rate numeric)`
      return Effect.gen(function* () {
        // Read before writing: within this transaction, what already differs from the file.
        const conflicts = yield* sql<{ date: string; quote: string; stored: string; incoming: string }>`
          SELECT i.rate_date::text AS date, i.quote, f.rate::text AS stored, i.rate::text AS incoming
          FROM (${rows}) i
          JOIN fx_rates f ON f.source = ${ECB_SOURCE} AND f.base = 'EUR' AND f.quote = i.quote AND f.rate_date = i.rate_date
          WHERE f.rate <> i.rate
          ORDER BY i.rate_date, i.quote`
        const inserted = yield* sql`
          INSERT INTO fx_rates (source, rate_date, base, quote, rate)
          SELECT ${ECB_SOURCE}, i.rate_date, 'EUR', i.quote, i.rate FROM (${rows}) i
          ON CONFLICT (source, rate_date, base, quote) DO NOTHING
          RETURNING 1`
        return { inserted: inserted.length, total: days.reduce((n, d) => n + d.rates.length, 0), conflicts }
      })
    }

    /**
     * Stores the rates of an ECB eurofxref file. Re-importing is a no-op: a published reference
     * rate is final, and conversions already made recorded the rate they used, so a row is never
     * overwritten (ON CONFLICT DO NOTHING). Should a file disagree with a stored row, the
     * difference is reported in `conflicts` for an operator to look at instead of silently
     * changing what later re-runs of a sync would compute.
     */
    const importEcb = Effect.fn("FxRates.importEcb")(function* (xml: string) {
      const days = yield* decodeEcbXml(xml)
      yield* Effect.annotateCurrentSpan("days", days.length)
      const batches = Chunk.toReadonlyArray(Chunk.chunksOf(Chunk.fromIterable(days), DAYS_PER_BATCH))
      const results = yield* sql.withTransaction(Effect.forEach(batches, (b) => importBatch(Chunk.toReadonlyArray(b)))).pipe(Effect.orDie)
      const inserted = results.reduce((n, r) => n + r.inserted, 0)
      const total = results.reduce((n, r) => n + r.total, 0)
      return {
        days: days.length,
        inserted,
        unchanged: total - inserted,
        conflicts: results.flatMap((r) => r.conflicts),
      } satisfies EcbImport
    })

    /** The rate `from`→`to` valid on `on` (that day's, else the newest within LOOKBACK_DAYS before). */
    const rate = Effect.fn("FxRates.rate")(function* (from: string, to: string, on: string) {
      yield* requireDate("rate date", on)
      yield* Effect.annotateCurrentSpan({ from, to, on })
      const quotes = ecbQuotesNeeded(from, to)
      const earliest = addDays(on, -LOOKBACK_DAYS)
      const rows = quotes.length === 0 ? [] : yield* ecbRows(quotes, earliest, on)
      const quote = resolveQuote(new EcbRateBook(rows), from, to, on)
      if (quote === undefined) return yield* new FxRateMissing({ from, to, date: on, lookbackDays: LOOKBACK_DAYS })
      return quote
    })

    /** `amount` in `from` as `to` on `on`, with the rate used; rounded to `to`'s minor units. */
    const convert = Effect.fn("FxRates.convert")(function* (
      amount: BigDecimal.BigDecimal | string,
      from: string,
      to: string,
      on: string,
    ) {
      const value = typeof amount === "string" ? BigDecimal.fromString(amount) : Option.some(amount)
      if (Option.isNone(value)) return yield* Effect.dieMessage(`FxRates.convert: '${amount}' is not a decimal amount`)
      // Before any rate: an identity "conversion" into an unknown code would otherwise be rounded.
      for (const code of [from, to]) if (minorUnitsOf(code) === undefined) return yield* new UnknownCurrency({ currency: code })
      const quote = yield* rate(from, to, on)
      const converted = convertAmount(value.value, BigDecimal.unsafeFromString(quote.rate), to)
      return { ...quote, amount: amountText(converted, to) } satisfies FxConversion
    })

    /**
     * Every rate valid on a day in [from, to], loaded once, as the synchronous lookup the DSL
     * evaluator needs. It answers exactly as `rate` would; outside the window it answers
     * undefined rather than guess from rows it never loaded.
     */
    const snapshot = Effect.fn("FxRates.snapshot")(function* (from: string, to: string) {
      yield* requireDate("snapshot start", from)
      yield* requireDate("snapshot end", to)
      const rows = yield* ecbRows("all", addDays(from, -LOOKBACK_DAYS), to)
      yield* Effect.annotateCurrentSpan("rows", rows.length)
      const book = new EcbRateBook(rows)
      const provider: FxSnapshot = (f, t, on) => {
        if (!isIsoDate(on) || on < from || on > to) return undefined
        const quote = resolveQuote(book, f, t, on)
        return quote && { rate: quote.rate, date: quote.rateDate, source: quote.source }
      }
      return provider
    })

    return { importEcb, rate, convert, snapshot } as const
  }),
}) {}
