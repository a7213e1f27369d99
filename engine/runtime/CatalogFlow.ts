import { SqlClient } from "@effect/sql"
import { Clock, Effect, Option, Stream } from "effect"
import type { Article } from "../../connectors/lexoffice/schemas.js"
import { SEARCH_WINDOW } from "../../connectors/lexoffice/schemas.js"
import { bigCommerceCatalogTarget } from "../catalog/BigCommerceCatalogTarget.js"
import { CatalogDirtyIds } from "../catalog/CatalogDirtyIds.js"
import { CatalogSkuProbes } from "../catalog/CatalogSkuProbes.js"
import { CatalogSourceIndex, type SourceEntry } from "../catalog/CatalogSourceIndex.js"
import { syncCatalog, type MappedRecord } from "../catalog/CatalogSync.js"
import type { Listing } from "../catalog/CatalogTarget.js"
import { ARTICLE_PARTITIONS, listArticlesByPartition, type PartitionListing, readArticle } from "../catalog/LexofficeArticleSource.js"
import { ConnectorClients } from "../connections/ConnectorClients.js"
import { FxRates } from "../fx/FxRates.js"
import type { FlowJob } from "../jobs/FlowJob.js"
import { markDirty } from "../stock/StockOutbox.js"
import { StockSignals } from "../stock/StockSignals.js"
import { FlowFailed } from "../sync/FlowRunner.js"
import { addDays, businessDate } from "./BusinessDate.js"
import { toDslRecord } from "./DslRecord.js"
import { LoadedPipelines, type LoadedPipeline } from "./LoadedPipelines.js"

/**
 * Articles beyond lexoffice's listing window re-read by id per full run (pipeline option
 * `flows.catalog.verifyPerRun`). lexoffice allows 2 requests/s for everything a key does
 * (DOC #API Rate Limits): 100 reads take 50 s, a sixth of a 5-minute heartbeat, and leave the
 * rest to orders and invoices. Events carry the changes; this only catches what an event lost.
 */
export const DEFAULT_VERIFY_PER_RUN = 100

// Reads by id in flight at once; the client's rate limiter paces them to lexoffice's limit.
const READ_CONCURRENCY = 4

/**
 * Stocked SKUs without a listing looked up by article number per full run while a listing is
 * cut off by the window (pipeline option `flows.catalog.probePerRun`): a lost `article.created`
 * beyond the window is found this way, 20 SKUs (10 s of lexoffice's budget) per run.
 */
export const DEFAULT_PROBE_PER_RUN = 20

const budget = (options: Readonly<Record<string, unknown>>, name: string, fallback: number) => {
  const value = options[name]
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : fallback
}

/**
 * Catalog & prices, lexoffice → BigCommerce, through the pipeline's `when` and `map`.
 *
 * lexoffice pages no query past 10 000 results and articles can only be split by type, so:
 *  - a full run (heartbeat, manual) lists each type within the window, then reads by id the
 *    articles events announced and the least recently verified articles the listing could not
 *    reach; an unseen listing is judged gone only when its type's listing was complete;
 *  - a webhook run reads by id only the articles events announced (seconds, not a re-list).
 * Every article read feeds the source index; the announced ids are drained from a table, so
 * coalesced wake-ups lose none; an id whose outcome failed stays announced for the next run.
 */
