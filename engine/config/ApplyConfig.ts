import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { dslExpressionChecker } from "../pipeline/DslExpressionChecker.js"
import { PipelineRepo } from "../pipeline/PipelineRepo.js"
import { formatProblems } from "../pipeline/ReportFormat.js"
import { hasErrors, validateText } from "../pipeline/Validate.js"
import { StockTargets } from "../stock/StockTargets.js"
import { Connections } from "../tenancy/Connections.js"
import { Tenants } from "../tenancy/Tenants.js"
import { ConfigInvalid } from "./ConfigFile.js"
import type { VortexConfig } from "./VortexConfig.js"

// Connectors that show stock (connectors/capabilities.ts: stock-target)
const STOCK_TARGETS = new Set(["bigcommerce", "sharafdg", "celro"])

export interface AppliedTenant {
  readonly tenantId: string
  readonly slug: string
  readonly connections: ReadonlyMap<string, string>
  readonly pipelines: ReadonlyArray<{ readonly name: string; readonly version: number; readonly loaded: "new" | "unchanged" }>
}

/**
 * Makes the database say what `vortex.yaml` says: tenants, connections (credentials sealed),
 * pipeline versions (validated first; a changed file under an old version number is refused)
 * and which pipeline runs between which connections. Safe to apply on every start.
 */
export const applyConfig = (file: string, config: VortexConfig) => Effect.gen(function* () {
  const tenants = yield* Tenants
  const connections = yield* Connections
  const pipelines = yield* PipelineRepo
  const stockTargets = yield* StockTargets
  const applied: Array<AppliedTenant> = []
  for (const tenantConfig of config.tenants) {
    const tenant = yield* tenants.ensure(tenantConfig.slug, tenantConfig.name)
    const ids = new Map<string, string>()
    for (const c of tenantConfig.connections) {
      const id = yield* connections.upsert(tenant.id, {
        name: c.name,
        connector: c.connector,
        credentials: c.credentials,
        settings: { ...c.settings, ...(c.baseUrl !== undefined ? { baseUrl: c.baseUrl } : {}) },
      })
      ids.set(c.name, id)
      if (STOCK_TARGETS.has(c.connector)) yield* stockTargets.enable(tenant.id, id).pipe(Effect.orDie)
    }
    const loaded: Array<AppliedTenant["pipelines"][number]> = []
    for (const binding of tenantConfig.pipelines) {
      const path = resolve(dirname(file), binding.file)
      const text = yield* Effect.try({
        try: () => readFileSync(path, "utf8"),
        catch: () => new ConfigInvalid({ file, problems: [`tenant ${tenantConfig.slug}: cannot read pipeline ${binding.file}`] }),
      })
      const report = validateText(path, text, { expressionCheckers: [dslExpressionChecker] })
      if (hasErrors(report) || report.pipeline === undefined) {
        return yield* Effect.fail(new ConfigInvalid({ file, problems: [`pipeline ${binding.file} is invalid:\n${formatProblems(report.problems, "text")}`] }))
      }
      const doc = report.pipeline.parsed.value as { name: string; version: number; source: { connector: string }; target: { connector: string } }
      const source = tenantConfig.connections.find((c) => c.name === binding.source)
      const target = tenantConfig.connections.find((c) => c.name === binding.target)
      const mismatch = [
        source === undefined ? `source connection "${binding.source}" is not defined` : source.connector !== doc.source.connector ? `source "${binding.source}" is ${source.connector}, the pipeline reads ${doc.source.connector}` : undefined,
        target === undefined ? `target connection "${binding.target}" is not defined` : target.connector !== doc.target.connector ? `target "${binding.target}" is ${target.connector}, the pipeline writes ${doc.target.connector}` : undefined,
      ].filter((m): m is string => m !== undefined)
      if (mismatch.length > 0) return yield* Effect.fail(new ConfigInvalid({ file, problems: mismatch.map((m) => `tenant ${tenantConfig.slug}, pipeline ${doc.name}: ${m}`) }))
      const stored = yield* pipelines.storeVersion(tenant.id, doc.name, doc.version, text).pipe(
        Effect.mapError((e) => new ConfigInvalid({ file, problems: [e.message] })),
      )
      yield* pipelines.bind({
        tenantId: tenant.id, name: doc.name, version: doc.version,
        sourceConnectionId: ids.get(binding.source)!, targetConnectionId: ids.get(binding.target)!, enabled: binding.enabled,
      })
      loaded.push({ name: doc.name, version: doc.version, loaded: stored })
    }
    applied.push({ tenantId: tenant.id, slug: tenant.slug, connections: ids, pipelines: loaded })
  }
  return applied
})
