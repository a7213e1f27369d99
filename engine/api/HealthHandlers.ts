import { HttpApiBuilder } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { DatabaseInfo } from "../db/Database.js"
import { VortexApi } from "./VortexApi.js"
import pkg from "../../package.json" with { type: "json" }

export const HealthHandlers = HttpApiBuilder.group(VortexApi, "health", (handlers) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const database = yield* DatabaseInfo
    return handlers.handle("health", () =>
      sql`SELECT 1`.pipe(
        // A health probe that cannot reach its database is not healthy: let it answer 500.
        Effect.orDie,
        Effect.as({ status: "ok" as const, database: database.kind, version: pkg.version }),
      ))
  }))
