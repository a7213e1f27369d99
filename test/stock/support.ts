import { Layer } from "effect"
import { StockLive } from "../../engine/stock/StockLayer.js"
import { Tenants } from "../../engine/tenancy/Tenants.js"
import { type Backend, TestDatabase } from "../support/TestDatabase.js"

/** The stock services and tenants over a fresh database of the backend. */
export const StockLayerForTest = (backend: Backend) =>
  Layer.mergeAll(StockLive, Tenants.Default).pipe(Layer.provideMerge(TestDatabase(backend)))
