import { Console, Effect } from "effect"
import type { Command } from "./Command.js"

/**
 * `vortex sim <system> [--port N] [--token T] [--seed-articles N] [--seed-contacts N] [--no-rate-limit]
 * [--seed N] [--faults JSON] [--shopper [--shopper-every MS] [--shopper-orders N]]`: runs a connector
 * simulator in the foreground until Ctrl-C, for the sandbox, manual testing and fault runs. Its
 * fault knobs stay reachable from outside through the control API under `/__sim/` (the same
 * object `--faults` sets at start). Each simulator is one row of `simulators`; adding a system
 * means adding a row.
 */

interface SimOptions {
  readonly port: number
  readonly token: string | undefined
  readonly seedArticles: number
  readonly seedContacts: number
  readonly rateLimit: boolean
  /** Seed of the fault dice (and the shopper's), printed so a run replays. */
  readonly seed: number
  /** A partial fault object, as `PUT /__sim/faults` takes it. */
  readonly faults: unknown
  readonly shopper: { readonly everyMs: number; readonly maxOrders: number | undefined } | undefined
}

/** Applies `--faults` through the control API's own validation, so both accept the same objects. */
const applyFaults = async (url: string, faults: unknown): Promise<void> => {
  if (faults === undefined) return
  const res = await fetch(`${url}/__sim/faults`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(faults) })
  if (!res.ok) throw new Error(`--faults refused: ${JSON.stringify(await res.json())}`)
}

interface RunningSimulator {
  /** Lines printed once the server listens (URL, credentials, keys). */
  readonly banner: ReadonlyArray<string>
  readonly stop: () => Promise<void>
}

const simulators: Record<string, { readonly summary: string; readonly start: (options: SimOptions) => Promise<RunningSimulator> }> = {
  lexoffice: {
    summary: "lexoffice / Lexware Office public API (2 req/s, 406/409, vouchers, PDFs, signed webhooks)",
    start: async (options) => {
      const { LexofficeSimulator } = await import("../../connectors/lexoffice/simulator/LexofficeSimulator.js")
      const sim = await LexofficeSimulator.start({
        port: options.port,
        rateLimit: options.rateLimit,
        seed: options.seed,
        ...(options.token === undefined ? {} : { tokens: [options.token] }),
      })
      sim.seedArticles(options.seedArticles)
      sim.seedContacts(options.seedContacts)
      await applyFaults(sim.url, options.faults).catch(async (e: unknown) => {
        await sim.stop()
        throw e
      })
      return {
        banner: [
          `lexoffice simulator listening on ${sim.url}`,
          `  control API: ${sim.url}/__sim/ (faults, state, info); seed ${options.seed}`,
          `  Authorization: Bearer ${sim.token}`,
          `  rate limit: ${options.rateLimit ? "2 req/s per key" : "off"}; seeded ${options.seedArticles} articles, ${options.seedContacts} contacts`,
          "  webhook signature public key (X-Lxo-Signature, RSA-SHA512):",
          sim.publicKeyPem.trimEnd(),
        ],
        stop: () => sim.stop(),
      }
    },
  },
  bigcommerce: {
    summary: "BigCommerce v3 catalog/inventory/hooks, v2 orders (X-Auth-Token, 30 s quota, webhooks)",
    start: async (options) => {
      const { BigCommerceSimulator } = await import("../../connectors/bigcommerce/simulator/BigCommerceSimulator.js")
      const sim = await BigCommerceSimulator.start({
        port: options.port,
        recordExchanges: false,
        seed: options.seed,
        rateLimit: { enabled: options.rateLimit },
        ...(options.token === undefined ? {} : { accessToken: options.token }),
      })
      sim.store.seed(Array.from({ length: options.seedArticles }, (_, i) => ({ sku: `SIM-${i + 1}`, stock: 10, price: "9.99" })))
      const origin = new URL(sim.baseUrl).origin
      await applyFaults(origin, options.faults).catch(async (e: unknown) => {
        await sim.stop()
        throw e
      })
      if (options.shopper !== undefined) sim.shopper.start(options.shopper)
      return {
        banner: [
          `BigCommerce simulator listening on ${sim.baseUrl} (append /v3 or /v2)`,
          `  control API: ${origin}/__sim/ (faults, state, shopper, info); seed ${options.seed}`,
          ...(options.shopper === undefined ? [] : [`  shopper: an order every ${options.shopper.everyMs} ms${options.shopper.maxOrders === undefined ? "" : `, ${options.shopper.maxOrders} in all`}`]),
          `  X-Auth-Token: ${sim.accessToken}`,
          `  rate limit: ${options.rateLimit ? `${sim.rateLimit.quota} requests / ${sim.rateLimit.windowMs / 1000} s` : "off"}; seeded ${options.seedArticles} products`,
        ],
        stop: () => sim.stop(),
      }
    },
  },
}

