import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// Tenancy root, connections to outside systems, and every pipeline version ever loaded
// (ARCHITECTURE.md §3: "every loaded version is kept").
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE tenants (
      id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
      name        text NOT NULL,
      created_at  timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`
    CREATE TABLE connections (
      id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      name         text NOT NULL,
      connector    text NOT NULL,
      -- AES-256-GCM ciphertext (ARCHITECTURE.md §10); never plain credentials
      credentials  bytea,
      settings     jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at   timestamptz NOT NULL DEFAULT now(),
      UNIQUE (tenant_id, name)
    )`
  yield* sql`
    CREATE TABLE pipeline_versions (
      tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      name         text NOT NULL,
      version      integer NOT NULL CHECK (version > 0),
      checksum     text NOT NULL,
      source_yaml  text NOT NULL,
      loaded_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, name, version)
    )`
})
