/**
 * `vortex sim bigcommerce`: the simulator as a standalone process for the sandbox and manual
 * testing. Runs until interrupted; the access token and base URL are printed for the client.
 */
import { Console, Effect } from "effect"
import { BigCommerceSimulator } from "./BigCommerceSimulator.js"

export const usage = `usage: vortex sim bigcommerce [--port N] [--store-hash H] [--token T] [--quota N] [--no-rate-limit] [--seed-products N]

Starts a simulated BigCommerce store on 127.0.0.1 (X-Auth-Token auth, 30 s request quota,
v3 catalog/inventory/hooks, v2 orders/shipments, webhook delivery). Runs until Ctrl-C.`

const option = (args: ReadonlyArray<string>, name: string): string | undefined => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}

export const serveBigCommerceSimulator = (args: ReadonlyArray<string>): Effect.Effect<number> =>
  Effect.scoped(Effect.gen(function* () {
    const quota = option(args, "--quota")
    const sim = yield* Effect.acquireRelease(
      Effect.promise(() => BigCommerceSimulator.start({
        port: Number(option(args, "--port") ?? "0"),
        recordExchanges: false,
        ...(option(args, "--store-hash") !== undefined ? { storeHash: option(args, "--store-hash")! } : {}),
        ...(option(args, "--token") !== undefined ? { accessToken: option(args, "--token")! } : {}),
        rateLimit: { enabled: !args.includes("--no-rate-limit"), ...(quota !== undefined ? { quota: Number(quota) } : {}) },
      })),
      (s) => Effect.promise(() => s.stop()),
    )
    const seedCount = Number(option(args, "--seed-products") ?? "0")
    if (seedCount > 0) sim.store.seed(Array.from({ length: seedCount }, (_, i) => ({ sku: `SIM-${i + 1}`, stock: 10, price: "9.99" })))
    yield* Console.log(`BigCommerce simulator listening\n  base URL:   ${sim.baseUrl}  (append /v3 or /v2)\n  store hash: ${sim.storeHash}\n  X-Auth-Token: ${sim.accessToken}`)
    return yield* Effect.never
  }))
