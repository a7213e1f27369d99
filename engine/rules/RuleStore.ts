import { Effect, Schema } from "effect"
import { createHash } from "node:crypto"
import { RuleBody, type TableBody } from "./RuleBody.js"
import { RuleChecker, type CheckedRule } from "./RuleChecker.js"
import {
  RuleInvalid, RuleSetExists, RuleSetNotFound, RuleTestsFailed, RuleVersionNotFound, StaleRuleVersion,
  type RuleProblem,
} from "./errors.js"
import {
  depthOf, isVersionNumber, MAX_COMMENT_LENGTH, MAX_DESCRIPTION_LENGTH, MAX_JSON_DEPTH, nameProblems, textProblems,
} from "./RuleLimits.js"
import { RuleRepo, type RuleSetRow } from "./RuleRepo.js"
import { RULES_CHANNEL } from "./RuleResolver.js"

/** Canonical JSON (sorted keys) so that equal bodies have equal checksums. */
const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v)

export const checksumOf = (body: unknown) => createHash("sha256").update(canonicalJson(body)).digest("hex")

// JSON numbers become JS floats on the way through JSON.parse and the pg driver, so a rule body
// keeps exact amounts as strings ("11.90"); only safe integers may be numbers.
const inexactNumbers = (value: unknown, path: string): ReadonlyArray<RuleProblem> => {
  if (typeof value === "number") {
    return Number.isSafeInteger(value) ? [] : [{
      code: "RULE002", path,
      message: `the number ${value} would lose exactness: write decimal amounts as strings, e.g. "${value}"`,
    }]
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => inexactNumbers(v, `${path}[${i}]`))
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => inexactNumbers(v, path === "" ? k : `${path}.${k}`))
  }
  return []
}

export interface Actor {
  readonly tenantId: string
  readonly author: string
}

/**
 * The life of a rule set (ARCHITECTURE.md §5): drafts are new immutable versions; publishing
 * validates, type-checks and runs the stored tests, then moves the published pointer in one
 * transaction with its audit entry; rollback publishes an earlier version.
 */
