import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// Every API call acts for exactly one tenant, named by the bearer token it carries. Only a
// SHA-256 of the token is stored: a leaked database does not leak working credentials.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE api_tokens (
      id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      name          text NOT NULL,
      token_sha256  bytea NOT NULL UNIQUE,
      created_at    timestamptz NOT NULL DEFAULT now(),
      revoked_at    timestamptz
    )`
})
