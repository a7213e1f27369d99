import { SqlClient } from "@effect/sql"
import { Effect, Redacted, Schema } from "effect"
import { createHash, randomBytes } from "node:crypto"

export class TenantNotFound extends Schema.TaggedError<TenantNotFound>()("TenantNotFound", {
  slug: Schema.String,
}) {
  override get message() { return `no tenant "${this.slug}": tenants are created only by \`vortex apply\` from vortex.yaml (check the spelling, or VORTEX_TENANT)` }
}

export interface Tenant {
  readonly id: string
  readonly slug: string
  readonly name: string
}

const sha256 = (token: string) => createHash("sha256").update(token).digest()

/** Tenants and the API tokens that act for them. */
export class Tenants extends Effect.Service<Tenants>()("engine/Tenants", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /** Creates the tenant, or returns the existing one with that slug: safe to repeat at start-up. */
    const ensure = Effect.fn("Tenants.ensure")(function* (slug: string, name: string) {
      const rows = yield* sql<Tenant>`
        INSERT INTO tenants ${sql.insert({ slug, name })}
        ON CONFLICT (slug) DO UPDATE SET name = tenants.name
        RETURNING id, slug, name`
      return rows[0]!
    }, Effect.orDie)

    const bySlug = Effect.fn("Tenants.bySlug")(function* (slug: string) {
      const rows = yield* sql<Tenant>`SELECT id, slug, name FROM tenants WHERE slug = ${slug}`.pipe(Effect.orDie)
      if (rows[0] === undefined) return yield* Effect.fail(new TenantNotFound({ slug }))
      return rows[0]
    })

    /** A new token; the only moment its value exists outside the caller's hands. */
    const issueToken = Effect.fn("Tenants.issueToken")(function* (tenantId: string, name: string) {
      const token = `vx_${randomBytes(32).toString("base64url")}`
      yield* sql`INSERT INTO api_tokens ${sql.insert({ tenantId, name, tokenSha256: sha256(token) })}`
      return Redacted.make(token)
    }, Effect.orDie)

    /** The tenant a token acts for, if it is known and not revoked. */
    const authenticate = Effect.fn("Tenants.authenticate")(function* (token: Redacted.Redacted) {
      const rows = yield* sql<Tenant & { tokenName: string }>`
        SELECT t.id, t.slug, t.name, k.name AS token_name FROM api_tokens k JOIN tenants t ON t.id = k.tenant_id
        WHERE k.token_sha256 = ${sha256(Redacted.value(token))} AND k.revoked_at IS NULL`.pipe(Effect.orDie)
      return rows[0]
    })

    return { ensure, bySlug, issueToken, authenticate } as const
  }),
}) {}
