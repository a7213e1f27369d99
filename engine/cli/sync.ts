import { Console, Effect } from "effect"
import { parseArgs } from "node:util"
import { FlowName } from "../jobs/FlowJob.js"
import { LoadedPipelines } from "../runtime/LoadedPipelines.js"
import { runnableFlows } from "../runtime/PipelineRunner.js"
import { runJob } from "../sync/SyncWorker.js"
import { Tenants } from "../tenancy/Tenants.js"
import type { Command } from "./Command.js"
import { EngineFromEnv } from "./EngineProcess.js"

const usage = `usage: vortex sync <pipeline> [--flow NAME] [--dry-run] [--tenant SLUG]

Runs the flows of a pipeline now, in this process, and prints what each did. The run is
recorded like any other. --dry-run maps and compares but writes nothing to the channel.
  --flow NAME    one of ${FlowName.literals.join(", ")} (default: every flow the pipeline has)
  --tenant SLUG  default: VORTEX_TENANT or "default"`

export const command: Command = {
  summary: "run a pipeline's flows now (--flow, --dry-run)",
  usage,
  run: (args) => Effect.gen(function* () {
    const { values, positionals } = yield* Effect.try(() => parseArgs({
      args: [...args], allowPositionals: true,
      options: {
        flow: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        tenant: { type: "string", default: process.env.VORTEX_TENANT ?? "default" },
      },
    }))
    const [name] = positionals
    if (name === undefined) {
      yield* Console.error(`vortex sync: which pipeline?\n\n${usage}`)
      return 2
    }
    if (values.flow !== undefined && !(FlowName.literals as ReadonlyArray<string>).includes(values.flow)) {
      yield* Console.error(`vortex sync: unknown flow "${values.flow}"\n\n${usage}`)
      return 2
    }
    return yield* Effect.gen(function* () {
      const tenant = yield* (yield* Tenants).bySlug(values.tenant)
      const pipeline = yield* (yield* LoadedPipelines).get(tenant.id, name)
      const flows = values.flow !== undefined ? [values.flow as FlowName] : pipeline.flows.filter((f) => runnableFlows.has(f))
      const notYet = pipeline.flows.filter((f) => !runnableFlows.has(f))
      if (values.flow === undefined && notYet.length > 0) yield* Console.log(`not run (no driver yet): ${notYet.join(", ")}`)
      let failed = 0
      for (const flow of flows) {
        const result = yield* runJob({ tenantId: tenant.id, pipeline: name, flow, trigger: "manual", dryRun: values["dry-run"] }).pipe(Effect.either)
        if (result._tag === "Left") {
          failed++
          yield* Console.error(`${flow}: could not run: ${"message" in result.left ? result.left.message : String(result.left)}`)
          continue
        }
        const r = result.right
        yield* Console.log(`${flow}${values["dry-run"] ? " (dry run)" : ""}: read ${r.read}, written ${r.written}, unchanged ${r.skipped}, failed ${r.failed}, ${r.apiCalls} API calls`)
        for (const e of r.errors.slice(0, 20)) yield* Console.log(`  ${e.item ?? ""} ${e.message}`)
        if (r.failed > 0) failed++
      }
      return failed === 0 ? 0 : 1
    }).pipe(Effect.provide(EngineFromEnv))
  }).pipe(Effect.catchAll((error) => Console.error(`vortex sync: ${error.message}`).pipe(Effect.as(1)))),
}
