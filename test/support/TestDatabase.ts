import { PGlite } from "@electric-sql/pglite"
import { SqlClient } from "@effect/sql"
import { Reactivity } from "@effect/experimental"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import { readFileSync, renameSync, writeFileSync, existsSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Database } from "../../engine/db/Database.js"

export type Backend = "pglite" | "postgres"

/**
 * The backends database tests run on: always PGlite; the PostgreSQL server too when
 * `DATABASE_URL` names one (CI sets it). Locking and concurrency tests need the server.
 */
export const backends: ReadonlyArray<Backend> = process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"]

// initdb of a new PGlite cluster costs ~4 s; a dumped cluster loads in under one. The dump is
// cached on disk per PGlite version and written atomically so parallel test workers can race.
const pgliteTemplate = Effect.promise(async () => {
  const { version } = JSON.parse(readFileSync(new URL("../../node_modules/@electric-sql/pglite/package.json", import.meta.url), "utf8")) as { version: string }
  const file = join(tmpdir(), `vortex-pglite-template-${version}.tar.gz`)
  if (!existsSync(file)) {
    const db = await PGlite.create()
    const dump = await db.dumpDataDir("gzip")
    await db.close()
    const partial = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()))
    renameSync(partial, file)
  }
  return new Blob([readFileSync(file)])
})

// A database of its own on the server for each test file, dropped when the layer closes.
const serverDatabase = Layer.unwrapScoped(Effect.gen(function* () {
  const adminUrl = process.env.DATABASE_URL
  if (!adminUrl) return yield* Effect.dieMessage("DATABASE_URL is not set: no PostgreSQL server to test against")
  const name = `vortex_test_${process.pid}_${randomBytes(4).toString("hex")}`
  const admin = yield* PgClient.make({ url: Redacted.make(adminUrl), maxConnections: 1 }).pipe(Effect.provide(Reactivity.layer))
  yield* Effect.acquireRelease(
    admin.unsafe(`CREATE DATABASE ${name}`),
    () => admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.orDie),
  )
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return Database({ kind: "server", url: Redacted.make(url.toString()), maxConnections: 8 })
}).pipe(Effect.orDie))

const pgliteDatabase = Layer.unwrapEffect(
  Effect.map(pgliteTemplate, (loadDataDir) => Database({ kind: "embedded", loadDataDir })),
)

/** A fresh, migrated database on the given backend, private to the test file using it. */
export const TestDatabase = (backend: Backend) =>
  (backend === "pglite" ? pgliteDatabase : serverDatabase).pipe(Layer.orDie)

export type TestDatabaseServices = SqlClient.SqlClient | PgClient.PgClient
