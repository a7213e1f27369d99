import { Layer } from "effect"
import { StockLedger } from "./StockLedger.js"
import { StockPublisher } from "./StockPublisher.js"
import { StockSignals } from "./StockSignals.js"
import { StockTargets } from "./StockTargets.js"

/**
 * The stock services over one shared `StockSignals`, so whoever subscribes to it hears every
 * ledger change of this process. Needs the database (`SqlClient`).
 */
export const StockLive = Layer.mergeAll(StockLedger.Default, StockPublisher.Default).pipe(
  Layer.provideMerge(StockTargets.Default),
  Layer.provideMerge(StockSignals.Default),
)
