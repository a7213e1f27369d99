import { Console, Effect } from "effect"
import type { Command } from "./Command.js"

/**
 * `vortex sim <system> [--port N] [--token T] [--seed-articles N] [--seed-contacts N] [--no-rate-limit]`:
 * runs a connector simulator in the foreground until Ctrl-C, for the sandbox and manual testing.
 * Each simulator is one row of `simulators`; adding a system means adding a row.
 */

interface SimOptions {
  readonly port: number
  readonly token: string | undefined
  readonly seedArticles: number
  readonly seedContacts: number
  readonly rateLimit: boolean
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
        ...(options.token === undefined ? {} : { tokens: [options.token] }),
      })
      sim.seedArticles(options.seedArticles)
      sim.seedContacts(options.seedContacts)
      return {
        banner: [
          `lexoffice simulator listening on ${sim.url}`,
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
        rateLimit: { enabled: options.rateLimit },
        ...(options.token === undefined ? {} : { accessToken: options.token }),
      })
      sim.store.seed(Array.from({ length: options.seedArticles }, (_, i) => ({ sku: `SIM-${i + 1}`, stock: 10, price: "9.99" })))
      return {
        banner: [
          `BigCommerce simulator listening on ${sim.baseUrl} (append /v3 or /v2)`,
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
      const tokenAt = args.indexOf("--token")
      const options: SimOptions = {
        port,
        token: tokenAt >= 0 ? args[tokenAt + 1] : undefined,
        seedArticles,
        seedContacts,
        rateLimit: !args.includes("--no-rate-limit"),
      }
      return yield* Effect.acquireUseRelease(
        Effect.promise(() => simulator.start(options)),
        (running) =>
          Effect.gen(function* () {
            for (const line of running.banner) yield* Console.log(line)
            // Runs until interrupted (Ctrl-C); the release closes the server.
            return yield* Effect.never
          }),
        (running) => Effect.promise(() => running.stop()),
      )
    }),
}
