import { MIN_HEARTBEAT_SECONDS } from "../pipeline/SemanticCheck.js"
import { Effect, SynchronizedRef } from "effect"
import { parse as parseYaml } from "yaml"
import { T, type Runtime, type Type } from "../../dsl/index.js"
import { compileFlow, type FlowProgram } from "../pipeline/CompiledFlow.js"
import { isFlowName, type FlowName } from "../pipeline/flowTypes.js"
import { PipelineRepo, type PipelineBinding } from "../pipeline/PipelineRepo.js"
import { tableKeyText } from "../rules/DslRuleChecker.js"
import type { TableBody } from "../rules/RuleBody.js"
import { RuleResolver, type RuleSnapshot } from "../rules/RuleResolver.js"
import { FlowFailed } from "../sync/FlowRunner.js"

type Rec = { readonly [k: string]: unknown }
const isRecord = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v)

export interface LoadedPipeline {
  readonly binding: PipelineBinding
  /** The parsed YAML document (validated when it was loaded). */
  readonly document: Rec
  readonly flows: ReadonlyArray<FlowName>
  readonly heartbeatSeconds: number
  /** The flow's options block (`unmatched`, `reconcile`, `finalize`, …). */
  readonly options: (flow: FlowName) => Rec
}

const valueTypes: Record<TableBody["valueType"], Type> = { string: T.string, int: T.int, decimal: T.decimal, bool: T.bool }

const DURATION = /^(\d+)(s|m|h)$/
export const durationSeconds = (text: unknown, fallback: number): number => {
  const m = typeof text === "string" ? DURATION.exec(text) : null
  if (m === null) return fallback
  return Number(m[1]) * (m[2] === "h" ? 3600 : m[2] === "m" ? 60 : 1)
}

/** The rule sets' tables in the shapes the DSL checker and evaluator take. */
export const tablesOf = (snapshot: RuleSnapshot) => ({
  types: Object.fromEntries([...snapshot.tables].map(([name, t]) => [name, valueTypes[t.valueType]])),
  rows: Object.fromEntries([...snapshot.tables].map(([name, t]) =>
    [name, Object.fromEntries(t.rows.map((r) => [tableKeyText(t.keyType, r.key), r.value]))])),
}) satisfies { types: Record<string, Type>; rows: NonNullable<Runtime["tables"]> }

/**
 * The pipelines in force, parsed once per version, and their flows compiled once per version
 * and per set of published rules: a publish changes the snapshot, the next step recompiles.
 */
export class LoadedPipelines extends Effect.Service<LoadedPipelines>()("engine/LoadedPipelines", {
  effect: Effect.gen(function* () {
    const repo = yield* PipelineRepo
    const resolver = yield* RuleResolver
    const programs = yield* SynchronizedRef.make(new Map<string, FlowProgram>())

    // A stored pipeline version never changes, so each is parsed once: webhook intake asks for
    // the pipelines of a connection on every event, and parsing YAML was most of its cost.
    const documents = new Map<string, { readonly source: string; readonly document: Rec }>()
    const parsed = (binding: PipelineBinding): Rec => {
      const key = `${binding.tenantId}/${binding.name}@${binding.version}`
      const hit = documents.get(key)
      if (hit !== undefined && hit.source === binding.sourceYaml) return hit.document
      const document = parseYaml(binding.sourceYaml, { maxAliasCount: 50 }) as Rec
      documents.set(key, { source: binding.sourceYaml, document })
      return document
    }

    const load = (binding: PipelineBinding): LoadedPipeline => {
      const document = parsed(binding)
      const flowsBlock = isRecord(document["flows"]) ? document["flows"] : {}
      const schedule = isRecord(document["schedule"]) ? document["schedule"] : {}
      return {
        binding,
        document,
        flows: Object.keys(flowsBlock).filter(isFlowName),
        // validate and apply refuse a shorter one; a pipeline stored before that rule still gets the minimum
        heartbeatSeconds: Math.max(MIN_HEARTBEAT_SECONDS, durationSeconds(schedule["heartbeat"], 300)),
        options: (flow) => (isRecord(flowsBlock[flow]) ? flowsBlock[flow] : {}),
      }
    }

    const all = Effect.fn("LoadedPipelines.all")(function* (tenantId?: string) {
      return (yield* repo.bindings(tenantId)).map(load)
    })

    const get = Effect.fn("LoadedPipelines.get")(function* (tenantId: string, name: string) {
      const binding = (yield* repo.bindings(tenantId)).find((b) => b.name === name)
      if (binding === undefined) {
        return yield* Effect.fail(new FlowFailed({ pipeline: name, flow: "-", message: `no enabled pipeline "${name}" for this tenant`, retryable: false }))
      }
      return load(binding)
    })

    /** The flow's program under the rules published now, and the runtime tables to run it with. */
    const program = Effect.fn("LoadedPipelines.program")(function* (pipeline: LoadedPipeline, flow: FlowName) {
      const snapshot = yield* resolver.resolve(pipeline.binding.tenantId).pipe(
        Effect.mapError((e) => new FlowFailed({ pipeline: pipeline.binding.name, flow, message: e.message, retryable: false })),
      )
      const tables = tablesOf(snapshot)
      const options = pipeline.options(flow)
      // a rule set named by the flow overrides the map field it is bound to
      const overrides: Record<string, string> = {}
      for (const name of Array.isArray(options["rules"]) ? options["rules"] : []) {
        const rule = snapshot.expressions.get(String(name))
        if (rule?.body.kind === "expression" && rule.body.flow === flow && rule.body.field !== undefined && typeof rule.body.source === "string") {
          overrides[rule.body.field] = rule.body.source
        }
      }
      const key = `${pipeline.binding.tenantId}/${pipeline.binding.name}@${pipeline.binding.version}/${flow}/` +
        JSON.stringify([...snapshot.versions].sort())
      const compiled = yield* SynchronizedRef.modifyEffect(programs, (cache) => {
        const hit = cache.get(key)
        if (hit !== undefined) return Effect.succeed([hit, cache] as const)
        const result = compileFlow(pipeline.document, flow, tables.types, overrides)
        if (!result.ok) {
          return Effect.fail(new FlowFailed({
            pipeline: pipeline.binding.name, flow, retryable: false,
            message: `flow does not compile against the published rules:\n${result.problems.join("\n")}`,
          }))
        }
        return Effect.succeed([result.program, new Map(cache).set(key, result.program)] as const)
      })
      return { program: compiled, tables: tables.rows }
    })

    return { all, get, program } as const
  }),
  dependencies: [PipelineRepo.Default],
}) {}

