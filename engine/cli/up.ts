import { HttpServer } from "@effect/platform"
import { Console, Effect, Layer } from "effect"
import { existsSync } from "node:fs"
import { parseArgs } from "node:util"
import { ApiServer } from "../api/ApiServer.js"
import { applyConfig } from "../config/ApplyConfig.js"
import { readConfigFile } from "../config/ConfigFile.js"
import { Database, DatabaseFromEnv, DatabaseInfo } from "../db/Database.js"
import { EngineWithJobs } from "../runtime/Engine.js"
import { SecretBoxFromEnv } from "../tenancy/SecretBox.js"
import { runStockWakeups } from "../runtime/StockWakeups.js"
import { runOrderGenerator, startSandbox } from "../sandbox/Sandbox.js"
import { startWorkers } from "../sync/SyncWorker.js"
import { WebhookEvents } from "../webhooks/WebhookEvents.js"
import { WebhookRoutes } from "../webhooks/WebhookRoutes.js"
import { MetricsRoutes } from "../observability/MetricsRoutes.js"
import type { Command } from "./Command.js"

const usage = `usage: vortex up [--sandbox] [--config FILE] [--port N] [--host ADDR]

Runs Vortex in one process: migrates the database, applies the config, serves the API and the
webhook intake on http://HOST:PORT, and works the sync queues (heartbeat, webhooks, on demand).
Database: DATABASE_URL if set, else the embedded PostgreSQL under VORTEX_DATA_DIR (.vortex/data).
  --sandbox     simulators of lexoffice and BigCommerce with a demo shop and shoppers placing
                orders; runs on a fresh in-memory embedded database every time
  --config F    tenants, connections and pipelines (default: vortex.yaml when it exists)
  --port N      HTTP port (default 8080, or PORT)
  --host A      bind address (default 127.0.0.1)`

const origin = Effect.map(HttpServer.HttpServer, (server) =>
  server.address._tag === "TcpAddress" ? `http://${server.address.hostname}:${server.address.port}` : "unix socket")

export const command: Command = {
  summary: "run Vortex (migrate, API, webhooks, workers; --sandbox for a live demo)",
  usage,
  run: (args) => Effect.gen(function* () {
    const { values } = yield* Effect.try(() => parseArgs({
      args: [...args],
      options: {
        sandbox: { type: "boolean", default: false },
        config: { type: "string" },
        port: { type: "string", default: process.env.PORT ?? "8080" },
        host: { type: "string", default: "127.0.0.1" },
      },
    }))
    const port = Number(values.port)
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      yield* Console.error(`vortex up: --port must be a port number, got "${values.port}"`)
      return 2
    }
    const configFile = values.config ?? (existsSync("vortex.yaml") && !values.sandbox ? "vortex.yaml" : undefined)

    const program = Effect.gen(function* () {
      const database = yield* DatabaseInfo
      const api = yield* origin
      if (configFile !== undefined) {
        const applied = yield* applyConfig(configFile, yield* readConfigFile(configFile))
        for (const t of applied) {
          yield* Console.log(`vortex: tenant ${t.slug}: ${t.connections.size} connection(s), pipelines ${t.pipelines.map((p) => `${p.name} v${p.version}`).join(", ") || "none"}`)
        }
      }
      yield* startWorkers
      yield* Effect.forkScoped(runStockWakeups)
      yield* Console.log(`vortex: database ${database.kind === "embedded" ? "embedded (PGlite)" : "PostgreSQL server"}, migrations applied`)
      yield* Console.log(`vortex: API ${api}/api (health: ${api}/api/health, OpenAPI: ${api}/api/openapi.json)`)
      if (values.sandbox) {
        const sandbox = yield* startSandbox(api)
        yield* Console.log([
          "vortex: sandbox running",
          `  lexoffice simulator   ${sandbox.lexoffice.url}  (200 articles)`,
          `  BigCommerce simulator ${sandbox.bigcommerce.baseUrl}`,
          "  catalog, stock and orders flows are queued; a shopper places an order every few seconds.",
          "  Watch: the log below, or `curl " + api + "/api/health`.",
        ].join("\n"))
        yield* Effect.forkScoped(runOrderGenerator(sandbox))
      }
      return yield* Effect.never
    })

    const database = values.sandbox ? Database({ kind: "embedded" }) : DatabaseFromEnv
    const app = ApiServer({ port, host: values.host }, Layer.merge(WebhookRoutes, MetricsRoutes)).pipe(
      Layer.provideMerge(WebhookEvents.Default),
      Layer.provideMerge(EngineWithJobs({ pollingIntervalSeconds: 0.5 })),
      Layer.provideMerge(SecretBoxFromEnv),
      Layer.provideMerge(database),
    )
    return yield* program.pipe(Effect.scoped, Effect.provide(app))
  }).pipe(
    Effect.catchAll((error) => Console.error(`vortex up: ${error.message}`).pipe(Effect.as(1))),
  ),
}
