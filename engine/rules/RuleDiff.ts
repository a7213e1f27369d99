import type { RuleBody } from "./RuleBody.js"

export type LineChange = { readonly op: "same" | "add" | "remove"; readonly text: string }

export type RowChange =
  | { readonly op: "add"; readonly key: string; readonly value: unknown }
  | { readonly op: "remove"; readonly key: string; readonly value: unknown }
  | { readonly op: "change"; readonly key: string; readonly from: unknown; readonly to: unknown }

export interface RuleDiff {
  /** Line diff of the rule's text: the DSL source, or pretty JSON for JSON Logic and options. */
  readonly lines: ReadonlyArray<LineChange>
  /** For tables: the rows added, removed or changed, by key. */
  readonly rows: ReadonlyArray<RowChange>
}

/** Longest-common-subsequence line diff; rule texts are small (a few hundred lines at most). */
export const diffLines = (before: ReadonlyArray<string>, after: ReadonlyArray<string>): ReadonlyArray<LineChange> => {
  const n = before.length
  const m = after.length
  const lcs: Array<Int32Array> = Array.from({ length: n + 1 }, () => new Int32Array(m + 1))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = before[i] === after[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!)
    }
  }
  const out: Array<LineChange> = []
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (before[i] === after[j]) { out.push({ op: "same", text: before[i]! }); i++; j++ }
    else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ op: "remove", text: before[i++]! })
    else out.push({ op: "add", text: after[j++]! })
  }
  while (i < n) out.push({ op: "remove", text: before[i++]! })
  while (j < m) out.push({ op: "add", text: after[j++]! })
  return out
}

const textOf = (body: RuleBody): ReadonlyArray<string> => {
  if (body.kind === "table") {
    const { rows: _rows, ...rest } = body
    return JSON.stringify(rest, null, 2).split("\n")
  }
  const { source, ...rest } = body
  const sourceLines = typeof source === "string" ? source.split("\n") : JSON.stringify(source, null, 2).split("\n")
  return [...sourceLines, "---", ...JSON.stringify(rest, null, 2).split("\n")]
}

const rowDiff = (before: RuleBody, after: RuleBody): ReadonlyArray<RowChange> => {
  if (before.kind !== "table" || after.kind !== "table") return []
  const old = new Map(before.rows.map((r) => [r.key, r.value] as const))
  const now = new Map(after.rows.map((r) => [r.key, r.value] as const))
  const changes: Array<RowChange> = []
  for (const [key, value] of old) {
    if (!now.has(key)) changes.push({ op: "remove", key, value })
    else if (JSON.stringify(now.get(key)) !== JSON.stringify(value)) changes.push({ op: "change", key, from: value, to: now.get(key) })
  }
  for (const [key, value] of now) if (!old.has(key)) changes.push({ op: "add", key, value })
  return changes
}

export const diffRuleBodies = (before: RuleBody, after: RuleBody): RuleDiff => ({
  lines: diffLines(textOf(before), textOf(after)),
  rows: rowDiff(before, after),
})
