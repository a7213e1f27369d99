import { Effect } from "effect"
import { RuleStore } from "./RuleStore.js"

export interface PreviewRow {
  readonly input: unknown
  /** Output of the published version; absent when nothing is published yet. */
  readonly before?: unknown
  readonly after: unknown
  /** Paths whose value differs between before and after ("" = the whole value). */
  readonly differences: ReadonlyArray<string>
}

const differingPaths = (a: unknown, b: unknown, path = ""): ReadonlyArray<string> => {
  const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v)
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    return [...keys].flatMap((k) => differingPaths(a[k], b[k], path === "" ? k : `${path}.${k}`))
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path]
}

/**
 * Runs a draft beside the published version over the same records, so an editor sees what a
 * publish would change before it happens (ARCHITECTURE.md §5).
 */
export const previewDraft = Effect.fn("RulePreview.preview")(function* (
  tenantId: string,
  name: string,
  version: number,
  records: ReadonlyArray<unknown>,
) {
  const store = yield* RuleStore
  const draft = yield* store.compile(tenantId, name, version)
  const { set } = yield* store.getVersion(tenantId, name, version)
  const published = set.publishedVersion === null ? undefined : yield* store.compile(tenantId, name, set.publishedVersion)
  return records.map((input): PreviewRow => {
    const after = draft.rule.evaluate(input)
    if (published === undefined) return { input, after, differences: [""] }
    const before = published.rule.evaluate(input)
    return { input, before, after, differences: differingPaths(before, after) }
  })
})
