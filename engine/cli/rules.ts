import { Console, Effect, Layer } from "effect"
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"
import { DatabaseFromEnv } from "../db/Database.js"
import { DslRuleChecker } from "../rules/DslRuleChecker.js"
import { diffRuleBodies } from "../rules/RuleDiff.js"
import { exportRuleSet, importRuleSet } from "../rules/RuleSetYaml.js"
import { RuleStore } from "../rules/RuleStore.js"
import { Tenants } from "../tenancy/Tenants.js"
import type { Command } from "./Command.js"

const usage = `usage: vortex rules <list|show|diff|publish|rollback|import|export> [options]

  list                              the tenant's rule sets and their published versions
  show <name>                       versions and audit trail of a rule set
  diff <name> <from> <to>           what changed between two versions
  publish <name> <version>          validate, run the rule's tests, then publish
  rollback <name> <version>         publish an earlier version again
  import <file.yaml>                add the file's rule as a new draft (or a new rule set)
  export <name> [--version N]       print a rule set as YAML (the published version by default)

options:
  --tenant SLUG     the tenant to act for (default: VORTEX_TENANT or "default")
  --author NAME     recorded in the audit trail (default: cli:$USER)
  --comment TEXT    recorded with a publish or rollback
Database: DATABASE_URL if set, else the embedded PostgreSQL under VORTEX_DATA_DIR (.vortex/data).`

const version = (text: string | undefined) => {
  const n = Number(text)
  return Number.isInteger(n) && n > 0 ? Effect.succeed(n) : Effect.fail(new UsageError(`"${text ?? ""}" is not a version number`))
}

class UsageError {
  readonly _tag = "UsageError"
  constructor(readonly message: string) {}
}

const program = (args: ReadonlyArray<string>) => Effect.gen(function* () {
  const { values, positionals } = yield* Effect.try({
    try: () => parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        tenant: { type: "string", default: process.env.VORTEX_TENANT ?? "default" },
        author: { type: "string", default: `cli:${process.env.USER ?? "unknown"}` },
        comment: { type: "string", default: "" },
        version: { type: "string" },
      },
    }),
    catch: (e) => new UsageError(e instanceof Error ? e.message : String(e)),
  })
  const [sub, ...rest] = positionals
  const store = yield* RuleStore
  const tenants = yield* Tenants
  // Only `vortex apply` creates tenants: a mistyped --tenant must fail, not import into a new one.
  const tenant = yield* tenants.bySlug(values.tenant)
  const actor = { tenantId: tenant.id, author: values.author }
  switch (sub) {
    case "list": {
      const sets = yield* store.list(tenant.id)
      if (sets.length === 0) yield* Console.log(`tenant ${tenant.slug} has no rule sets`)
      for (const s of sets) {
        yield* Console.log(`${s.name.padEnd(28)} ${s.kind.padEnd(10)} ${s.publishedVersion === null ? "unpublished" : `v${s.publishedVersion}`}  ${s.description}`)
      }
      return 0
    }
    case "show": {
      const { set, versions, audit } = yield* store.versions(tenant.id, rest[0] ?? "")
      yield* Console.log(`${set.name} (${set.kind}), published: ${set.publishedVersion ?? "none"}`)
      for (const v of versions) {
        yield* Console.log(`  v${v.version}${v.version === set.publishedVersion ? "*" : " "} from ${v.baseVersion ?? "-"}  ${v.author}  ${v.createdAt.toISOString()}  ${v.checksum.slice(0, 12)}  ${v.comment}`)
      }
      yield* Console.log("audit:")
      for (const a of audit) yield* Console.log(`  ${a.at.toISOString()}  ${a.action.padEnd(8)} ${a.fromVersion ?? "-"} → ${a.toVersion}  ${a.author}  ${a.comment}`)
      return 0
    }
    case "diff": {
      const [name = "", from, to] = rest
      const a = yield* store.compile(tenant.id, name, yield* version(from))
      const b = yield* store.compile(tenant.id, name, yield* version(to))
      const diff = diffRuleBodies(a.body, b.body)
      for (const line of diff.lines) yield* Console.log(`${line.op === "add" ? "+" : line.op === "remove" ? "-" : " "} ${line.text}`)
      for (const row of diff.rows) yield* Console.log(`row ${row.op} ${row.key}: ${JSON.stringify(row)}`)
      return 0
    }
    case "publish":
    case "rollback": {
      const moved = yield* (sub === "publish" ? store.publish : store.rollback)(actor, rest[0] ?? "", yield* version(rest[1]), values.comment)
      yield* Console.log(`${moved.name}: ${sub === "publish" ? "published" : "rolled back to"} v${moved.version} (was ${moved.previous === null ? "unpublished" : `v${moved.previous}`})`)
      return 0
    }
    case "import": {
      const file = rest[0]
      if (file === undefined) return yield* Effect.fail(new UsageError("import needs a file"))
      const text = yield* Effect.try({ try: () => readFileSync(file, "utf8"), catch: (e) => new UsageError(`cannot read ${file}: ${String(e)}`) })
      const draft = yield* importRuleSet(actor, text)
      yield* Console.log(`${file}: ${draft.name} v${draft.version} stored as a draft; publish it with: vortex rules publish ${draft.name} ${draft.version}`)
      return 0
    }
    case "export": {
      const wanted = values.version === undefined ? "published" as const : yield* version(values.version)
      yield* Console.log((yield* exportRuleSet(tenant.id, rest[0] ?? "", wanted)).trimEnd())
      return 0
    }
    default:
      return yield* Effect.fail(new UsageError(sub === undefined ? "which rules command?" : `unknown rules command "${sub}"`))
  }
})

export const command: Command = {
  summary: "list, diff, publish, roll back, import and export rule sets",
  usage,
  run: (args) => program(args).pipe(
    Effect.provide(Layer.mergeAll(RuleStore.Default, Tenants.Default).pipe(Layer.provide(DslRuleChecker), Layer.provideMerge(DatabaseFromEnv))),
    Effect.catchAll((error) => error instanceof UsageError
      ? Console.error(`vortex rules: ${error.message}\n\n${usage}`).pipe(Effect.as(2))
      : Console.error(`vortex rules: ${error.message}`).pipe(Effect.as(1))),
  ),
}
