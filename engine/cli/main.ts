import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import type { Command } from "./Command.js"

// Lazy so that `vortex validate` loads neither the database nor the HTTP stack.
const commands: Record<string, () => Promise<{ readonly command: Command }>> = {
  up: () => import("./up.js"),
  worker: () => import("./worker.js"),
  sync: () => import("./sync.js"),
  status: () => import("./status.js"),
  apply: () => import("./apply.js"),
  token: () => import("./token.js"),
  validate: () => import("./validate.js"),
  test: () => import("./test.js"),
  fx: () => import("./fx.js"),
  rules: () => import("./rules.js"),
  stock: () => import("./stock.js"),
  sim: () => import("./sim.js"),
}

const help = Effect.gen(function* () {
  yield* Console.log("usage: vortex <command> [options]\n\ncommands:")
  for (const [name, load] of Object.entries(commands)) {
    const { command } = yield* Effect.promise(load)
    yield* Console.log(`  ${name.padEnd(10)} ${command.summary}`)
  }
  return 0
})

const main = Effect.gen(function* () {
  const [name, ...args] = process.argv.slice(2)
  if (name === undefined || name === "help" || name === "--help" || name === "-h") return yield* help
  const load = commands[name]
  if (load === undefined) {
    yield* Console.error(`vortex: unknown command "${name}"; run "vortex help" for the list`)
    return 2
  }
  const { command } = yield* Effect.promise(load)
  if (args.includes("--help") || args.includes("-h")) {
    yield* Console.log(command.usage)
    return 0
  }
  return yield* command.run(args)
})

NodeRuntime.runMain(
  main.pipe(Effect.flatMap((code) => Effect.sync(() => { process.exitCode = code }))),
  { disableErrorReporting: false },
)
