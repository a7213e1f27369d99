import { Context, Effect, Layer } from "effect"
import { BigCommerceSimulator } from "../../connectors/bigcommerce/simulator/BigCommerceSimulator.js"
import { LexofficeSimulator } from "../../connectors/lexoffice/simulator/LexofficeSimulator.js"

/** Both simulators of an engine test, over real HTTP, rate limits off. */
export class Simulators extends Context.Tag("test/support/Simulators")<Simulators, {
  readonly lexoffice: LexofficeSimulator
  readonly bigcommerce: BigCommerceSimulator
}>() {}

/** The simulators for one test layer, lexoffice seeded with `articles` articles (SKU `sku(i)`). */
export const simulatorsWith = (articles: number) => Layer.scoped(Simulators, Effect.gen(function* () {
  const lexoffice = yield* LexofficeSimulator.scoped({ rateLimit: false })
  const bigcommerce = yield* Effect.acquireRelease(
    Effect.promise(() => BigCommerceSimulator.start({ rateLimit: { enabled: false } })),
    (sim) => Effect.promise(() => sim.stop()),
  )
  lexoffice.seedArticles(articles)
  return { lexoffice, bigcommerce }
}))

/** The SKU the lexoffice simulator's seeding gives article `i` (0-based). */
export const sku = (i: number) => `A-${String(i + 1).padStart(5, "0")}`
