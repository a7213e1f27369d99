import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { BigDecimal, Console, Effect, Layer, Option } from "effect"
import { DatabaseFromEnv } from "../db/Database.js"
import { isIsoDate } from "../fx/CalendarDate.js"
import { FxRates } from "../fx/FxRates.js"
import type { Command } from "./Command.js"

const usage = `usage: vortex fx import <file.xml>
       vortex fx rate <FROM> <TO> <yyyy-mm-dd> [--amount N]

import   store the ECB euro reference rates of a file in the eurofxref-daily or -hist layout;
         importing the same file again changes nothing. Exit 1 if the file is malformed or
         quotes a stored day differently (the stored rate is kept and the difference listed).
rate     the FROM→TO rate valid on the date: that day's, else the last ECB business day up to
         7 days before. AED, SAR, BHD and OMR go through EUR→USD and their USD peg.
         --amount N also converts N FROM, rounded half up to TO's minor units.
Database: DATABASE_URL if set, else the embedded PostgreSQL under VORTEX_DATA_DIR (.vortex/data).`

const fail = (message: string) => Console.error(`vortex fx: ${message}\n\n${usage}`).pipe(Effect.as(2))

const importFile = (path: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const xml = yield* fs.readFileString(path)
    const result = yield* FxRates.importEcb(xml)
    yield* Console.log(`${path}: ${result.days} day(s), ${result.inserted} rate(s) added, ${result.unchanged} already stored`)
    for (const c of result.conflicts) {
      yield* Console.error(`  ${c.date} EUR→${c.quote}: stored ${c.stored}, file says ${c.incoming} (kept ${c.stored})`)
    }
    return result.conflicts.length === 0 ? 0 : 1
  })

const showRate = (from: string, to: string, on: string, amount: string | undefined) =>
  Effect.gen(function* () {
    const fx = yield* FxRates
    if (amount === undefined) {
      const q = yield* fx.rate(from, to, on)
      yield* Console.log(`1 ${from} = ${q.rate} ${to} on ${on} (rate of ${q.rateDate}, ${q.source}, ${q.path})`)
    } else {
      const c = yield* fx.convert(amount, from, to, on)
      yield* Console.log(`${amount} ${from} = ${c.amount} ${to} on ${on} (rate ${c.rate} of ${c.rateDate}, ${c.source}, ${c.path})`)
    }
    return 0
  })

const CURRENCY = /^[A-Za-z]{3}$/

export const command: Command = {
  summary: "import ECB reference rates, show a rate or convert an amount",
  usage,
  run: (args) => {
    const [sub, ...rest] = args
    const amountAt = rest.indexOf("--amount")
    const amount = amountAt >= 0 ? rest[amountAt + 1] : undefined
    const positional = amountAt >= 0 ? [...rest.slice(0, amountAt), ...rest.slice(amountAt + 2)] : rest
    let program: Effect.Effect<number, unknown, FxRates | FileSystem.FileSystem>
    if (sub === "import") {
      if (positional.length !== 1 || amountAt >= 0) return fail("import takes exactly one file")
      program = importFile(positional[0]!)
    } else if (sub === "rate") {
      const [from, to, on] = positional
      if (positional.length !== 3 || from === undefined || to === undefined || on === undefined) {
        return fail("rate takes FROM TO yyyy-mm-dd")
      }
      if (!CURRENCY.test(from) || !CURRENCY.test(to)) return fail(`currencies are three-letter codes, got "${from}" and "${to}"`)
      if (!isIsoDate(on)) return fail(`"${on}" is not a yyyy-mm-dd date`)
      if (amountAt >= 0 && (amount === undefined || Option.isNone(BigDecimal.fromString(amount)))) {
        return fail(`--amount needs a decimal number, got "${amount ?? ""}"`)
      }
      program = showRate(from.toUpperCase(), to.toUpperCase(), on, amount)
    } else {
      return fail(sub === undefined ? "give a sub-command" : `unknown sub-command "${sub}"`)
    }
    return program.pipe(
      Effect.provide(Layer.mergeAll(FxRates.Default.pipe(Layer.provide(DatabaseFromEnv)), NodeContext.layer)),
      Effect.catchAll((error) =>
        Console.error(`vortex fx ${sub}: ${error instanceof Error ? error.message : String(error)}`).pipe(Effect.as(1))),
    )
  },
}
