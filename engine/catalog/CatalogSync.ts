import { Chunk, Effect, Stream } from "effect"
import { createHash } from "node:crypto"
import type { FlowReport } from "../sync/FlowReport.js"
import { CatalogLinks, type CatalogLink } from "./CatalogLinks.js"
import type { CatalogTarget, ItemFailure, Listing } from "./CatalogTarget.js"

/** What the pipeline's `when` + `map` made of one source record. */
export type MappedRecord =
  | { readonly _tag: "Listing"; readonly sourceId: string; readonly listing: Listing }
  | { readonly _tag: "Filtered"; readonly sourceId: string }
  | { readonly _tag: "Failed"; readonly sourceId: string; readonly message: string }
  /** The source confirmed it no longer has the record (read by id: 404). */
  | { readonly _tag: "Gone"; readonly sourceId: string }

/**
 * What happens to a listing whose source no longer matches `when` or is gone: taken off sale
 * (kept with its history, reversible), deleted from the channel, or left as it is.
 */
export type UnmatchedPolicy = "disable" | "delete" | "keep"

/** Key order never changes a hash: the same listing always hashes the same. */
const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v)

export const contentHash = (listing: Listing) => createHash("sha256").update(canonicalJson(listing)).digest("base64url")

/** A catalog run's report, the SKUs it newly listed (their stock must be published now) and the source records whose outcome did not reach the channel. */
export interface CatalogReport extends FlowReport {
  readonly created: ReadonlyArray<string>
  readonly unsettled: ReadonlySet<string>
}

export interface CatalogRun {
  readonly tenantId: string
  readonly pipeline: string
  readonly records: Stream.Stream<MappedRecord, ItemFailure>
  readonly target: CatalogTarget
  readonly unmatched: UnmatchedPolicy
  /**
   * Whether a linked source record that the run did not see may be judged gone. Only a source
   * read completely may say so: a listing cut off by a result window, or a run that read a few
   * records by id, says nothing about the records it did not read.
   */
  readonly judgeUnseen: (sourceId: string) => boolean
  /**
   * Asked once the records are read: which links besides those of the records may be judged
   * unseen — "all", or those of these source ids. Only these links and the records' own are
   * loaded, so a run that read a few records by id, or a listing cut off by a window, does not
   * read the whole link table.
   */
  readonly unseenCandidates: () => "all" | ReadonlyArray<string>
  readonly dryRun?: boolean
}

/**
 * Catalog & prices (ARCHITECTURE.md §1): writes only what changed since the last write, creates
 * what the channel lacks (adopting a listing that already carries the SKU), updates in
 * batches at the channel's limit, and takes off sale (or deletes, by policy) what no longer
 * matches or is gone, judging only what a complete read could have seen. A failing
 * item is recorded and skipped; the rest of the run goes on.
 */
