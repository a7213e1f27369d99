import { Context, Effect, Layer } from "effect"
import { LexofficeSimulator } from "../../connectors/lexoffice/simulator/LexofficeSimulator.js"
import { OrderInbox } from "../../engine/orders/OrderInbox.js"
import { OrderProtocol } from "../../engine/orders/OrderProtocol.js"
import { OrderRepo } from "../../engine/orders/OrderRepo.js"
import { OrderSettings, type OrderSettingsShape } from "../../engine/orders/OrderSettings.js"
import { type Backend, TestDatabase } from "../support/TestDatabase.js"
import { HandMapper, lexofficeFor, SeededFx } from "./fixtures.js"

/** The lexoffice simulator of a test file, over real HTTP. */
export class Simulator extends Context.Tag("test/orders/Simulator")<Simulator, LexofficeSimulator>() {}

const simulator = Layer.scoped(Simulator, LexofficeSimulator.scoped({ rateLimit: false }))

/**
 * Everything the orders flow runs on except the stock ledger (each test brings its own):
 * a migrated database, the ECB sample, the simulator and a client of it, the hand mapper.
 */
export const ordersHarness = (backend: Backend, settings: Partial<OrderSettingsShape> = {}) => {
  const database = Layer.provideMerge(SeededFx, TestDatabase(backend))
  const services = Layer.mergeAll(OrderInbox.Default, OrderRepo.Default, OrderProtocol.Default).pipe(Layer.provideMerge(database))
  const lexoffice = Layer.unwrapEffect(Effect.map(Simulator, (sim) => lexofficeFor(sim))).pipe(Layer.provideMerge(simulator))
  return Layer.mergeAll(services, lexoffice, HandMapper, OrderSettings.layer({ reconcileGraceMs: 0, ...settings }))
}
