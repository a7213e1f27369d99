import { HttpServer } from "@effect/platform"
import { Effect, Redacted } from "effect"
import { Tenants } from "../../engine/tenancy/Tenants.js"

/**
 * Calls the API served by the test's `ApiServer` (port 0) over real HTTP. A string body goes
 * with `textType` (YAML for rules, CSV for stock); anything else as JSON. The answer's body is
 * parsed as JSON when it is JSON.
 */
export const apiCall = (textType: string) => (token: string | undefined, method: string, path: string, body?: unknown) =>
  Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    if (server.address._tag !== "TcpAddress") return yield* Effect.dieMessage("the API server is not on TCP")
    const url = `http://127.0.0.1:${server.address.port}/api${path}`
    return yield* Effect.promise(async () => {
      const response = await fetch(url, {
        method,
        headers: {
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { "content-type": typeof body === "string" ? textType : "application/json" }),
        },
        ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      })
      const text = await response.text()
      let json: any
      try { json = JSON.parse(text) } catch { json = text }
      return { status: response.status, body: json }
    })
  })

/** A tenant (created if new) and a fresh API token acting for it. */
export const tokenFor = (slug: string) => Effect.gen(function* () {
  const tenants = yield* Tenants
  const tenant = yield* tenants.ensure(slug, slug)
  return Redacted.value(yield* tenants.issueToken(tenant.id, `${slug}-test`))
})
