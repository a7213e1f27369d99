import { Console, Effect, Layer } from "effect"
import { parseArgs } from "node:util"
import { ApiServer } from "../api/ApiServer.js"
import { DatabaseFromEnv, DatabaseInfo } from "../db/Database.js"
import type { Command } from "./Command.js"

const usage = `usage: vortex up [--sandbox] [--port N] [--host ADDR]

Runs Vortex in one process: migrates the database, then serves the API on http://HOST:PORT.
Database: DATABASE_URL if set, else the embedded PostgreSQL under VORTEX_DATA_DIR (.vortex/data).
  --sandbox   use local simulators of the outside systems (no credentials needed)
  --port N    HTTP port (default 8080, or PORT)
  --host A    bind address (default 127.0.0.1)`

const banner = Effect.gen(function* () {
  const database = yield* DatabaseInfo
  yield* Console.log(`vortex: database ${database.kind === "embedded" ? "embedded (PGlite)" : "PostgreSQL server"}, migrations applied`)
})

export const command: Command = {
  summary: "run Vortex (migrate, API, workers)",
  usage,
  run: (args) => Effect.gen(function* () {
    const { values } = yield* Effect.try(() => parseArgs({
      args: [...args],
      options: {
        sandbox: { type: "boolean", default: false },
        port: { type: "string", default: process.env.PORT ?? "8080" },
        host: { type: "string", default: "127.0.0.1" },
      },
    }))
    const port = Number(values.port)
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      yield* Console.error(`vortex up: --port must be a port number, got "${values.port}"`)
      return 2
    }
    const app = ApiServer({ port, host: values.host }).pipe(
      Layer.merge(Layer.effectDiscard(banner)),
      Layer.provide(DatabaseFromEnv),
    )
    return yield* Layer.launch(app)
  }).pipe(
    Effect.catchAll((error) => Console.error(`vortex up: ${error.message}`).pipe(Effect.as(1))),
  ),
}