export class RuleStore extends Effect.Service<RuleStore>()("engine/RuleStore", {
  effect: Effect.gen(function* () {
    const repo = yield* RuleRepo
    const checker = yield* RuleChecker

    const requireSet = (tenantId: string, name: string, options?: { readonly forUpdate?: boolean }) =>
      repo.findSet(tenantId, name, options).pipe(
        Effect.flatMap((set) => set === undefined ? Effect.fail(new RuleSetNotFound({ name })) : Effect.succeed(set)),
      )

    const requireVersion = (tenantId: string, set: RuleSetRow, version: number) =>
      // a number no version can have is not looked up (the column is an `integer`)
      (isVersionNumber(version) ? repo.getVersion(tenantId, set.id, version) : Effect.succeed(undefined)).pipe(
        Effect.flatMap((row) => row === undefined
          ? Effect.fail(new RuleVersionNotFound({ name: set.name, version }))
          : Effect.succeed(row)),
      )

    /** Bounds first, so nothing below (decoder, checker, JSON Logic bridge) sees an absurd value. */
    const checkLimits = (name: string, input: { readonly description?: string | undefined; readonly comment?: string | undefined; readonly body: unknown }) => {
      const depth = depthOf(input.body, MAX_JSON_DEPTH)
      const problems = [
        ...textProblems("description", input.description, MAX_DESCRIPTION_LENGTH),
        ...textProblems("comment", input.comment, MAX_COMMENT_LENGTH),
        ...(depth > MAX_JSON_DEPTH ? [{ code: "RULE006", path: "body", message: `the rule body nests more than ${MAX_JSON_DEPTH} levels deep; at most ${MAX_JSON_DEPTH} are accepted` }] : []),
      ]
      return problems.length > 0 ? Effect.fail(new RuleInvalid({ name, problems })) : Effect.void
    }

    const decodeBody = (name: string, input: unknown) =>
      Schema.decodeUnknown(RuleBody)(input, { errors: "all", onExcessProperty: "error" }).pipe(
        Effect.mapError((error) => new RuleInvalid({
          name,
          problems: [{ code: "RULE001", path: "", message: error.message }],
        })),
        Effect.flatMap((body) => {
          const problems = inexactNumbers(input, "")
          return problems.length > 0 ? Effect.fail(new RuleInvalid({ name, problems })) : Effect.succeed(body)
        }),
      )

    const publishedTables = (tenantId: string) =>
      repo.publishedBodies(tenantId).pipe(Effect.map((rows) => {
        const tables = new Map<string, TableBody>()
        for (const row of rows) {
          const body = Schema.decodeUnknownOption(RuleBody)(row.body)
          if (body._tag === "Some" && body.value.kind === "table") tables.set(row.name, body.value)
        }
        return tables
      }))

    /** Parse + type check against the flow's types and the tenant's published tables. */
    const check = (tenantId: string, name: string, body: RuleBody) =>
      Effect.gen(function* () {
        const tables = yield* publishedTables(tenantId)
        // a table being edited is checked as it will be, not as it is published
        if (body.kind === "table") tables.set(name, body)
        return yield* checker.check(body, { tables }).pipe(
          Effect.mapError((problems) => new RuleInvalid({ name, problems })),
        )
      })

    const runTests = (name: string, body: RuleBody, rule: CheckedRule) => {
      const failures = checker.runTests(body, rule)
      return failures.length > 0 ? Effect.fail(new RuleTestsFailed({ name, failures })) : Effect.void
    }

    const create = Effect.fn("RuleStore.create")(function* (actor: Actor, input: {
      readonly name: string
      readonly description?: string
      readonly body: unknown
      readonly comment?: string
    }) {
      const badName = nameProblems(input.name)
      if (badName.length > 0) return yield* Effect.fail(new RuleInvalid({ name: input.name, problems: badName }))
      yield* checkLimits(input.name, input)
      const body = yield* decodeBody(input.name, input.body)
      return yield* repo.withTransaction(Effect.gen(function* () {
        const id = yield* repo.insertSet(actor.tenantId, { name: input.name, kind: body.kind, description: input.description ?? "" })
        if (id === undefined) return yield* Effect.fail(new RuleSetExists({ name: input.name }))
        const version = yield* repo.insertVersion(actor.tenantId, id, {
          baseVersion: null, body, checksum: checksumOf(body), author: actor.author, comment: input.comment ?? "",
        })
        yield* repo.audit(actor.tenantId, id, { action: "draft", fromVersion: null, toVersion: version, author: actor.author, comment: input.comment ?? "" })
        return { name: input.name, version }
      })).pipe(Effect.catchTag("SqlError", Effect.die))
    })

    /** A new draft version edited from `baseVersion` (the version the editor started from). */
    const createDraft = Effect.fn("RuleStore.createDraft")(function* (actor: Actor, name: string, input: {
      readonly baseVersion: number | null
      readonly body: unknown
      readonly comment?: string
    }) {
      const set = yield* requireSet(actor.tenantId, name)
      yield* checkLimits(name, input)
      const body = yield* decodeBody(name, input.body)
      if (body.kind !== set.kind) {
        return yield* Effect.fail(new RuleInvalid({ name, problems: [{
          code: "RULE003", path: "kind", message: `rule set "${name}" holds ${set.kind} rules; a ${body.kind} cannot be a version of it`,
        }] }))
      }
      if (input.baseVersion !== null) yield* requireVersion(actor.tenantId, set, input.baseVersion)
      const version = yield* repo.withTransaction(Effect.gen(function* () {
        // The next version number is max + 1: concurrent drafts of one set take turns on the set's
        // row, else two of them compute the same number and one fails on the primary key.
        yield* repo.findSet(actor.tenantId, name, { forUpdate: true })
        const version = yield* repo.insertVersion(actor.tenantId, set.id, {
          baseVersion: input.baseVersion, body, checksum: checksumOf(body), author: actor.author, comment: input.comment ?? "",
        })
        yield* repo.audit(actor.tenantId, set.id, { action: "draft", fromVersion: input.baseVersion, toVersion: version, author: actor.author, comment: input.comment ?? "" })
        return version
      })).pipe(Effect.orDie)
      return { name, version }
    })

    /** Validation without publishing: what the panel shows while a draft is edited. */
    const validate = Effect.fn("RuleStore.validate")(function* (actor: Actor, name: string, version: number) {
      const set = yield* requireSet(actor.tenantId, name)
      const row = yield* requireVersion(actor.tenantId, set, version)
      const body = yield* decodeBody(name, row.body)
      const rule = yield* check(actor.tenantId, name, body)
      yield* runTests(name, body, rule)
    })

    const movePointer = (actor: Actor, name: string, version: number, action: "publish" | "rollback", comment: string) =>
      repo.withTransaction(Effect.gen(function* () {
        const badComment = textProblems("comment", comment, MAX_COMMENT_LENGTH)
        if (badComment.length > 0) return yield* Effect.fail(new RuleInvalid({ name, problems: badComment }))
        // the row lock serialises concurrent publishes of one rule set: the second sees the first's pointer
        const set = yield* requireSet(actor.tenantId, name, { forUpdate: true })
        const row = yield* requireVersion(actor.tenantId, set, version)
        if (action === "publish" && row.baseVersion !== set.publishedVersion && version !== set.publishedVersion) {
          return yield* Effect.fail(new StaleRuleVersion({ name, version, basedOn: row.baseVersion, published: set.publishedVersion }))
        }
        const body = yield* decodeBody(name, row.body)
        const rule = yield* check(actor.tenantId, name, body)
        yield* runTests(name, body, rule)
        yield* repo.setPublished(actor.tenantId, set.id, version)
        yield* repo.notifyPublished(actor.tenantId, RULES_CHANNEL)
        yield* repo.audit(actor.tenantId, set.id, { action, fromVersion: set.publishedVersion, toVersion: version, author: actor.author, comment })
        return { name, version, previous: set.publishedVersion }
      })).pipe(
        Effect.catchTag("SqlError", Effect.die),
      )

    const publish = Effect.fn("RuleStore.publish")((actor: Actor, name: string, version: number, comment = "") =>
      movePointer(actor, name, version, "publish", comment))

    /** Publishes an earlier version again; its stored tests must still pass against today's tables. */
    const rollback = Effect.fn("RuleStore.rollback")((actor: Actor, name: string, version: number, comment = "") =>
      movePointer(actor, name, version, "rollback", comment))

    const list = Effect.fn("RuleStore.list")((tenantId: string, page?: { readonly limit: number; readonly after?: string | undefined }) =>
      repo.listSets(tenantId, page))

    const versions = Effect.fn("RuleStore.versions")(function* (tenantId: string, name: string) {
      const set = yield* requireSet(tenantId, name)
      return { set, versions: yield* repo.listVersions(tenantId, set.id), audit: yield* repo.listAudit(tenantId, set.id) }
    })

    const getVersion = Effect.fn("RuleStore.getVersion")(function* (tenantId: string, name: string, version: number | "published") {
      const set = yield* requireSet(tenantId, name)
      const wanted = version === "published" ? set.publishedVersion : version
      if (wanted === null) return yield* Effect.fail(new RuleVersionNotFound({ name, version: 0 }))
      const row = yield* requireVersion(tenantId, set, wanted)
      return { set, version: row }
    })

    /** Evaluates a stored version (usually a draft) without publishing it. */
    const compile = Effect.fn("RuleStore.compile")(function* (tenantId: string, name: string, version: number) {
      const { version: row } = yield* getVersion(tenantId, name, version)
      const body = yield* decodeBody(name, row.body)
      return { body, rule: yield* check(tenantId, name, body) }
    })

    return { create, createDraft, validate, publish, rollback, list, versions, getVersion, compile, publishedTables } as const
  }),
  dependencies: [RuleRepo.Default],
}) {}
