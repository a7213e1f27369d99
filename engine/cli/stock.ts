import { Console, Effect, Layer } from "effect"
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"
import { DatabaseFromEnv } from "../db/Database.js"
import { StockLive } from "../stock/StockLayer.js"
import { StockLedger } from "../stock/StockLedger.js"
import { Tenants } from "../tenancy/Tenants.js"
import type { Command } from "./Command.js"

const usage = `usage: vortex stock <show|set|adjust|import> [options]

  show [SKU]                on hand, reserved and available (every SKU, or one with its movements)
  set SKU N                 set on hand to N (absolute)
  adjust SKU DELTA          add (or with a minus, remove) units, e.g. a delivery or a count correction
  import FILE.csv           set on hand from a file with the header sku,on_hand; a bad line stops it all

options:
  --tenant SLUG     the tenant to act for (default: VORTEX_TENANT or "default")
  --actor NAME      recorded in the stock journal (default: cli:$USER)
  --reason TEXT     recorded with an adjustment
Database: DATABASE_URL if set, else the embedded PostgreSQL under VORTEX_DATA_DIR (.vortex/data).`

const NEGATIVE = "\u0000minus:"

class UsageError {
  readonly _tag = "UsageError"
  constructor(readonly message: string) {}
}

const wholeNumber = (text: string | undefined, what: string) => {
  const n = Number(text)
  return text !== undefined && /^-?\d+$/.test(text) && Number.isSafeInteger(n)
    ? Effect.succeed(n)
    : Effect.fail(new UsageError(`${what} "${text ?? ""}" is not a whole number`))
}

const line = (l: { sku: string; onHand: number; reserved: number; available: number }) =>
  `${l.sku.padEnd(24)} ${String(l.onHand).padStart(8)} ${String(l.reserved).padStart(9)} ${String(l.available).padStart(10)}`
const header = `${"SKU".padEnd(24)} ${"on hand".padStart(8)} ${"reserved".padStart(9)} ${"available".padStart(10)}`

/** The command over whatever database and stock services it is given (tests give their own). */
export const program = (args: ReadonlyArray<string>) => Effect.gen(function* () {
  const { values, positionals } = yield* Effect.try({
    // parseArgs would read "-2" as a short option; a negative number is an argument here.
    try: () => parseArgs({
      args: args.map((a) => (/^-\d+$/.test(a) ? `${NEGATIVE}${a.slice(1)}` : a)),
      allowPositionals: true,
      options: {
        tenant: { type: "string", default: process.env.VORTEX_TENANT ?? "default" },
        actor: { type: "string", default: `cli:${process.env.USER ?? "unknown"}` },
        reason: { type: "string" },
      },
    }),
    catch: (e) => new UsageError(e instanceof Error ? e.message : String(e)),
  })
  const [sub, ...rest] = positionals.map((p) => (p.startsWith(NEGATIVE) ? `-${p.slice(NEGATIVE.length)}` : p))
  const ledger = yield* StockLedger
  const tenants = yield* Tenants
  // Only `vortex apply` creates tenants: a mistyped --tenant must fail, not start a new ledger.
  const tenant = yield* tenants.bySlug(values.tenant)
  const by = { actor: values.actor }
  switch (sub) {
    case "show": {
      const sku = rest[0]
      if (sku === undefined) {
        const levels = yield* ledger.list(tenant.id)
        if (levels.length === 0) return yield* Console.log(`tenant ${tenant.slug} has no stock records`).pipe(Effect.as(0))
        yield* Console.log(header)
        for (const l of levels) yield* Console.log(line(l))
        return 0
      }
      yield* Console.log(header)
      yield* Console.log(line(yield* ledger.get(tenant.id, sku)))
      yield* Console.log("movements:")
      for (const m of yield* ledger.movements(tenant.id, sku, 20)) {
        yield* Console.log(`  ${m.at.toISOString()}  ${m.kind.padEnd(10)} on hand ${m.onHandDelta >= 0 ? "+" : ""}${m.onHandDelta} → ${m.onHandAfter}, reserved ${m.reservedDelta >= 0 ? "+" : ""}${m.reservedDelta} → ${m.reservedAfter}  ${m.actor}  ${m.reference}`)
      }
      return 0
    }
    case "set": {
      const [sku, n] = rest
      if (sku === undefined) return yield* Effect.fail(new UsageError("set needs a SKU and a quantity"))
      const level = yield* ledger.set(tenant.id, sku, yield* wholeNumber(n, "quantity"), by)
      yield* Console.log(`${level.sku}: on hand ${level.onHand}, reserved ${level.reserved}, available ${level.available}`)
      return 0
    }
    case "adjust": {
      const [sku, delta] = rest
      if (sku === undefined) return yield* Effect.fail(new UsageError("adjust needs a SKU and a number of units"))
      const level = yield* ledger.adjust(tenant.id, sku, yield* wholeNumber(delta, "delta"), { ...by, ...(values.reason === undefined ? {} : { reason: values.reason }) })
      yield* Console.log(`${level.sku}: on hand ${level.onHand}, reserved ${level.reserved}, available ${level.available}`)
      return 0
    }
    case "import": {
      const file = rest[0]
      if (file === undefined) return yield* Effect.fail(new UsageError("import needs a file"))
      const text = yield* Effect.try({ try: () => readFileSync(file, "utf8"), catch: (e) => new UsageError(`cannot read ${file}: ${String(e)}`) })
      const result = yield* ledger.importCsv(tenant.id, text, by)
      yield* Console.log(`${file}: ${result.lines} line(s), ${result.changed} SKU(s) changed`)
      return 0
    }
    default:
      return yield* Effect.fail(new UsageError(sub === undefined ? "which stock command?" : `unknown stock command "${sub}"`))
  }
}).pipe(
  Effect.catchAll((error) => error instanceof UsageError
    ? Console.error(`vortex stock: ${error.message}\n\n${usage}`).pipe(Effect.as(2))
    : error._tag === "StockCsvInvalid"
      ? Console.error(`vortex stock: nothing was imported:\n${error.message}`).pipe(Effect.as(1))
      : Console.error(`vortex stock: ${error.message}`).pipe(Effect.as(1))),
)

export const command: Command = {
  summary: "show, set, adjust and import the stock ledger",
  usage,
  run: (args) => program(args).pipe(
    Effect.provide(Layer.mergeAll(StockLive, Tenants.Default).pipe(Layer.provideMerge(DatabaseFromEnv))),
    Effect.catchAll((error) => Console.error(`vortex stock: ${error.message}`).pipe(Effect.as(1))),
  ),
}
