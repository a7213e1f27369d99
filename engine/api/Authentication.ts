import { HttpApiMiddleware, HttpApiSchema, HttpApiSecurity } from "@effect/platform"
import { Context, Effect, Layer, Schema } from "effect"
import { Tenants } from "../tenancy/Tenants.js"

export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  message: Schema.String,
}, HttpApiSchema.annotations({ status: 401 })) {}

/** The tenant the current request acts for; every tenant-scoped handler reads it. */
export class CurrentTenant extends Context.Tag("engine/CurrentTenant")<CurrentTenant, {
  readonly tenantId: string
  readonly slug: string
  /** Who is acting, for audit trails: the token's name. */
  readonly actor: string
}>() {}

export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("engine/Authentication", {
  failure: Unauthorized,
  provides: CurrentTenant,
  security: { bearer: HttpApiSecurity.bearer },
}) {}

export const AuthenticationLive = Layer.effect(Authentication, Effect.gen(function* () {
  const tenants = yield* Tenants
  return {
    bearer: (token) => tenants.authenticate(token).pipe(
      Effect.flatMap((tenant) => tenant === undefined
        ? Effect.fail(new Unauthorized({ message: "unknown or revoked API token" }))
        : Effect.succeed({ tenantId: tenant.id, slug: tenant.slug, actor: `token:${tenant.tokenName}` })),
    ),
  }
}))
