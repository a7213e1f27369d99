import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { Tenants } from "../../engine/tenancy/Tenants.js"

/** A tenant and `n` BigCommerce connections of it, as the tenancy code will create them. */
export const tenantWithConnections = (slug: string, n: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tenant = yield* (yield* Tenants).ensure(slug, slug)
    const connections: Array<string> = []
    for (let i = 0; i < n; i++) {
      const rows = yield* sql<{ id: string }>`
        INSERT INTO connections ${sql.insert({ tenantId: tenant.id, name: `bc-${i + 1}`, connector: "bigcommerce" })}
        ON CONFLICT (tenant_id, name) DO UPDATE SET connector = EXCLUDED.connector RETURNING id`
      connections.push(rows[0]!.id)
    }
    return { tenantId: tenant.id, connections }
  }).pipe(Effect.orDie)
