import { Console, Effect, Redacted } from "effect"
import { parseArgs } from "node:util"
import { Tenants } from "../tenancy/Tenants.js"
import type { Command } from "./Command.js"
import { EngineFromEnv } from "./EngineProcess.js"

const usage = `usage: vortex token <name> [--tenant SLUG]

Issues an API token acting for the tenant (the panel, scripts, CI). It is printed once and
stored only as a SHA-256 hash: keep it. Use it as "Authorization: Bearer <token>".`

export const command: Command = {
  summary: "issue an API token for a tenant",
  usage,
  run: (args) => Effect.gen(function* () {
    const { values, positionals } = yield* Effect.try(() => parseArgs({
      args: [...args], allowPositionals: true,
      options: { tenant: { type: "string", default: process.env.VORTEX_TENANT ?? "default" } },
    }))
    const name = positionals[0]
    if (name === undefined) {
      yield* Console.error(`vortex token: name the token (who or what uses it)\n\n${usage}`)
      return 2
    }
    return yield* Effect.gen(function* () {
      const tenants = yield* Tenants
      const tenant = yield* tenants.bySlug(values.tenant)
      const token = yield* tenants.issueToken(tenant.id, name)
      yield* Console.log(Redacted.value(token))
      return 0
    }).pipe(Effect.provide(EngineFromEnv))
  }).pipe(Effect.catchAll((error) => Console.error(`vortex token: ${error.message}`).pipe(Effect.as(1)))),
}
