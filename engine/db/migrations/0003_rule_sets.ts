import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// Rules that non-developers edit (ARCHITECTURE.md §5): a rule set per tenant and name, immutable
// numbered versions, one published pointer, and an audit trail of every pointer move.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE rule_sets (
      id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id          uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      name               text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_-]{0,62}$'),
      kind               text NOT NULL CHECK (kind IN ('expression', 'table')),
      description        text NOT NULL DEFAULT '',
      published_version  integer,
      created_at         timestamptz NOT NULL DEFAULT now(),
      UNIQUE (tenant_id, name),
      -- lets versions reference (tenant, rule set) so no version can hang under another tenant
      UNIQUE (tenant_id, id)
    )`
  yield* sql`
    CREATE TABLE rule_set_versions (
      tenant_id     uuid NOT NULL,
      rule_set_id   uuid NOT NULL,
      version       integer NOT NULL CHECK (version > 0),
      -- the version this draft was edited from: publishing it when another version has been
      -- published since is a stale write (optimistic locking)
      base_version  integer,
      body          jsonb NOT NULL,
      checksum      text NOT NULL,
      author        text NOT NULL,
      comment       text NOT NULL DEFAULT '',
      created_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (rule_set_id, version),
      FOREIGN KEY (tenant_id, rule_set_id) REFERENCES rule_sets (tenant_id, id) ON DELETE CASCADE
    )`
  yield* sql`
    ALTER TABLE rule_sets ADD CONSTRAINT rule_sets_published_version_fk
      FOREIGN KEY (id, published_version) REFERENCES rule_set_versions (rule_set_id, version)
      DEFERRABLE INITIALLY DEFERRED`
  yield* sql`
    CREATE TABLE rule_set_audit (
      id            bigserial PRIMARY KEY,
      tenant_id     uuid NOT NULL,
      rule_set_id   uuid NOT NULL,
      action        text NOT NULL CHECK (action IN ('draft', 'publish', 'rollback')),
      from_version  integer,
      to_version    integer NOT NULL,
      author        text NOT NULL,
      comment       text NOT NULL DEFAULT '',
      at            timestamptz NOT NULL DEFAULT now(),
      FOREIGN KEY (tenant_id, rule_set_id) REFERENCES rule_sets (tenant_id, id) ON DELETE CASCADE
    )`
  yield* sql`CREATE INDEX rule_set_audit_by_rule_set ON rule_set_audit (rule_set_id, at)`
})
