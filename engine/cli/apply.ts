import { Console, Effect } from "effect"
import { applyConfig } from "../config/ApplyConfig.js"
import { readConfigFile } from "../config/ConfigFile.js"
import type { Command } from "./Command.js"
import { EngineFromEnv } from "./EngineProcess.js"

const usage = `usage: vortex apply [FILE]

Makes the database say what the config says (default FILE: vortex.yaml): tenants, connections
(credentials from \${ENV} references, stored encrypted) and the pipelines bound to them. Each
pipeline is validated first; a changed pipeline under an already loaded version is refused.`

export const command: Command = {
  summary: "apply vortex.yaml: tenants, connections, pipelines",
  usage,
  run: (args) => Effect.gen(function* () {
    const file = args[0] ?? "vortex.yaml"
    const applied = yield* applyConfig(file, yield* readConfigFile(file)).pipe(Effect.provide(EngineFromEnv))
    for (const t of applied) {
      yield* Console.log(`tenant ${t.slug}: connections ${[...t.connections.keys()].join(", ") || "none"}; ` +
        `pipelines ${t.pipelines.map((p) => `${p.name} v${p.version} (${p.loaded})`).join(", ") || "none"}`)
    }
    return 0
  }).pipe(Effect.catchAll((error) => Console.error(`vortex apply: ${error.message}`).pipe(Effect.as(1)))),
}
