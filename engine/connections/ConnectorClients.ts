import { HttpClient } from "@effect/platform"
import { Effect, Redacted, Schema, SynchronizedRef } from "effect"
import { makeBigCommerceClient, type BigCommerceApi } from "../../connectors/bigcommerce/BigCommerceClient.js"
import { RateLimiters } from "../../connectors/http/index.js"
import { makeLexofficeClient, type LexofficeApi } from "../../connectors/lexoffice/LexofficeClient.js"
import { Connections, type ConnectionNotFound, type ConnectionWithCredentials } from "../tenancy/Connections.js"
import type { SecretUnreadable } from "../tenancy/SecretBox.js"

export class ConnectionMisconfigured extends Schema.TaggedError<ConnectionMisconfigured>()("ConnectionMisconfigured", {
  connection: Schema.String,
  message: Schema.String,
}) {}

const need = (connection: ConnectionWithCredentials, keys: ReadonlyArray<string>) => {
  const credentials = Redacted.value(connection.credentials)
  const missing = keys.filter((k) => typeof credentials[k] !== "string" || credentials[k] === "")
  return missing.length === 0
    ? Effect.succeed(credentials)
    : Effect.fail(new ConnectionMisconfigured({ connection: connection.name, message: `credentials lack ${missing.join(", ")}` }))
}

const setting = (connection: ConnectionWithCredentials, key: string) =>
  typeof connection.settings[key] === "string" ? connection.settings[key] as string : undefined

/**
 * The API client of each connection, built once from its stored (sealed) credentials and kept
 * for the life of the process, so every flow of a credential shares one rate limiter.
 */
export class ConnectorClients extends Effect.Service<ConnectorClients>()("engine/ConnectorClients", {
  effect: Effect.gen(function* () {
    const connections = yield* Connections
    const context = yield* Effect.context<HttpClient.HttpClient | RateLimiters>()
    const lexofficeCache = yield* SynchronizedRef.make(new Map<string, LexofficeApi>())
    const bigcommerceCache = yield* SynchronizedRef.make(new Map<string, BigCommerceApi>())

    const cached = <A>(ref: SynchronizedRef.SynchronizedRef<Map<string, A>>, id: string, make: Effect.Effect<A, ConnectionMisconfigured | ConnectionNotFound | SecretUnreadable>) =>
      SynchronizedRef.modifyEffect(ref, (map) => {
        const hit = map.get(id)
        return hit !== undefined
          ? Effect.succeed([hit, map] as const)
          : Effect.map(make, (client) => [client, new Map(map).set(id, client)] as const)
      })

    const expect = (connection: ConnectionWithCredentials, connector: string) =>
      connection.connector === connector
        ? Effect.void
        : Effect.fail(new ConnectionMisconfigured({ connection: connection.name, message: `is a ${connection.connector} connection, not ${connector}` }))

    const lexoffice = Effect.fn("ConnectorClients.lexoffice")((connectionId: string) =>
      cached(lexofficeCache, connectionId, Effect.gen(function* () {
        const connection = yield* connections.byId(connectionId)
        yield* expect(connection, "lexoffice")
        const credentials = yield* need(connection, ["apiKey"])
        const baseUrl = setting(connection, "baseUrl")
        const webhookPublicKey = setting(connection, "webhookPublicKey")
        // `rateLimit: off` is for simulators run without their limit (benchmarks); lexoffice itself allows 2 req/s
        const unlimited = setting(connection, "rateLimit") === "off"
        return yield* makeLexofficeClient({
          ...(unlimited ? { rateLimit: { _tag: "Unlimited" as const } } : {}),
          accessToken: credentials["apiKey"]!,
          ...(baseUrl !== undefined ? { baseUrl } : {}),
          ...(webhookPublicKey !== undefined ? { webhookPublicKey } : {}),
        }).pipe(Effect.provide(context))
      })))

    const bigcommerce = Effect.fn("ConnectorClients.bigcommerce")((connectionId: string) =>
      cached(bigcommerceCache, connectionId, Effect.gen(function* () {
        const connection = yield* connections.byId(connectionId)
        yield* expect(connection, "bigcommerce")
        const credentials = yield* need(connection, ["storeHash", "accessToken"])
        const apiOrigin = setting(connection, "baseUrl")
        return yield* makeBigCommerceClient({
          storeHash: credentials["storeHash"]!,
          accessToken: credentials["accessToken"]!,
          ...(apiOrigin !== undefined ? { apiOrigin } : {}),
        }).pipe(Effect.provide(context))
      })))

    return { lexoffice, bigcommerce } as const
  }),
}) {}
