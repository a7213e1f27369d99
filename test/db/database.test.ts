import { SqlClient } from "@effect/sql"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { runMigrations } from "../../engine/db/Migrations.js"
import { backends, TestDatabase } from "../support/TestDatabase.js"

// The same SQL must behave the same on the embedded database and on a PostgreSQL server:
// one dialect, one migration set (ARCHITECTURE.md §9).
describe.each(backends)("database on %s", (backend) => {
  layer(TestDatabase(backend), { timeout: 120_000 })((it) => {
    it.effect("migrations create the foundation tables", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const tables = yield* sql<{ tableName: string }>`
          SELECT table_name FROM information_schema.tables
          WHERE table_schema = 'public' ORDER BY table_name`
        const names = tables.map((t) => t.tableName)
        for (const expected of ["connections", "pipeline_versions", "tenants", "vortex_migrations"]) {
          assert.include(names, expected)
        }
      }))

    it.effect("running the migrations again applies nothing", () =>
      Effect.gen(function* () {
        const applied = yield* runMigrations
        assert.deepStrictEqual(applied, [])
      }))

    it.effect("a unique constraint rejects the second tenant with the same slug", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`INSERT INTO tenants ${sql.insert({ slug: "acme", name: "ACME" })}`
        const second = yield* Effect.exit(sql`INSERT INTO tenants ${sql.insert({ slug: "acme", name: "ACME again" })}`)
        assert.isTrue(Exit.isFailure(second))
        const rows = yield* sql<{ n: string }>`SELECT count(*)::text AS n FROM tenants WHERE slug = 'acme'`
        assert.strictEqual(rows[0]?.n, "1")
      }))

    it.effect("ON CONFLICT DO NOTHING makes a repeated insert a no-op", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const insert = sql<{ id: string }>`
          INSERT INTO tenants ${sql.insert({ slug: "dedupe", name: "Dedupe" })}
          ON CONFLICT (slug) DO NOTHING RETURNING id`
        assert.strictEqual((yield* insert).length, 1)
        assert.strictEqual((yield* insert).length, 0)
      }))

    it.effect("a failed transaction leaves nothing behind", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const attempt = sql.withTransaction(Effect.gen(function* () {
          yield* sql`INSERT INTO tenants ${sql.insert({ slug: "ghost", name: "Ghost" })}`
          return yield* Effect.fail("abort" as const)
        }))
        assert.deepStrictEqual(yield* Effect.flip(attempt), "abort")
        const rows = yield* sql`SELECT 1 FROM tenants WHERE slug = 'ghost'`
        assert.strictEqual(rows.length, 0)
      }))

    it.effect("a committed transaction keeps every statement", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql.withTransaction(Effect.gen(function* () {
          const [tenant] = yield* sql<{ id: string }>`INSERT INTO tenants ${sql.insert({ slug: "shop", name: "Shop" })} RETURNING id`
          yield* sql`INSERT INTO connections ${sql.insert({ tenantId: tenant!.id, name: "bc", connector: "bigcommerce" })}`
        }))
        const rows = yield* sql`SELECT 1 FROM connections c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = 'shop'`
        assert.strictEqual(rows.length, 1)
      }))

    it.effect("a check constraint rejects a pipeline version below 1", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const [tenant] = yield* sql<{ id: string }>`INSERT INTO tenants ${sql.insert({ slug: "checks", name: "Checks" })} RETURNING id`
        const bad = yield* Effect.exit(sql`INSERT INTO pipeline_versions ${sql.insert({
          tenantId: tenant!.id, name: "p", version: 0, checksum: "x", sourceYaml: "",
        })}`)
        assert.isTrue(Exit.isFailure(bad))
      }))
  })
})
