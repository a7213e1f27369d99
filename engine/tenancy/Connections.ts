import { SqlClient } from "@effect/sql"
import { Effect, Redacted, Schema } from "effect"
import { SecretBox } from "./SecretBox.js"

export class ConnectionNotFound extends Schema.TaggedError<ConnectionNotFound>()("ConnectionNotFound", {
  ref: Schema.String,
}) {
  override get message() { return `no connection "${this.ref}"` }
}

export interface Connection {
  readonly id: string
  readonly tenantId: string
  readonly name: string
  readonly connector: string
  readonly settings: Readonly<Record<string, unknown>>
}

export interface ConnectionWithCredentials extends Connection {
  /** Opened only for the call that needs it; redacted so no log line can print it. */
  readonly credentials: Redacted.Redacted<Readonly<Record<string, string>>>
}

/** Connections to outside systems, with their credentials sealed at rest. */
export class Connections extends Effect.Service<Connections>()("engine/Connections", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const box = yield* SecretBox

    const upsert = Effect.fn("Connections.upsert")(function* (tenantId: string, connection: {
      readonly name: string
      readonly connector: string
      readonly credentials: Readonly<Record<string, string>>
      readonly settings: Readonly<Record<string, unknown>>
    }) {
      const sealed = box.seal(Redacted.make(JSON.stringify(connection.credentials)))
      const rows = yield* sql<{ id: string }>`
        INSERT INTO connections (tenant_id, name, connector, credentials, settings)
        VALUES (${tenantId}, ${connection.name}, ${connection.connector}, ${sealed}, ${JSON.stringify(connection.settings)}::jsonb)
        ON CONFLICT (tenant_id, name) DO UPDATE
          SET connector = excluded.connector, credentials = excluded.credentials, settings = excluded.settings
        RETURNING id`
      return rows[0]!.id
    }, Effect.orDie)

    const open = (row: Connection & { readonly credentialsSealed: Uint8Array | null }) =>
      Effect.gen(function* () {
        const { credentialsSealed, ...connection } = row
        const text = credentialsSealed === null ? Redacted.make("{}") : yield* box.open(credentialsSealed)
        const credentials = JSON.parse(Redacted.value(text)) as Record<string, string>
        return { ...connection, credentials: Redacted.make(credentials) } satisfies ConnectionWithCredentials
      })

    const select = sql`SELECT id, tenant_id, name, connector, settings, credentials AS credentials_sealed FROM connections`

    /** A connection of a tenant by name; no connection of another tenant can be named. */
    const byName = Effect.fn("Connections.byName")(function* (tenantId: string, name: string) {
      const rows = yield* sql<Connection & { credentialsSealed: Uint8Array | null }>`${select} WHERE tenant_id = ${tenantId} AND name = ${name}`.pipe(Effect.orDie)
      if (rows[0] === undefined) return yield* Effect.fail(new ConnectionNotFound({ ref: name }))
      return yield* open(rows[0])
    })

    const byId = Effect.fn("Connections.byId")(function* (id: string) {
      const rows = yield* sql<Connection & { credentialsSealed: Uint8Array | null }>`${select} WHERE id = ${id}`.pipe(Effect.orDie)
      if (rows[0] === undefined) return yield* Effect.fail(new ConnectionNotFound({ ref: id }))
      return yield* open(rows[0])
    })

    const list = Effect.fn("Connections.list")((tenantId: string) =>
      sql<Connection>`SELECT id, tenant_id, name, connector, settings FROM connections WHERE tenant_id = ${tenantId} ORDER BY name`.pipe(Effect.orDie))

    return { upsert, byName, byId, list } as const
  }),
}) {}
