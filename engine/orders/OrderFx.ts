import { BigDecimal, Effect } from "effect"
import type { FxRateMissing } from "../fx/errors.js"
import { FxRates } from "../fx/FxRates.js"

/**
 * The conversion of one order into EUR: lexoffice sales vouchers accept EUR only (DOC #Order
 * Confirmations "Currently only EUR is supported"), so an AED/RON order is converted with the
 * rate valid on the order date, and that rate is stored with the order (ARCHITECTURE.md §8).
 */
export interface OrderFx {
  /** The order's currency. */
  readonly currency: string
  /** EUR per 1 unit of `currency`, exact decimal text ("1" for EUR orders). */
  readonly rate: string
  /** The publication date of the rate (≤ the order day). */
  readonly rateDate: string
  readonly source: string
  readonly path: string
  /** `amount × rate`, rounded half away from zero to `scale` places (cents by default). */
  readonly toEur: (amount: BigDecimal.BigDecimal, scale?: number) => BigDecimal.BigDecimal
}

export const orderFx = (currency: string, orderDay: string): Effect.Effect<OrderFx, FxRateMissing, FxRates> =>
  Effect.gen(function* () {
    const quote = yield* FxRates.rate(currency, "EUR", orderDay)
    const rate = BigDecimal.unsafeFromString(quote.rate)
    return {
      currency,
      rate: quote.rate,
      rateDate: quote.rateDate,
      source: quote.source,
      path: quote.path,
      toEur: (amount, scale = 2) =>
        BigDecimal.round(BigDecimal.multiply(amount, rate), { scale, mode: "half-from-zero" }),
    }
  })
