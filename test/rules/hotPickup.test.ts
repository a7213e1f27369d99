import { assert, describe, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Ref, TestServices } from "effect"
import { DslRuleChecker } from "../../engine/rules/DslRuleChecker.js"
import { RuleResolver } from "../../engine/rules/RuleResolver.js"
import { RuleStore } from "../../engine/rules/RuleStore.js"
import { backends, TestDatabase } from "../support/TestDatabase.js"
import { articleInput, grossPriceRule, makeTenant } from "./fixtures.js"

const Rules = Layer.mergeAll(RuleStore.Default, RuleResolver.Default).pipe(Layer.provide(DslRuleChecker))

// The loop stands in for a sync worker: each step resolves the rules in force, maps a record
// with them and moves on. Publishing must change what later steps compute, with no restart.
describe.each(backends)("rule hot pickup on %s", (backend) => {
  layer(Layer.provideMerge(Rules, TestDatabase(backend)), { timeout: 120_000 })((it) => {
    it.effect("a running sync loop switches to a newly published rule without restart", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const store = yield* RuleStore
        const resolver = yield* RuleResolver
        const actor = yield* makeTenant(`hot-${backend}`)
        yield* store.create(actor, { name: "price", body: grossPriceRule() })
        yield* store.publish(actor, "price", 1)

        const outputs = yield* Ref.make<ReadonlyArray<unknown>>([])
        const sawNewRule = yield* Deferred.make<void>()
        const step = Effect.gen(function* () {
          const rules = yield* resolver.resolve(actor.tenantId)
          const price = rules.expressions.get("price")!.rule.evaluate(articleInput("10.00", 19))
          yield* Ref.update(outputs, (o) => [...o, price])
          if (price === "12.50") yield* Deferred.succeed(sawNewRule, undefined)
        })
        const loop = yield* step.pipe(Effect.zipRight(Effect.sleep("20 millis")), Effect.forever, Effect.fork)

        yield* Effect.sleep("200 millis")
        // a 5 % markup on the net price; its stored tests are updated with it
        const markup = {
          ...grossPriceRule("round(vat_add(src.price.netPrice * 1.05, src.price.taxRate), 2)"),
          tests: [{ name: "markup", input: articleInput("10.00", 19), expect: "12.50" }],
        }
        yield* store.createDraft(actor, "price", { baseVersion: 1, body: markup })
        yield* store.publish(actor, "price", 2)
        yield* Deferred.await(sawNewRule).pipe(Effect.timeout("10 seconds"))
        yield* Fiber.interrupt(loop)

        const seen = yield* Ref.get(outputs)
        const firstNew = seen.indexOf("12.50")
        assert.isAbove(firstNew, 0, "the loop ran the old rule before the publish")
        assert.isTrue(seen.slice(0, firstNew).every((p) => p === "11.90"))
        assert.isTrue(seen.slice(firstNew).every((p) => p === "12.50"), "once switched, the loop never runs the old rule again")
      })))

    it.effect("an unchanged tenant reuses the compiled rules", () =>
      Effect.gen(function* () {
        const store = yield* RuleStore
        const resolver = yield* RuleResolver
        const actor = yield* makeTenant(`cache-${backend}`)
        yield* store.create(actor, { name: "price", body: grossPriceRule() })
        yield* store.publish(actor, "price", 1)
        const first = yield* resolver.resolve(actor.tenantId)
        const second = yield* resolver.resolve(actor.tenantId)
        assert.strictEqual(second.expressions.get("price"), first.expressions.get("price"))
      }))
  })
})