export const syncCatalog = (run: CatalogRun) => Effect.gen(function* () {
  const linksRepo = yield* CatalogLinks
  const records = Chunk.toReadonlyArray(yield* Stream.runCollect(run.records))
  const seen = new Set(records.map((r) => r.sourceId))
  const candidates = run.unseenCandidates()
  const links = candidates === "all"
    ? yield* linksRepo.all(run.tenantId, run.pipeline)
    : yield* linksRepo.bySourceIds(run.tenantId, run.pipeline, [...seen, ...candidates.filter((id) => !seen.has(id))])
  const callsBefore = yield* run.target.apiCalls
  const errors: Array<{ item?: string; message: string }> = []
  let read = 0
  let skipped = 0
  let written = 0
  const createdSkus: Array<string> = []
  const unsettled = new Set<string>()
  const sourceOfSku = new Map<string, string>()
  const creates: Array<{ sourceId: string; listing: Listing; hash: string }> = []
  const updates: Array<{ link: CatalogLink; listing: Listing; hash: string }> = []
  const unmatched: Array<CatalogLink> = []

  for (const record of records) {
    read++
    const link = links.get(record.sourceId)
    switch (record._tag) {
      case "Failed":
        errors.push({ item: record.sourceId, message: record.message })
        unsettled.add(record.sourceId)
        continue
      case "Filtered":
      case "Gone":
        if (link?.state === "active" && run.unmatched !== "keep") unmatched.push(link)
        else skipped++
        continue
      case "Listing": {
        const hash = contentHash(record.listing)
        if (link === undefined) creates.push({ sourceId: record.sourceId, listing: record.listing, hash })
        else if (link.contentHash === hash && link.state === "active") skipped++
        else updates.push({ link, listing: record.listing, hash })
      }
    }
  }
  for (const link of links.values()) {
    if (!seen.has(link.sourceId) && link.state === "active" && run.unmatched !== "keep" && run.judgeUnseen(link.sourceId)) unmatched.push(link)
  }

  if (run.dryRun) {
    return {
      read, written: creates.length + updates.length + unmatched.length, skipped, failed: errors.length,
      apiCalls: 0, errors, created: [], unsettled,
    } satisfies CatalogReport
  }

  for (const c of creates) sourceOfSku.set(c.listing.sku, c.sourceId)
  for (const u of updates) sourceOfSku.set(u.listing.sku, u.link.sourceId)
  for (const l of unmatched) sourceOfSku.set(l.sku, l.sourceId)
  const save = (saved: ReadonlyArray<CatalogLink>) => linksRepo.save(run.tenantId, run.pipeline, saved)
  const fail = (failures: ReadonlyArray<ItemFailure>) => {
    for (const f of failures) {
      errors.push({ item: f.sku, message: f.message })
      const sourceId = sourceOfSku.get(f.sku)
      if (sourceId !== undefined) unsettled.add(sourceId)
    }
  }

  // A listing the channel already has under this SKU is adopted and updated, never duplicated.
  // Looked up 50 SKUs at a time, created one by one (BigCommerce has no batch create), linked
  // per chunk: a crash between a create and its link costs nothing, as the next run adopts by SKU.
  for (const chunk of Chunk.chunksOf(Chunk.fromIterable(creates), 50)) {
    const batch = Chunk.toReadonlyArray(chunk)
    const lookup = yield* run.target.findBySkus(batch.map((c) => c.listing.sku)).pipe(Effect.either)
    if (lookup._tag === "Left") {
      // not knowing what the channel has, creating could duplicate: these wait for the next run
      fail([lookup.left])
      for (const c of batch) unsettled.add(c.sourceId)
      continue
    }
    const linked: Array<CatalogLink> = []
    for (const create of batch) {
      const adopted = lookup.right.get(create.listing.sku)
      if (adopted !== undefined) {
        updates.push({ link: { sourceId: create.sourceId, sku: create.listing.sku, channelId: adopted, contentHash: "", state: "active" }, listing: create.listing, hash: create.hash })
        continue
      }
      const created = yield* run.target.create(create.listing).pipe(Effect.either)
      if (created._tag === "Left") { fail([created.left]); continue }
      written++
      createdSkus.push(create.listing.sku)
      linked.push({ sourceId: create.sourceId, sku: create.listing.sku, channelId: created.right, contentHash: create.hash, state: "active" })
    }
    yield* save(linked)
  }

  for (const batch of Chunk.chunksOf(Chunk.fromIterable(updates), run.target.batchSize)) {
    const items = Chunk.toReadonlyArray(batch)
    const failures = yield* run.target.update(items.map((u) => ({ id: u.link.channelId, listing: u.listing })))
    fail(failures)
    const failed = new Set(failures.map((f) => f.sku))
    const ok = items.filter((u) => !failed.has(u.listing.sku))
    written += ok.length
    yield* save(ok.map((u) => ({ sourceId: u.link.sourceId, sku: u.listing.sku, channelId: u.link.channelId, contentHash: u.hash, state: "active" as const })))
  }

  const deleting = run.unmatched === "delete"
  for (const batch of Chunk.chunksOf(Chunk.fromIterable(unmatched), deleting ? run.target.removeBatchSize : run.target.batchSize)) {
    const items = Chunk.toReadonlyArray(batch)
    const targets = items.map((l) => ({ id: l.channelId, sku: l.sku }))
    const failures = yield* (deleting ? run.target.remove(targets) : run.target.disable(targets))
    fail(failures)
    const failed = new Set(failures.map((f) => f.sku))
    const ok = items.filter((l) => !failed.has(l.sku))
    written += ok.length
    if (deleting) {
      // no link left: if the source comes back, its listing is created anew
      yield* linksRepo.remove(run.tenantId, run.pipeline, ok.map((l) => l.sourceId))
    } else {
      // an emptied hash makes the listing be written again in full if its source comes back
      yield* save(ok.map((l) => ({ ...l, contentHash: "", state: "disabled" as const })))
    }
  }

  return {
    read, written, skipped, failed: errors.length,
    apiCalls: (yield* run.target.apiCalls) - callsBefore, errors, created: createdSkus, unsettled,
  } satisfies CatalogReport
}).pipe(Effect.withSpan("CatalogSync.run", { attributes: { pipeline: run.pipeline } }))
