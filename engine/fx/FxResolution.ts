import { BigDecimal } from "effect"
import { addDays } from "./CalendarDate.js"
import { divideToSignificant, rateText } from "./ExactRate.js"
import { USD_PEG_SOURCE, USD_PEGS } from "./UsdPegs.js"

/** Where and when a rate came from, so that whoever converts can record it. */
export interface FxQuote {
  /** Units of `to` per 1 unit of `from`, exact decimal text. */
  readonly rate: string
  /** The publication date the rate is valid from (≤ the requested date). */
  readonly rateDate: string
  /** "ECB", "ECB+USD-peg", "USD-peg" or "identity". */
  readonly source: string
  /** The currencies the conversion went through, e.g. "EUR→USD→AED". */
  readonly path: string
}

export const ECB_SOURCE = "ECB"

/**
 * How far back a missing day may be bridged: weekends and TARGET holidays (Good Friday to Easter
 * Monday is the longest run, 4 days) have no ECB row. Beyond a week the feed has stopped, and a
 * conversion must fail rather than silently use an old rate.
 */
export const LOOKBACK_DAYS = 7

/** ECB rows held in memory: date → (currency → units per 1 EUR). */
export class EcbRateBook {
  private readonly days = new Map<string, Map<string, string>>()
  private sortedDates: Array<string> | undefined

  constructor(rows: Iterable<{ readonly rateDate: string; readonly quote: string; readonly rate: string }>) {
    for (const { rateDate, quote, rate } of rows) {
      let day = this.days.get(rateDate)
      if (day === undefined) this.days.set(rateDate, day = new Map())
      day.set(quote, rate)
    }
  }

  /** The newest day in [earliest, latest] that quotes every currency in `quotes`. */
  newestWith(quotes: ReadonlyArray<string>, earliest: string, latest: string) {
    this.sortedDates ??= [...this.days.keys()].sort()
    for (let i = this.sortedDates.length - 1; i >= 0; i--) {
      const date = this.sortedDates[i]!
      if (date > latest) continue
      if (date < earliest) return undefined
      const rates = this.days.get(date)!
      if (quotes.every((q) => rates.has(q))) return { date, rates }
    }
    return undefined
  }
}

const isUsdBloc = (currency: string) => currency === "USD" || USD_PEGS.has(currency)

/** The ECB currencies whose rates `from`→`to` needs: pegged currencies need EUR→USD. */
export const ecbQuotesNeeded = (from: string, to: string): ReadonlyArray<string> => {
  if (from === to || (isUsdBloc(from) && isUsdBloc(to))) return []
  const needed = new Set<string>()
  for (const c of [from, to]) {
    if (c !== "EUR") needed.add(USD_PEGS.has(c) ? "USD" : c)
  }
  return [...needed]
}

const one = BigDecimal.fromBigInt(1n)
const decimal = (text: string) => BigDecimal.unsafeFromString(text)

/**
 * The rate `from`→`to` valid on `on`, or undefined when none is. Every currency is priced
 * against one pivot (EUR, or USD when both sides are USD or pegged to it) and the rate is
 * units-of-to-per-pivot ÷ units-of-from-per-pivot, rounded once (ExactRate). Both sides come
 * from the same ECB day, so a cross rate never mixes two publications.
 */
export const resolveQuote = (
  book: EcbRateBook,
  from: string,
  to: string,
  on: string,
  lookbackDays: number = LOOKBACK_DAYS,
): FxQuote | undefined => {
  if (from === to) return { rate: "1", rateDate: on, source: "identity", path: from }
  if (isUsdBloc(from) && isUsdBloc(to)) {
    const perUsd = (c: string) => c === "USD" ? one : decimal(USD_PEGS.get(c)!)
    const path = [from, ...(from !== "USD" && to !== "USD" ? ["USD"] : []), to].join("→")
    const rate = divideToSignificant(perUsd(to), perUsd(from))
    return { rate: rateText(rate), rateDate: on, source: USD_PEG_SOURCE, path }
  }
  const day = book.newestWith(ecbQuotesNeeded(from, to), addDays(on, -lookbackDays), on)
  if (day === undefined) return undefined
  const perEur = (c: string) => {
    if (c === "EUR") return one
    const peg = USD_PEGS.get(c)
    return peg === undefined ? decimal(day.rates.get(c)!) : BigDecimal.multiply(decimal(day.rates.get("USD")!), decimal(peg))
  }
  const path = [
    from,
    ...(USD_PEGS.has(from) ? ["USD"] : []),
    ...(from !== "EUR" && to !== "EUR" ? ["EUR"] : []),
    ...(USD_PEGS.has(to) ? ["USD"] : []),
    to,
  ].join("→")
  const pegged = USD_PEGS.has(from) || USD_PEGS.has(to)
  const rate = divideToSignificant(perEur(to), perEur(from))
  return { rate: rateText(rate), rateDate: day.date, source: pegged ? `${ECB_SOURCE}+${USD_PEG_SOURCE}` : ECB_SOURCE, path }
}
