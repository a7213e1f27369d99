import { Schema } from "effect"

/**
 * No rate for `from`→`to` valid on `date`: nothing published that day nor within the lookback
 * window before it. A flow reports this instead of converting with a stale or invented rate.
 */
export class FxRateMissing extends Schema.TaggedError<FxRateMissing>()("FxRateMissing", {
  from: Schema.String,
  to: Schema.String,
  date: Schema.String,
  lookbackDays: Schema.Int,
}) {
  override get message() {
    return `no ${this.from}→${this.to} rate on ${this.date} nor in the ${this.lookbackDays} days before it`
  }
}

/** An ECB reference-rate file that does not have the eurofxref layout; `line`/`column` are 1-based. */
export class EcbXmlMalformed extends Schema.TaggedError<EcbXmlMalformed>()("EcbXmlMalformed", {
  reason: Schema.String,
  line: Schema.Int,
  column: Schema.Int,
}) {
  override get message() {
    return `ECB rates XML, line ${this.line} column ${this.column}: ${this.reason}`
  }
}

/** A currency code that is not in ISO 4217 list one (dsl/iso4217.ts): nothing to round it to. */
export class UnknownCurrency extends Schema.TaggedError<UnknownCurrency>()("UnknownCurrency", {
  currency: Schema.String,
}) {
  override get message() {
    return `"${this.currency}" is not an ISO 4217 currency code`
  }
}
