import { PgClient } from "@effect/sql-pg"
import { Effect, Option, Schema, Stream, SynchronizedRef } from "effect"
import { DatabaseInfo } from "../db/Database.js"
import { RuleBody, type TableBody } from "./RuleBody.js"
import { RuleChecker, type CheckedRule } from "./RuleChecker.js"
import { RuleInvalid } from "./errors.js"
import { RuleRepo } from "./RuleRepo.js"

/** The channel a publish notifies; its payload is the tenant id. */
export const RULES_CHANNEL = "vortex_rules"

/** The rules in force for one sync step: fixed for the step, so a step never mixes versions. */
export interface RuleSnapshot {
  readonly versions: ReadonlyMap<string, number>
  readonly tables: ReadonlyMap<string, TableBody>
  readonly expressions: ReadonlyMap<string, { readonly body: RuleBody; readonly rule: CheckedRule }>
}

interface TenantCache {
  readonly snapshot: RuleSnapshot
  readonly dirty: boolean
}

const emptySnapshot: RuleSnapshot = { versions: new Map(), tables: new Map(), expressions: new Map() }

const sameVersions = (a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>) =>
  a.size === b.size && [...a].every(([name, version]) => b.get(name) === version)

/**
 * Hands each sync step the published rules of its tenant without a deploy or restart
 * (ARCHITECTURE.md §5). Compiled rules are cached by version. On a PostgreSQL server a publish
 * NOTIFYs and marks the tenant dirty, so an unchanged tenant costs no query; PGlite has no
 * notifications over its socket, so there every step compares the published versions (one
 * small query) before reusing the cache.
 */
export class RuleResolver extends Effect.Service<RuleResolver>()("engine/RuleResolver", {
  scoped: Effect.gen(function* () {
    const repo = yield* RuleRepo
    const checker = yield* RuleChecker
    const database = yield* DatabaseInfo
    const pg = yield* PgClient.PgClient
    const cache = yield* SynchronizedRef.make(new Map<string, TenantCache>())

    const markDirty = (tenantId: string) =>
      SynchronizedRef.update(cache, (tenants) => {
        const entry = tenants.get(tenantId)
        if (entry === undefined) return tenants
        return new Map(tenants).set(tenantId, { ...entry, dirty: true })
      })

    const notifications = database.kind === "server"
    if (notifications) {
      yield* pg.listen(RULES_CHANNEL).pipe(
        Stream.runForEach(markDirty),
        // a lost listener must not leave stale rules in force: fall back to checking every step
        Effect.catchAll((error) => Effect.logWarning("rule notifications lost; checking versions every step", error)),
        Effect.forkScoped,
      )
    }

    const build = (tenantId: string, previous: RuleSnapshot) => Effect.gen(function* () {
      const rows = yield* repo.publishedBodies(tenantId)
      const versions = new Map<string, number>()
      const tables = new Map<string, TableBody>()
      const bodies: Array<{ name: string; body: RuleBody }> = []
      for (const row of rows) {
        versions.set(row.name, row.version)
        const body = Schema.decodeUnknownSync(RuleBody)(row.body)
        if (body.kind === "table") tables.set(row.name, body)
        else bodies.push({ name: row.name, body })
      }
      const tablesChanged = tables.size !== previous.tables.size ||
        [...tables.keys()].some((name) => previous.versions.get(name) !== versions.get(name))
      const expressions = new Map<string, { body: RuleBody; rule: CheckedRule }>()
      for (const { name, body } of bodies) {
        const cached = previous.expressions.get(name)
        // an unchanged expression whose tables are unchanged keeps its compiled closure
        if (cached !== undefined && previous.versions.get(name) === versions.get(name) && !tablesChanged) {
          expressions.set(name, cached)
          continue
        }
        const rule = yield* checker.check(body, { tables }).pipe(
          Effect.mapError((problems) => new RuleInvalid({ name, problems })),
        )
        expressions.set(name, { body, rule })
      }
      return { versions, tables, expressions } satisfies RuleSnapshot
    })

    /** The rules in force now for a tenant; call it at the start of every sync step. */
    const resolve = Effect.fn("RuleResolver.resolve")((tenantId: string) =>
      SynchronizedRef.modifyEffect(cache, (tenants) => Effect.gen(function* () {
        const entry = Option.fromNullable(tenants.get(tenantId))
        if (Option.isSome(entry) && notifications && !entry.value.dirty) return [entry.value.snapshot, tenants] as const
        const previous = Option.match(entry, { onNone: () => emptySnapshot, onSome: (e) => e.snapshot })
        if (Option.isSome(entry) && !notifications) {
          const current = new Map((yield* repo.publishedVersions(tenantId)).map((r) => [r.name, r.publishedVersion] as const))
          if (sameVersions(current, previous.versions)) return [previous, tenants] as const
        }
        const snapshot = yield* build(tenantId, previous)
        return [snapshot, new Map(tenants).set(tenantId, { snapshot, dirty: false })] as const
      })))

    return { resolve } as const
  }),
  dependencies: [RuleRepo.Default],
}) {}
