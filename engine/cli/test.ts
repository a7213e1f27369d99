import { Console, Effect } from "effect"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { parse } from "yaml"
import { runPipelineTests } from "../pipeline/PipelineTests.js"
import type { Command } from "./Command.js"

const usage = `usage: vortex test <files|dirs>...

Runs the config tests (tests:) of pipeline YAML files (directories are searched for
*.yaml / *.yml): each input goes through its flow with the pipeline's fixtures and is compared
with expect (subset unless match: exact). Prints a diff for every failure; exit 1 if any fails.`

const yamlFiles = (path: string): Array<string> =>
  statSync(path).isDirectory()
    ? readdirSync(path).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(path, f))
    : [path]

export const command: Command = {
  summary: "run the config tests of pipeline YAML files (no database needed)",
  usage,
  run: (args) =>
    Effect.gen(function* () {
      const paths = args.filter((a) => !a.startsWith("-"))
      if (paths.length === 0) {
        yield* Console.error(`vortex test: give at least one file or directory\n\n${usage}`)
        return 2
      }
      let passed = 0
      let failed = 0
      for (const file of paths.flatMap(yamlFiles)) {
        const loaded = yield* Effect.try(() => parse(readFileSync(file, "utf8")) as unknown).pipe(Effect.either)
        if (loaded._tag === "Left") {
          yield* Console.log(`${file}: cannot read: ${String(loaded.left.error)} (run vortex validate)`)
          failed++
          continue
        }
        for (const outcome of runPipelineTests(loaded.right)) {
          const mark = outcome.status === "pass" ? "✓" : outcome.status === "fail" ? "✗" : "!"
          yield* Console.log(`${mark} ${file} [${outcome.flow}] ${outcome.name}`)
          for (const line of outcome.details) yield* Console.log(`    ${line.split("\n").join("\n    ")}`)
          if (outcome.status === "pass") passed++
          else failed++
        }
      }
      yield* Console.error(`${passed} passed, ${failed} failed`)
      return failed > 0 ? 1 : 0
    }),
}
