import { NodeHttpClient } from "@effect/platform-node"
import { BigDecimal, Effect, Layer } from "effect"
import { RateLimiters } from "../../../connectors/http/index.js"
import { type LexofficeConfig, makeLexofficeClient } from "../../../connectors/lexoffice/LexofficeClient.js"
import type { OrderConfirmationInput } from "../../../connectors/lexoffice/schemas.js"
import type { LexofficeSimulator } from "../../../connectors/lexoffice/simulator/LexofficeSimulator.js"
import { formatLexofficeDateTime } from "../../../connectors/lexoffice/Wire.js"

/** Real HTTP (undici) and one limiter registry per test, as in production one per process. */
export const Live = Layer.mergeAll(NodeHttpClient.layerUndici, RateLimiters.Default)

/** Short backoff so retry tests take milliseconds; the pacing itself is the real one unless overridden. */
export const clientFor = (simulator: LexofficeSimulator, overrides: Partial<LexofficeConfig> = {}) =>
  makeLexofficeClient({
    accessToken: simulator.token,
    baseUrl: simulator.url,
    retry: { maxAttempts: 6, baseDelayMs: 20, maxDelayMs: 200 },
    webhookPublicKey: simulator.publicKeyPem,
    ...overrides,
  })

export const unlimited = { rateLimit: { _tag: "Unlimited" } as const }

export const dec = (s: string) => BigDecimal.unsafeFromString(s)

export const orderConfirmation = (overrides: Partial<OrderConfirmationInput> = {}): OrderConfirmationInput => ({
  voucherDate: formatLexofficeDateTime(new Date("2026-11-20T10:00:00Z"), 60),
  address: { name: "Erika Musterfrau", countryCode: "DE" },
  lineItems: [
    { type: "custom", name: "Mug", quantity: dec("1"), unitName: "Stück", unitPrice: { currency: "EUR", netAmount: dec("13.40"), taxRatePercentage: dec("19") } },
    { type: "custom", name: "Book", quantity: dec("1"), unitName: "Stück", unitPrice: { currency: "EUR", netAmount: dec("8.32"), taxRatePercentage: dec("7") } },
  ],
  totalPrice: { currency: "EUR" },
  taxConditions: { taxType: "net" },
  shippingConditions: { shippingType: "delivery", shippingDate: formatLexofficeDateTime(new Date("2026-11-21T10:00:00Z"), 60) },
  remark: "vortex:order:BC-1001",
  ...overrides,
})

/** The largest number of logged requests inside any half-open window [t, t + windowMs). */
export const maxInWindow = (times: ReadonlyArray<number>, windowMs: number): number => {
  const sorted = [...times].sort((a, b) => a - b)
  let best = 0
  let start = 0
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++
    best = Math.max(best, end - start + 1)
  }
  return best
}

export const runLive = <A, E>(effect: Effect.Effect<A, E, Layer.Layer.Success<typeof Live>>) => Effect.provide(effect, Live)
