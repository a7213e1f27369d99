import { Migrator } from "@effect/sql"
import { Effect } from "effect"
import { migrations } from "./migrations/index.js"

/**
 * Brings the schema up to date. Safe to run from several processes at once: the migrator
 * records each id in `vortex_migrations` under a lock, so a migration runs exactly once.
 * Without `dumpSchema` it needs no pg_dump binary, which the embedded database does not have.
 */
export const runMigrations = Migrator.make({})({ loader: migrations, table: "vortex_migrations" }).pipe(
  Effect.withSpan("Migrations.run"),
)
