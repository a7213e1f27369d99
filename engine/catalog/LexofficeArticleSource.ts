import { Chunk, Effect, Option, Stream } from "effect"
import type { LexofficeApi } from "../../connectors/lexoffice/LexofficeClient.js"
import { type Article, MAX_PAGE_SIZE, SEARCH_WINDOW } from "../../connectors/lexoffice/schemas.js"

/**
 * lexoffice filters articles by `type` (and exact articleNumber/gtin), has no documented sort
 * and no changed-since filter, and pages no query past its first 10 000 results (DOC #Articles,
 * #Paging of Resources). So a full read is one listing per type, each within the window; what
 * lies beyond it is reached by id only (events, the source index's rolling verification).
 */
export const ARTICLE_PARTITIONS = ["PRODUCT", "SERVICE"] as const
export type ArticlePartition = typeof ARTICLE_PARTITIONS[number]

const WINDOW_PAGES = Math.floor(SEARCH_WINDOW / MAX_PAGE_SIZE)

/** How far one partition's listing reached. */
export interface PartitionListing {
  readonly type: ArticlePartition
  /** lexoffice's count of the partition, as its last page read said. */
  readonly totalElements: number
  readonly listed: number
  readonly pages: number
  /**
   * Every article of the partition was on the pages read: the last page was reached and the
   * count did not move while paging (an insert or delete mid-listing shifts the pages under an
   * unsorted listing and may hide an article). Only a complete listing may judge an unseen
   * article gone. UNCONFIRMED: the order of the articles listing; lexoffice documents no sort
   * for it, so nothing here relies on one (an insert and a delete between two pages, leaving
   * the count unchanged, could still hide one article for one run: its link would be disabled
   * and re-enabled by the next run that sees it).
   */
  readonly complete: boolean
}

/**
 * The articles of every partition, page by page within lexoffice's window. `done` receives each
 * partition's reach once its last page is read; a page that cannot be read fails the stream.
 */
export const listArticlesByPartition = (client: LexofficeApi, done: (partition: PartitionListing) => void) =>
  Stream.fromIterable(ARTICLE_PARTITIONS).pipe(Stream.flatMap((type) => {
    let firstTotal = -1
    let listed = 0
    return Stream.paginateChunkEffect(0, (page: number) =>
      client.listArticles({ type }, { page, size: MAX_PAGE_SIZE }).pipe(Effect.map((result) => {
        if (page === 0) firstTotal = result.totalElements
        listed += result.content.length
        const reachedEnd = result.last || result.content.length === 0
        const more = !reachedEnd && page + 1 < WINDOW_PAGES
        if (!more) {
          done({
            type, totalElements: result.totalElements, listed, pages: page + 1,
            complete: reachedEnd && result.totalElements === firstTotal,
          })
        }
        return [Chunk.fromIterable(result.content), more ? Option.some(page + 1) : Option.none<number>()] as const
      })))
  }, { concurrency: 1 }))

/** One article by id; `None` when lexoffice answers 404 (deleted). */
export const readArticle = (client: LexofficeApi, id: string) =>
  client.getArticle(id).pipe(
    Effect.map((article): Option.Option<Article> => Option.some(article)),
    Effect.catchTag("LexofficeNotFound", () => Effect.succeed(Option.none<Article>())),
  )
