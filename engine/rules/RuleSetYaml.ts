import { Effect, Schema } from "effect"
import { parseDocument, stringify } from "yaml"
import { RuleInvalid } from "./errors.js"
import { RuleStore, type Actor } from "./RuleStore.js"

/** A rule set as a file: what `vortex rules export` writes and `vortex rules import` reads. */
export const RuleSetFile = Schema.Struct({
  apiVersion: Schema.Literal("vortex/v1"),
  kind: Schema.Literal("RuleSet"),
  name: Schema.String,
  description: Schema.optionalWith(Schema.String, { default: () => "" }),
  rule: Schema.Unknown,
})

export const exportRuleSet = Effect.fn("RuleSetYaml.export")(function* (tenantId: string, name: string, version: number | "published") {
  const store = yield* RuleStore
  const { set, version: row } = yield* store.getVersion(tenantId, name, version)
  return stringify({
    apiVersion: "vortex/v1",
    kind: "RuleSet",
    name: set.name,
    description: set.description,
    rule: row.body,
  }, { lineWidth: 0 })
})

/**
 * Creates the rule set from a file, or adds the file's rule as a new draft on top of the
 * published version. Nothing is published here: publishing stays an explicit step.
 */
export const importRuleSet = Effect.fn("RuleSetYaml.import")(function* (actor: Actor, text: string) {
  const store = yield* RuleStore
  // aliases are never needed in a rule file; refusing them rules out alias bombs
  // the parser recurses per nesting level: a file of 100 000 brackets is refused, not a crash
  const doc = yield* Effect.try({
    try: () => parseDocument(text, { uniqueKeys: true }),
    catch: (e) => new RuleInvalid({ name: "(import)", problems: [{ code: "RULE013", path: "", message: `the YAML could not be read: ${e instanceof RangeError ? "it nests too deeply" : String(e)}` }] }),
  })
  if (doc.errors.length > 0) {
    return yield* Effect.fail(new RuleInvalid({
      name: "(import)",
      problems: doc.errors.map((e) => ({
        code: "RULE010", path: "", message: e.message.split("\n")[0] ?? e.message,
        ...(e.linePos?.[0] ? { line: e.linePos[0].line, column: e.linePos[0].col } : {}),
      })),
    }))
  }
  const json = yield* Effect.try({
    try: () => doc.toJS({ maxAliasCount: 0 }) as unknown,
    catch: (e) => new RuleInvalid({ name: "(import)", problems: [{ code: "RULE012", path: "", message: `YAML aliases are not allowed in a rule file: ${String(e)}` }] }),
  })
  const file = yield* Schema.decodeUnknown(RuleSetFile)(json, { errors: "all", onExcessProperty: "error" }).pipe(
    Effect.mapError((error) => new RuleInvalid({ name: "(import)", problems: [{ code: "RULE011", path: "", message: error.message }] })),
  )
  const existing = yield* store.list(actor.tenantId).pipe(Effect.map((sets) => sets.find((s) => s.name === file.name)))
  if (existing === undefined) {
    return yield* store.create(actor, { name: file.name, description: file.description, body: file.rule, comment: "imported" })
  }
  return yield* store.createDraft(actor, file.name, { baseVersion: existing.publishedVersion, body: file.rule, comment: "imported" })
})
