import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import { createHash } from "node:crypto"

export class PipelineVersionChanged extends Schema.TaggedError<PipelineVersionChanged>()("PipelineVersionChanged", {
  name: Schema.String,
  version: Schema.Int,
}) {
  override get message() {
    return `pipeline "${this.name}" version ${this.version} is already loaded with different content: bump "version:" for every change`
  }
}

export interface PipelineBinding {
  readonly tenantId: string
  readonly name: string
  readonly version: number
  readonly sourceConnectionId: string
  readonly targetConnectionId: string
  readonly enabled: boolean
  readonly sourceYaml: string
}

/** Loaded pipeline versions (immutable, every one kept) and which one runs for a tenant. */
export class PipelineRepo extends Effect.Service<PipelineRepo>()("engine/PipelineRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /** Keeps a version; loading the same text again is a no-op, different text under one version is refused. */
    const storeVersion = Effect.fn("PipelineRepo.storeVersion")(function* (tenantId: string, name: string, version: number, sourceYaml: string) {
      const checksum = createHash("sha256").update(sourceYaml).digest("hex")
      const inserted = yield* sql`
        INSERT INTO pipeline_versions ${sql.insert({ tenantId, name, version, checksum, sourceYaml })}
        ON CONFLICT (tenant_id, name, version) DO NOTHING RETURNING 1`.pipe(Effect.orDie)
      if (inserted.length === 1) return "new" as const
      const [existing] = yield* sql<{ checksum: string }>`
        SELECT checksum FROM pipeline_versions WHERE tenant_id = ${tenantId} AND name = ${name} AND version = ${version}`.pipe(Effect.orDie)
      if (existing?.checksum !== checksum) return yield* Effect.fail(new PipelineVersionChanged({ name, version }))
      return "unchanged" as const
    })

    const bind = Effect.fn("PipelineRepo.bind")((binding: Omit<PipelineBinding, "sourceYaml">) =>
      sql`
        INSERT INTO pipeline_bindings ${sql.insert({ ...binding })}
        ON CONFLICT (tenant_id, name) DO UPDATE SET version = excluded.version,
          source_connection_id = excluded.source_connection_id, target_connection_id = excluded.target_connection_id,
          enabled = excluded.enabled, updated_at = now()`.pipe(Effect.asVoid, Effect.orDie))

    /** Every enabled pipeline in force, optionally for one tenant, with the text of its version. */
    const bindings = Effect.fn("PipelineRepo.bindings")((tenantId?: string) =>
      sql<PipelineBinding>`
        SELECT b.tenant_id, b.name, b.version, b.source_connection_id, b.target_connection_id, b.enabled, v.source_yaml
        FROM pipeline_bindings b
        JOIN pipeline_versions v ON v.tenant_id = b.tenant_id AND v.name = b.name AND v.version = b.version
        WHERE b.enabled ${tenantId === undefined ? sql`` : sql`AND b.tenant_id = ${tenantId}`}
        ORDER BY b.tenant_id, b.name`.pipe(Effect.orDie))

    return { storeVersion, bind, bindings } as const
  }),
}) {}
