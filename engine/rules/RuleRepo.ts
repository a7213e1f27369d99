import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

export interface RuleSetRow {
  readonly id: string
  readonly name: string
  readonly kind: "expression" | "table"
  readonly description: string
  readonly publishedVersion: number | null
  readonly createdAt: Date
}

export interface RuleVersionRow {
  readonly version: number
  readonly baseVersion: number | null
  readonly body: unknown
  readonly checksum: string
  readonly author: string
  readonly comment: string
  readonly createdAt: Date
}

export interface AuditRow {
  readonly action: "draft" | "publish" | "rollback"
  readonly fromVersion: number | null
  readonly toVersion: number
  readonly author: string
  readonly comment: string
  readonly at: Date
}

/**
 * SQL for rule sets, and only SQL. Every statement is scoped by tenant: a caller holding
 * tenant A's id cannot name, read or move tenant B's rows, whatever ids it passes.
 * SQL failures are defects here; the store decides what the domain errors are.
 */
export class RuleRepo extends Effect.Service<RuleRepo>()("engine/RuleRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const findSet = (tenantId: string, name: string, options?: { readonly forUpdate?: boolean }) =>
      sql<RuleSetRow>`
        SELECT id, name, kind, description, published_version, created_at FROM rule_sets
        WHERE tenant_id = ${tenantId} AND name = ${name}
        ${options?.forUpdate ? sql`FOR UPDATE` : sql``}`.pipe(
        Effect.map((rows) => rows[0]),
        Effect.orDie,
      )

    /** By name; a page (`limit` sets after the name `after`) when asked, every set otherwise. */
    const listSets = (tenantId: string, page?: { readonly limit: number; readonly after?: string | undefined }) =>
      sql<RuleSetRow>`
        SELECT id, name, kind, description, published_version, created_at FROM rule_sets
        WHERE tenant_id = ${tenantId} ${page?.after === undefined ? sql`` : sql`AND name > ${page.after}`}
        ORDER BY name ${page === undefined ? sql`` : sql`LIMIT ${page.limit}`}`.pipe(Effect.orDie)

    /** Inserts the rule set unless the name is taken; `undefined` when it is. */
    const insertSet = (tenantId: string, set: { readonly name: string; readonly kind: string; readonly description: string }) =>
      sql<{ id: string }>`
        INSERT INTO rule_sets ${sql.insert({ tenantId, ...set })}
        ON CONFLICT (tenant_id, name) DO NOTHING RETURNING id`.pipe(
        Effect.map((rows) => rows[0]?.id),
        Effect.orDie,
      )

    const insertVersion = (tenantId: string, ruleSetId: string, version: {
      readonly baseVersion: number | null
      readonly body: unknown
      readonly checksum: string
      readonly author: string
      readonly comment: string
    }) =>
      sql<{ version: number }>`
        INSERT INTO rule_set_versions (tenant_id, rule_set_id, version, base_version, body, checksum, author, comment)
        SELECT ${tenantId}, ${ruleSetId}, coalesce(max(version), 0) + 1, ${version.baseVersion},
               ${JSON.stringify(version.body)}::jsonb, ${version.checksum}, ${version.author}, ${version.comment}
        FROM rule_set_versions WHERE rule_set_id = ${ruleSetId}
        RETURNING version`.pipe(
        Effect.map((rows) => rows[0]!.version),
        Effect.orDie,
      )

    const getVersion = (tenantId: string, ruleSetId: string, version: number) =>
      sql<RuleVersionRow>`
        SELECT version, base_version, body, checksum, author, comment, created_at FROM rule_set_versions
        WHERE tenant_id = ${tenantId} AND rule_set_id = ${ruleSetId} AND version = ${version}`.pipe(
        Effect.map((rows) => rows[0]),
        Effect.orDie,
      )

    const listVersions = (tenantId: string, ruleSetId: string) =>
      sql<RuleVersionRow>`
        SELECT version, base_version, body, checksum, author, comment, created_at FROM rule_set_versions
        WHERE tenant_id = ${tenantId} AND rule_set_id = ${ruleSetId} ORDER BY version`.pipe(Effect.orDie)

    const setPublished = (tenantId: string, ruleSetId: string, version: number) =>
      sql`UPDATE rule_sets SET published_version = ${version}
          WHERE tenant_id = ${tenantId} AND id = ${ruleSetId}`.pipe(Effect.asVoid, Effect.orDie)

    const audit = (tenantId: string, ruleSetId: string, entry: Omit<AuditRow, "at">) =>
      sql`INSERT INTO rule_set_audit ${sql.insert({ tenantId, ruleSetId, ...entry })}`.pipe(Effect.asVoid, Effect.orDie)

    const listAudit = (tenantId: string, ruleSetId: string) =>
      sql<AuditRow>`
        SELECT action, from_version, to_version, author, comment, at FROM rule_set_audit
        WHERE tenant_id = ${tenantId} AND rule_set_id = ${ruleSetId} ORDER BY id`.pipe(Effect.orDie)

    /** The published version of every rule set of a tenant: one cheap query per sync step. */
    const publishedVersions = (tenantId: string) =>
      sql<{ name: string; publishedVersion: number }>`
        SELECT name, published_version FROM rule_sets
        WHERE tenant_id = ${tenantId} AND published_version IS NOT NULL`.pipe(Effect.orDie)

    const publishedBodies = (tenantId: string) =>
      sql<{ name: string; version: number; body: unknown }>`
        SELECT s.name, v.version, v.body FROM rule_sets s
        JOIN rule_set_versions v ON v.rule_set_id = s.id AND v.version = s.published_version
        WHERE s.tenant_id = ${tenantId}`.pipe(Effect.orDie)

    /** Delivered at commit, so listeners never see a pointer move that was rolled back. */
    const notifyPublished = (tenantId: string, channel: string) =>
      sql`SELECT pg_notify(${channel}, ${tenantId})`.pipe(Effect.asVoid, Effect.orDie)

    return {
      notifyPublished, findSet, listSets, insertSet, insertVersion, getVersion, listVersions,
      setPublished, audit, listAudit, publishedVersions, publishedBodies,
      withTransaction: sql.withTransaction,
    } as const
  }),
}) {}