const usage = [
  "usage: vortex sim <system> [--port N] [--token T] [--seed-articles N] [--seed-contacts N] [--no-rate-limit]",
  "                           [--seed N] [--faults JSON] [--shopper [--shopper-every MS] [--shopper-orders N]]",
  "",
  "  --seed N            seed of the fault dice and the shopper (default: random, printed)",
  "  --faults JSON       initial fault knobs, e.g. '{\"serverErrorRate\":0.05}'; change them later with",
  "                      PUT /__sim/faults, read counts at GET /__sim/state (the control API, not the contract)",
  "  --shopper           bigcommerce: a shopper places orders within the stock the shop shows",
  "  --shopper-every MS  milliseconds between its orders (default 2000)",
  "  --shopper-orders N  stop after N orders (default: never)",
  "",
  "systems:",
  ...Object.entries(simulators).map(([name, s]) => `  ${name.padEnd(12)} ${s.summary}`),
].join("\n")

const numberFlag = (args: ReadonlyArray<string>, flag: string, fallback: number): number | undefined => {
  const at = args.indexOf(flag)
  if (at < 0) return fallback
  const value = Number(args[at + 1])
  return Number.isInteger(value) && value >= 0 ? value : undefined
}

export const command: Command = {
  summary: "run a connector simulator (lexoffice, …) on 127.0.0.1",
  usage,
  run: (args) =>
    Effect.gen(function* () {
      const [name] = args
      const simulator = name === undefined ? undefined : simulators[name]
      if (simulator === undefined) {
        yield* Console.error(name === undefined ? usage : `vortex sim: unknown system "${name}"\n\n${usage}`)
        return 2
      }
      const port = numberFlag(args, "--port", 0)
      const seedArticles = numberFlag(args, "--seed-articles", 25)
      const seedContacts = numberFlag(args, "--seed-contacts", 5)
      if (port === undefined || port > 65_535 || seedArticles === undefined || seedContacts === undefined) {
        yield* Console.error(`vortex sim: --port, --seed-articles and --seed-contacts take a non-negative integer\n\n${usage}`)
        return 2
      }
      const seed = numberFlag(args, "--seed", Math.floor(Math.random() * 2 ** 31))
      const shopperEvery = numberFlag(args, "--shopper-every", 2000)
      const shopperOrders = numberFlag(args, "--shopper-orders", -1)
      if (seed === undefined || shopperEvery === undefined || shopperEvery < 1 || shopperOrders === undefined) {
        yield* Console.error(`vortex sim: --seed, --shopper-every and --shopper-orders take a non-negative integer\n\n${usage}`)
        return 2
      }
      const faultsAt = args.indexOf("--faults")
      let faults: unknown = undefined
      if (faultsAt >= 0) {
        const text = args[faultsAt + 1] ?? ""
        const parsed = yield* Effect.try(() => JSON.parse(text) as unknown).pipe(Effect.option)
        if (parsed._tag === "None") {
          yield* Console.error(`vortex sim: --faults takes a JSON object, got ${JSON.stringify(text)}\n\n${usage}`)
          return 2
        }
        faults = parsed.value
      }
      const tokenAt = args.indexOf("--token")
      const options: SimOptions = {
        port,
        token: tokenAt >= 0 ? args[tokenAt + 1] : undefined,
        seedArticles,
        seedContacts,
        rateLimit: !args.includes("--no-rate-limit"),
        seed,
        faults,
        shopper: args.includes("--shopper") ? { everyMs: shopperEvery, maxOrders: shopperOrders < 0 ? undefined : shopperOrders } : undefined,
      }
      return yield* Effect.acquireUseRelease(
        Effect.tryPromise({ try: () => simulator.start(options), catch: (e) => (e instanceof Error ? e.message : String(e)) }),
        (running) =>
          Effect.gen(function* () {
            for (const line of running.banner) yield* Console.log(line)
            // Runs until interrupted (Ctrl-C); the release closes the server.
            return yield* Effect.never
          }),
        (running) => Effect.promise(() => running.stop()),
      ).pipe(Effect.catchAll((message) => Console.error(`vortex sim: ${message}`).pipe(Effect.as(2))))
    }),
}
