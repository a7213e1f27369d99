import { SqlClient } from "@effect/sql"
import { Clock, Effect, Ref, Stream } from "effect"
import { bigCommerceCatalogTarget } from "../catalog/BigCommerceCatalogTarget.js"
import { syncCatalog, type MappedRecord } from "../catalog/CatalogSync.js"
import type { Listing } from "../catalog/CatalogTarget.js"
import { ConnectorClients } from "../connections/ConnectorClients.js"
import { FxRates } from "../fx/FxRates.js"
import type { FlowJob } from "../jobs/FlowJob.js"
import { markDirty } from "../stock/StockOutbox.js"
import { StockSignals } from "../stock/StockSignals.js"
import { FlowFailed } from "../sync/FlowRunner.js"
import { addDays, businessDate } from "./BusinessDate.js"
import { toDslRecord } from "./DslRecord.js"
import { LoadedPipelines, type LoadedPipeline } from "./LoadedPipelines.js"

// lexoffice pages articles 250 at a time (DOC #Paging)
const ARTICLE_PAGE = 250

/** Catalog & prices, lexoffice → BigCommerce, through the pipeline's `when` and `map`. */
export const runCatalogFlow = (pipeline: LoadedPipeline, job: FlowJob) => Effect.gen(function* () {
  const loaded = yield* LoadedPipelines
  const clients = yield* ConnectorClients
  const fx = yield* FxRates
  const flowFailed = (message: string, retryable: boolean) =>
    new FlowFailed({ pipeline: pipeline.binding.name, flow: "catalog", message, retryable })

  const lexoffice = yield* clients.lexoffice(pipeline.binding.sourceConnectionId).pipe(Effect.mapError((e) => flowFailed(e.message, false)))
  const channel = yield* clients.bigcommerce(pipeline.binding.targetConnectionId).pipe(Effect.mapError((e) => flowFailed(e.message, false)))
  const { program, tables } = yield* loaded.program(pipeline, "catalog")
  const today = businessDate(new Date(yield* Clock.currentTimeMillis))
  // a week back covers weekends and holidays without an ECB rate (the DSL's fx() falls back to the last business day)
  const rates = yield* fx.snapshot(addDays(today, -10), today).pipe(Effect.orDie)
  const context = { today, runtime: { tables, rates } }

  const articlesRead = yield* Ref.make(0)
  const records = lexoffice.streamArticles().pipe(
    Stream.tap(() => Ref.update(articlesRead, (n) => n + 1)),
    Stream.map((article): MappedRecord => {
      const outcome = program.evaluate(toDslRecord(article), context)
      switch (outcome._tag) {
        case "Mapped": return { _tag: "Listing", sourceId: article.id, listing: outcome.value as Listing }
        case "Skipped": return { _tag: "Filtered", sourceId: article.id }
        case "Failed": return { _tag: "Failed", sourceId: article.articleNumber ?? article.id, message: outcome.message }
      }
    }),
    Stream.mapError((e) => ({ sku: "(lexoffice articles)", message: `${e._tag}: ${e.message}` })),
  )
  const report = yield* syncCatalog({
    tenantId: pipeline.binding.tenantId,
    pipeline: pipeline.binding.name,
    records,
    target: yield* bigCommerceCatalogTarget(channel),
    unmatched: pipeline.options("catalog")["unmatched"] === "keep" ? "keep" : "disable",
    dryRun: job.dryRun ?? false,
  }).pipe(
    // the source could not be read to the end: nothing may be judged "gone", so the run fails whole
    Effect.mapError((failure) => flowFailed(failure.message, true)),
  )
  // a listing created just now shows no stock yet: mark its SKUs for the stock flow at once
  if (report.created.length > 0) {
    const sql = yield* SqlClient.SqlClient
    const signals = yield* StockSignals
    const connectionIds = yield* markDirty(sql, pipeline.binding.tenantId, report.created, pipeline.binding.targetConnectionId).pipe(Effect.orDie)
    yield* signals.publish({ tenantId: pipeline.binding.tenantId, connectionIds })
  }
  const pages = Math.max(1, Math.ceil((yield* Ref.get(articlesRead)) / ARTICLE_PAGE))
  const { created: _created, ...flowReport } = report
  return { ...flowReport, apiCalls: report.apiCalls + pages }
})
