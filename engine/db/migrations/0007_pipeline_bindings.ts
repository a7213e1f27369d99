import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// A pipeline in force for a tenant: which loaded version runs, between which two connections.
// A pipeline version stays immutable; rebinding or bumping the version moves this row only.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE pipeline_bindings (
      tenant_id             uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      name                  text NOT NULL,
      version               integer NOT NULL,
      source_connection_id  uuid NOT NULL REFERENCES connections(id),
      target_connection_id  uuid NOT NULL REFERENCES connections(id),
      enabled               boolean NOT NULL DEFAULT true,
      updated_at            timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, name),
      FOREIGN KEY (tenant_id, name, version) REFERENCES pipeline_versions (tenant_id, name, version)
    )`
})
