import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// Dated exchange rates from providers (ARCHITECTURE.md §8): 1 `base` = `rate` `quote` on `rate_date`.
// `numeric` without a scale keeps the published decimal exactly ("1.0842" stays "1.0842").
// A published reference rate never changes, so a row is written once; see FxRates.importEcb.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE fx_rates (
      source       text NOT NULL,
      rate_date    date NOT NULL,
      base         text NOT NULL CHECK (base ~ '^[A-Z]{3}$'),
      quote        text NOT NULL CHECK (quote ~ '^[A-Z]{3}$' AND quote <> base),
      rate         numeric NOT NULL CHECK (rate > 0),
      imported_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (source, rate_date, base, quote)
    )`
  // The primary key (source, rate_date, …) also serves resolution: one source, a week of dates.
})