export const runCatalogFlow = (pipeline: LoadedPipeline, job: FlowJob) => Effect.gen(function* () {
  const loaded = yield* LoadedPipelines
  const clients = yield* ConnectorClients
  const fx = yield* FxRates
  const sourceIndex = yield* CatalogSourceIndex
  const dirtyIds = yield* CatalogDirtyIds
  const skuProbes = yield* CatalogSkuProbes
  const { tenantId, name } = pipeline.binding
  const flowFailed = (message: string, retryable: boolean) =>
    new FlowFailed({ pipeline: name, flow: "catalog", message, retryable })

  const lexoffice = yield* clients.lexoffice(pipeline.binding.sourceConnectionId).pipe(Effect.mapError((e) => flowFailed(e.message, false)))
  const channel = yield* clients.bigcommerce(pipeline.binding.targetConnectionId).pipe(Effect.mapError((e) => flowFailed(e.message, false)))
  const { program, tables } = yield* loaded.program(pipeline, "catalog")
  const now = yield* Clock.currentTimeMillis
  const startedAt = new Date(now)
  const today = businessDate(startedAt)
  // a week back covers weekends and holidays without an ECB rate (the DSL's fx() falls back to the last business day)
  const rates = yield* fx.snapshot(addDays(today, -10), today).pipe(Effect.orDie)
  const context = { today, runtime: { tables, rates } }

  const targeted = job.trigger === "webhook"
  const options = pipeline.options("catalog")
  const verifyBudget = targeted ? 0 : budget(options, "verifyPerRun", DEFAULT_VERIFY_PER_RUN)
  const probeBudget = targeted ? 0 : budget(options, "probePerRun", DEFAULT_PROBE_PER_RUN)
  // announced ids are taken before listing: a listing page read after the take shows the change
  const dirty = yield* dirtyIds.take(tenantId, name)
  // a webhook run needs the index and links of the announced articles only, not of the catalog
  const announcedIds = [...dirty.ids.keys()]
  const index = targeted ? yield* sourceIndex.byIds(tenantId, name, announcedIds) : yield* sourceIndex.all(tenantId, name)

  const partitions: Array<PartitionListing> = []
  const listed = new Set<string>()
  const readById = new Set<string>()
  const gone: Array<string> = []
  const changedEntries: Array<Omit<SourceEntry, "verifiedAt">> = []
  const unchanged: Array<string> = []
  let rolling = 0

  const entryOf = (a: Article) => ({ sourceId: a.id, articleType: a.type, version: a.version, updatedDate: a.updatedDate })
  const isUnchanged = (a: Article) => {
    const known = index.get(a.id)
    return known !== undefined && known.version === a.version && known.articleType === a.type && known.updatedDate === a.updatedDate
  }
  // article numbers read this run, however: a probe for one of them would find nothing new
  const numbersRead = new Set<string>()
  const mapArticle = (article: Article): MappedRecord => {
    if (article.articleNumber !== undefined) numbersRead.add(article.articleNumber)
    const outcome = program.evaluate(toDslRecord(article), context)
    switch (outcome._tag) {
      case "Mapped": return { _tag: "Listing", sourceId: article.id, listing: outcome.value as Listing }
      case "Skipped": return { _tag: "Filtered", sourceId: article.id }
      // keyed by id like every record, so that a failing article still counts as seen
      case "Failed": return { _tag: "Failed", sourceId: article.id, message: `article ${article.articleNumber ?? article.id}: ${outcome.message}` }
    }
  }

  const listing = targeted ? Stream.empty : listArticlesByPartition(lexoffice, (p) => {
    partitions.push(p)
  }).pipe(
    Stream.map((article) => {
      if (!listed.has(article.id)) {
        listed.add(article.id)
        if (isUnchanged(article)) unchanged.push(article.id)
        else changedEntries.push(entryOf(article))
      }
      return mapArticle(article)
    }),
    Stream.mapError((e) => ({ sku: "(lexoffice articles)", message: `${e._tag}: ${e.message}` })),
  )

  const complete = (type: string) => partitions.some((p) => p.type === type && p.complete)

  // decided once the listing is done: only what it did not show is read by id
  const byId = Stream.suspend(() => {
    const ids = [...dirty.ids.keys()].filter((id) => !listed.has(id))
    if (verifyBudget > 0) {
      const announced = new Set(ids)
      // the budget goes to articles beyond a listing's reach; what a complete listing did not
      // show is gone, and the sweep below deals with it without a read
      const due = [...index.values()]
        .filter((e) => !complete(e.articleType) && !listed.has(e.sourceId) && !announced.has(e.sourceId))
        .sort((a, b) => a.verifiedAt.getTime() - b.verifiedAt.getTime())
        .slice(0, verifyBudget)
      rolling = due.length
      ids.push(...due.map((e) => e.sourceId))
    }
    return Stream.fromIterable(ids).pipe(Stream.mapEffect((id) => readArticle(lexoffice, id).pipe(
      Effect.map(Option.match({
        onNone: (): MappedRecord => {
          gone.push(id)
          return { _tag: "Gone", sourceId: id }
        },
        onSome: (article): MappedRecord => {
          readById.add(id)
          changedEntries.push(entryOf(article))
          return mapArticle(article)
        },
      })),
      Effect.catchAll((e) => Effect.succeed<MappedRecord>({ _tag: "Failed", sourceId: id, message: `lexoffice article ${id}: ${e._tag}: ${e.message}` })),
    ), { concurrency: READ_CONCURRENCY }))
  })

  // Beyond a listing's reach, stocked SKUs no listing carries are looked up by article number:
  // the only way to find an article whose created event was lost. Read last, so that articles
  // already read this run are not mapped twice.
  const probed: Array<string> = []
  let probeCursor: string | undefined
  const byArticleNumber = Stream.unwrap(Effect.gen(function* () {
    if (probeBudget === 0 || partitions.every((p) => p.complete)) return Stream.empty
    const { skus, next } = yield* skuProbes.due(tenantId, name, probeBudget, numbersRead)
    probeCursor = next
    return Stream.fromIterable(skus).pipe(
      Stream.mapEffect((sku) => lexoffice.listArticles({ articleNumber: sku }).pipe(
        Effect.tap(() => Effect.sync(() => { probed.push(sku) })),
        Effect.map((page) => page.content.filter((a) => !listed.has(a.id) && !readById.has(a.id))),
        // looked up again when the ledger walk comes round
        Effect.catchAll((e) => Effect.logWarning(`lexoffice article number ${sku}: ${e._tag}: ${e.message}`).pipe(Effect.as([] as ReadonlyArray<Article>))),
      ), { concurrency: READ_CONCURRENCY }),
      Stream.flattenIterables,
      Stream.map((article) => {
        readById.add(article.id)
        changedEntries.push(entryOf(article))
        return mapArticle(article)
      }),
    )
  }))

  // Only a complete listing of an article's type says that an unseen article is gone; an article
  // the index does not know (linked before the index existed) needs every type complete.
  const judgeUnseen = (sourceId: string) => {
    if (targeted) return false
    const entry = index.get(sourceId)
    return entry === undefined ? ARTICLE_PARTITIONS.every(complete) : complete(entry.articleType)
  }

  const report = yield* syncCatalog({
    tenantId,
    pipeline: name,
    records: Stream.concat(listing, byId).pipe(Stream.concat(byArticleNumber)),
    target: yield* bigCommerceCatalogTarget(channel),
    // the pipeline schema allows exactly these; disabling is the default
    unmatched: options["unmatched"] === "keep" || options["unmatched"] === "delete" ? options["unmatched"] : "disable",
    judgeUnseen,
    // Beyond the records read, only links of indexed articles whose type was listed completely
    // can be judged; all links only when every type was, as links older than the index may be unindexed.
    unseenCandidates: () => targeted
      ? []
      : ARTICLE_PARTITIONS.every(complete)
      ? "all"
      : [...index.values()].filter((e) => complete(e.articleType)).map((e) => e.sourceId),
    dryRun: job.dryRun ?? false,
  }).pipe(
    // a listing page could not be read: nothing may be judged "gone", so the run fails whole
    Effect.mapError((failure) => flowFailed(failure.message, true)),
  )

  if (!(job.dryRun ?? false)) {
    yield* sourceIndex.save(tenantId, name, changedEntries, startedAt)
    yield* sourceIndex.touch(tenantId, name, unchanged, startedAt)
    const vanished = [...index.keys()].filter((id) => !listed.has(id) && !readById.has(id) && judgeUnseen(id))
    yield* sourceIndex.remove(tenantId, name, [...gone.filter((id) => !report.unsettled.has(id)), ...vanished])
    yield* dirtyIds.clear(tenantId, name, [...dirty.ids.keys()].filter((id) => !report.unsettled.has(id)), dirty.takenAt)
    if (probeCursor !== undefined) yield* skuProbes.advance(tenantId, name, probeCursor)
  }

  // a listing created just now shows no stock yet: mark its SKUs for the stock flow at once
  if (report.created.length > 0) {
    const sql = yield* SqlClient.SqlClient
    const signals = yield* StockSignals
    const connectionIds = yield* markDirty(sql, tenantId, report.created, pipeline.binding.targetConnectionId).pipe(Effect.orDie)
    yield* signals.publish({ tenantId, connectionIds })
  }

  const warnings = partitions.flatMap((p) => {
    if (p.complete) return []
    if (p.totalElements > SEARCH_WINDOW) {
      return [`lexoffice lists at most ${SEARCH_WINDOW} results per query: ${p.totalElements - p.listed} of ${p.totalElements} ${p.type} articles ` +
        `are beyond the listing window. They reach the channel by id (article events; ${verifyBudget} least recently verified per run) ` +
        `and by article number (${probeBudget} stocked SKUs without a listing per run), and none of them is judged gone by this run`]
    }
    return [`the ${p.type} article listing changed while it was read (${p.totalElements} articles at the end): no unseen ${p.type} article is judged gone by this run`]
  })
  const { created: _created, unsettled: _unsettled, ...flowReport } = report
  return {
    ...flowReport,
    warnings,
    counters: {
      readByListing: listed.size,
      readById: readById.size,
      goneById: gone.length,
      announced: dirty.ids.size,
      verifiedRolling: rolling,
      probedByArticleNumber: probed.length,
      beyondWindow: partitions.reduce((n, p) => n + Math.max(0, p.totalElements - p.listed), 0),
    },
  }
})
