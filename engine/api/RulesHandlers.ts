import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { diffRuleBodies } from "../rules/RuleDiff.js"
import { previewDraft } from "../rules/RulePreview.js"
import { exportRuleSet, importRuleSet } from "../rules/RuleSetYaml.js"
import { RuleStore } from "../rules/RuleStore.js"
import { CurrentTenant } from "./Authentication.js"
import { VortexApi } from "./VortexApi.js"

const actor = Effect.map(CurrentTenant, (t) => ({ tenantId: t.tenantId, author: t.actor }))

export const RulesHandlers = HttpApiBuilder.group(VortexApi, "rules", (handlers) =>
  Effect.gen(function* () {
    const store = yield* RuleStore
    return handlers
      .handle("list", ({ urlParams }) =>
        Effect.flatMap(CurrentTenant, (t) => store.list(t.tenantId, { limit: urlParams.limit ?? 100, after: urlParams.after })))
      .handle("create", ({ payload }) => Effect.flatMap(actor, (a) => store.create(a, payload)))
      .handle("show", ({ path }) => Effect.flatMap(CurrentTenant, (t) => store.versions(t.tenantId, path.name)))
      .handle("version", ({ path }) =>
        Effect.flatMap(CurrentTenant, (t) => store.getVersion(t.tenantId, path.name, path.version)).pipe(Effect.map((r) => r.version)))
      .handle("diff", ({ path, urlParams }) => Effect.gen(function* () {
        const { tenantId } = yield* CurrentTenant
        const from = yield* store.compile(tenantId, path.name, urlParams.from)
        const to = yield* store.compile(tenantId, path.name, urlParams.to)
        return diffRuleBodies(from.body, to.body)
      }))
      .handle("draft", ({ path, payload }) => Effect.flatMap(actor, (a) => store.createDraft(a, path.name, payload)))
      .handle("validate", ({ path }) =>
        Effect.flatMap(actor, (a) => store.validate(a, path.name, path.version)).pipe(Effect.as({ valid: true as const })))
      .handle("preview", ({ path, payload }) =>
        Effect.flatMap(CurrentTenant, (t) => previewDraft(t.tenantId, path.name, path.version, payload.records)).pipe(
          Effect.provideService(RuleStore, store)))
      .handle("publish", ({ path, payload }) =>
        Effect.flatMap(actor, (a) => store.publish(a, path.name, payload.version, payload.comment)))
      .handle("rollback", ({ path, payload }) =>
        Effect.flatMap(actor, (a) => store.rollback(a, path.name, payload.version, payload.comment)))
      .handle("export", ({ path, urlParams }) =>
        Effect.flatMap(CurrentTenant, (t) => exportRuleSet(t.tenantId, path.name, urlParams.version ?? "published")).pipe(
          Effect.provideService(RuleStore, store)))
      .handle("import", ({ payload }) =>
        Effect.flatMap(actor, (a) => importRuleSet(a, payload)).pipe(Effect.provideService(RuleStore, store)))
  }))
