import { assert, describe, layer } from "@effect/vitest"
import { Console, Effect } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { program } from "../../engine/cli/stock.js"
import { Tenants } from "../../engine/tenancy/Tenants.js"
import { StockLayerForTest } from "./support.js"

/** Runs `vortex stock …` and returns its exit code and what it printed. */
const vortex = (...args: Array<string>) =>
  Effect.gen(function* () {
    const out: Array<string> = []
    const err: Array<string> = []
    const capture = new Proxy({} as Console.Console, {
      get: (_, name) =>
        name === "log" ? (...a: Array<unknown>) => Effect.sync(() => { out.push(a.join(" ")) })
        : name === "error" ? (...a: Array<unknown>) => Effect.sync(() => { err.push(a.join(" ")) })
        : name === "unsafe" ? globalThis.console
        : () => Effect.void,
    })
    const code = yield* program(args).pipe(Console.withConsole(capture))
    return { code, out: out.join("\n"), err: err.join("\n") }
  })

const csvFile = (text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), "vortex-stock-")), "stock.csv")
  writeFileSync(file, text)
  return file
}

/** What `vortex apply` does for a tenant in vortex.yaml: the CLI acts only for existing tenants. */
const applied = (...slugs: Array<string>) => Effect.gen(function* () {
  const tenants = yield* Tenants
  for (const slug of slugs) yield* tenants.ensure(slug, slug)
})

describe("vortex stock", () => {
  layer(StockLayerForTest("pglite"), { timeout: 120_000 })((it) => {
    it.effect("set, adjust and show a SKU with its journal", () =>
      Effect.gen(function* () {
        yield* applied("cli-shop")
        assert.deepInclude(yield* vortex("set", "MUG", "12", "--tenant", "cli-shop", "--actor", "alice"), { code: 0, out: "MUG: on hand 12, reserved 0, available 12" })
        assert.strictEqual((yield* vortex("adjust", "MUG", "-2", "--tenant", "cli-shop", "--reason", "breakage")).code, 0)
        const shown = yield* vortex("show", "MUG", "--tenant", "cli-shop")
        assert.strictEqual(shown.code, 0)
        assert.match(shown.out, /MUG\s+10\s+0\s+10/)
        assert.match(shown.out, /adjust\s+on hand -2 → 10.*breakage/)
        assert.match(shown.out, /set\s+on hand \+12 → 12, reserved \+0 → 0 {2}alice/)
      }))

    it.effect("import applies a good file and refuses a bad one with every line number", () =>
      Effect.gen(function* () {
        yield* applied("cli-import")
        const good = yield* vortex("import", csvFile("sku,on_hand\nA,3\nB,4\n"), "--tenant", "cli-import")
        assert.deepInclude(good, { code: 0 })
        assert.match(good.out, /2 line\(s\), 2 SKU\(s\) changed/)
        const bad = yield* vortex("import", csvFile("sku,on_hand\nA,30\nB,many\nC,-1\n"), "--tenant", "cli-import")
        assert.strictEqual(bad.code, 1)
        assert.match(bad.err, /nothing was imported/)
        assert.match(bad.err, /line 3: on_hand "many"/)
        assert.match(bad.err, /line 4: on_hand "-1"/)
        const all = yield* vortex("show", "--tenant", "cli-import")
        assert.match(all.out, /A\s+3\s+0\s+3/)
      }))

    it.effect("usage mistakes exit 2, unknown tenants and SKUs exit 1", () =>
      Effect.gen(function* () {
        yield* applied("cli-usage")
        assert.strictEqual((yield* vortex("set", "MUG", "lots", "--tenant", "cli-usage")).code, 2)
        assert.strictEqual((yield* vortex("frobnicate", "--tenant", "cli-usage")).code, 2)
        assert.strictEqual((yield* vortex("show", "--tenant", "nobody-here")).code, 1)
        const missing = yield* vortex("show", "GHOST", "--tenant", "cli-usage")
        assert.deepInclude(missing, { code: 1 })
        assert.match(missing.err, /no stock record for SKU "GHOST"/)
      }))

    it.effect("--tenant alpah-typo is an error that names `vortex apply`, and creates no tenant", () =>
      Effect.gen(function* () {
        yield* applied("alpha")
        for (const args of [["set", "MUG", "3"], ["adjust", "MUG", "1"], ["import", csvFile("sku,on_hand\nA,1\n")]]) {
          const typo = yield* vortex(...args, "--tenant", "alpah-typo")
          assert.strictEqual(typo.code, 1)
          assert.match(typo.err, /no tenant "alpah-typo": tenants are created only by `vortex apply`/)
        }
        const exit = yield* Effect.exit((yield* Tenants).bySlug("alpah-typo"))
        assert.isTrue(exit._tag === "Failure")
      }))

    it.effect("adjusting a SKU the ledger does not know is refused, not a new record", () =>
      Effect.gen(function* () {
        yield* applied("cli-adjust")
        const unknown = yield* vortex("adjust", "NEW-SKU", "5", "--tenant", "cli-adjust")
        assert.strictEqual(unknown.code, 1)
        assert.match(unknown.err, /no stock record for SKU "NEW-SKU"/)
        assert.match((yield* vortex("show", "--tenant", "cli-adjust")).out, /has no stock records/)
      }))
  })
})
