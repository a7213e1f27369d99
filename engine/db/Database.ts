import { PgClient } from "@effect/sql-pg"
import { Config, Context, Effect, Layer, Option, Redacted, String } from "effect"
import { startEmbeddedPostgres } from "./EmbeddedPostgres.js"
import { runMigrations } from "./Migrations.js"

/**
 * Where the database is, for the parts that open their own connections (pg-boss) and for
 * operators reading the start-up banner. `embedded` = PGlite in this process.
 */
export class DatabaseInfo extends Context.Tag("engine/DatabaseInfo")<DatabaseInfo, {
  readonly kind: "embedded" | "server"
  readonly url: Redacted.Redacted
  /**
   * Connections another pool (pg-boss) may open. 0: share this process's SqlClient instead
   * (the embedded database must see one connection only).
   */
  readonly spareConnections: number
}>() {}

// PGlite is one backend session behind its socket server: messages of two connections can
// interleave between a Parse and its Bind, and a BEGIN on one is a BEGIN for all. So the whole
// process shares ONE connection (pg-boss included, through the SqlClient), which serialises
// statements exactly as PGlite would anyway; a few spare sockets serve ad-hoc tools.
const EMBEDDED_SOCKETS = 4
const EMBEDDED_POOL = 1

export type DatabaseTarget =
  | { readonly kind: "server"; readonly url: Redacted.Redacted; readonly maxConnections?: number }
  | { readonly kind: "embedded"; readonly dataDir?: string; readonly loadDataDir?: Blob }

/** `DATABASE_URL` set → that server; otherwise PGlite under `VORTEX_DATA_DIR` (default `.vortex/data`). */
export const databaseTargetFromEnv: Config.Config<DatabaseTarget> = Config.all({
  url: Config.option(Config.redacted("DATABASE_URL")),
  dataDir: Config.string("VORTEX_DATA_DIR").pipe(Config.withDefault(".vortex/data")),
}).pipe(Config.map(({ url, dataDir }): DatabaseTarget =>
  Option.match(url, {
    onSome: (url) => ({ kind: "server", url }),
    onNone: () => ({ kind: "embedded", dataDir }),
  })))

// SQL speaks snake_case, TypeScript camelCase; the client translates names both ways.
const clientOptions = {
  applicationName: "vortex",
  transformQueryNames: String.camelToSnake,
  transformResultNames: String.snakeToCamel,
} as const

const clientLayer = (target: DatabaseTarget) =>
  Layer.unwrapScoped(Effect.gen(function* () {
    if (target.kind === "server") {
      const maxConnections = target.maxConnections ?? 10
      return Layer.merge(
        PgClient.layer({ ...clientOptions, url: target.url, maxConnections }),
        Layer.succeed(DatabaseInfo, { kind: "server", url: target.url, spareConnections: maxConnections }),
      )
    }
    const embedded = yield* startEmbeddedPostgres({
      dataDir: target.dataDir,
      loadDataDir: target.loadDataDir,
      maxConnections: EMBEDDED_SOCKETS,
    })
    const url = Redacted.make(embedded.url)
    return Layer.merge(
      PgClient.layer({ ...clientOptions, url, maxConnections: EMBEDDED_POOL }),
      Layer.succeed(DatabaseInfo, { kind: "embedded", url, spareConnections: 0 }),
    )
  }))

/** A migrated database: the one layer every part of Vortex that stores anything builds on. */
export const Database = (target: DatabaseTarget) => {
  const client = clientLayer(target)
  return Layer.provideMerge(Layer.effectDiscard(runMigrations), client)
}

export const DatabaseFromEnv = Layer.unwrapEffect(Effect.map(databaseTargetFromEnv, Database))
