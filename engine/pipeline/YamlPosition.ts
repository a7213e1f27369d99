import { isAlias, isMap, isPair, isScalar, isSeq, Scalar } from "yaml"
import type { Document, Node, Pair, YAMLMap } from "yaml"
import type { Position } from "./Problem.js"
import { positionOf, type ParsedYaml } from "./YamlDocument.js"

export type PathSegment = string | number

/** ajv instance paths are JSON pointers: "/flows/catalog/map/price", with ~1 for / and ~0 for ~. */
export const pointerSegments = (pointer: string): ReadonlyArray<string> =>
  pointer === "" ? [] : pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))

export const toPointer = (segments: ReadonlyArray<PathSegment>): string =>
  segments.map((s) => "/" + String(s).replace(/~/g, "~0").replace(/\//g, "~1")).join("")

export interface Located {
  /** The node at the path, or the deepest node found on the way. */
  readonly node: Node | null
  /** The key of the mapping pair holding `node`, when it is a mapping value. */
  readonly key: Node | null
  /** False when the path left the document (the position is then the deepest node found). */
  readonly complete: boolean
}

/**
 * Each mapping's pairs by key, built on first use. Every problem and every expression is located
 * by a walk from the root; scanning a 30 000-key mapping for each of its 30 000 keys made
 * `vortex validate` quadratic. The last pair wins, as in the plain value the checks saw.
 */
const pairIndex = new WeakMap<YAMLMap, ReadonlyMap<string, Pair>>()

const pairOf = (map: YAMLMap, key: string): Pair | undefined => {
  let index = pairIndex.get(map)
  if (index === undefined) {
    const built = new Map<string, Pair>()
    for (const pair of map.items) if (isPair(pair) && isScalar(pair.key)) built.set(String(pair.key.value), pair)
    pairIndex.set(map, built)
    index = built
  }
  return index.get(key)
}

/**
 * Walks a document along a JSON pointer. An alias is followed to read its contents, but a node
 * reached through an alias still reports the alias' own position: the problem is where the
 * author wrote the alias.
 */
export const locate = (doc: Document.Parsed, segments: ReadonlyArray<PathSegment>): Located => {
  let node: Node | null = doc.contents
  let key: Node | null = null
  let shown: Node | null = node
  for (const segment of segments) {
    const container: Node | null = isAlias(node) ? (node.resolve(doc) ?? null) : node
    if (isMap(container)) {
      const pair = pairOf(container, String(segment))
      if (pair === undefined) return { node: shown, key, complete: false }
      key = (pair.key as Node | null) ?? null
      node = (pair.value as Node | null) ?? null
      shown = isAlias(shown) ? shown : node
      if (shown === null) return { node: null, key, complete: true }
    } else if (isSeq(container)) {
      const item = container.items[Number(segment)]
      if (item === undefined) return { node: shown, key, complete: false }
      key = null
      node = item as Node
      shown = isAlias(shown) ? shown : node
    } else {
      return { node: shown, key, complete: false }
    }
  }
  return { node: shown, key, complete: true }
}

const startOf = (node: Node | null): number | undefined => node?.range?.[0]

/** Position of the value at a path; an empty value (`source:` with nothing after it) points at its key. */
export const valuePosition = (parsed: ParsedYaml, segments: ReadonlyArray<PathSegment>): Position => {
  const { node, key } = locate(parsed.doc, segments)
  const emptyScalar = isScalar(node) && (node.source === undefined || node.source === "") && node.value === null
  const offset = (emptyScalar ? startOf(key) : startOf(node)) ?? startOf(key) ?? 0
  return positionOf(parsed.lineCounter, offset)
}

/** Position of the key naming the value at a path (falls back to the value itself, e.g. for list items). */
export const keyPosition = (parsed: ParsedYaml, segments: ReadonlyArray<PathSegment>): Position => {
  const { node, key, complete } = locate(parsed.doc, segments)
  const offset = (complete ? startOf(key) : undefined) ?? startOf(node) ?? 0
  return positionOf(parsed.lineCounter, offset)
}

/**
 * Where a mapping is "named": the key that introduces it (`source:`), or for a mapping that is
 * a list item or the document root, its own start. Used for missing required keys.
 */
export const mappingPosition = (parsed: ParsedYaml, segments: ReadonlyArray<PathSegment>): Position => {
  const { node, key } = locate(parsed.doc, segments)
  const offset = startOf(key) ?? startOf(node) ?? 0
  return positionOf(parsed.lineCounter, offset)
}

/**
 * Maps an offset inside a scalar's string value back to the file. Exact for plain scalars,
 * single- or double-quoted scalars on one line without escapes, and literal blocks (`|`);
 * elsewhere (folded or escaped text) the scalar's start, which is still the right string.
 */
export const positionInScalar = (parsed: ParsedYaml, node: Scalar, offset: number): Position => {
  const start = node.range?.[0] ?? 0
  const end = node.range?.[1] ?? start
  const raw = parsed.source.slice(start, end)
  const value = String(node.value)
  const at = (o: number) => positionOf(parsed.lineCounter, o)
  const bounded = Math.max(0, Math.min(offset, value.length))
  switch (node.type) {
    case Scalar.PLAIN:
      return raw === value ? at(start + bounded) : at(start)
    case Scalar.QUOTE_SINGLE:
      return !raw.includes("\n") && !raw.slice(1, -1).includes("''") ? at(start + 1 + bounded) : at(start)
    case Scalar.QUOTE_DOUBLE:
      return !raw.includes("\n") && !raw.includes("\\") ? at(start + 1 + bounded) : at(start)
    case Scalar.BLOCK_LITERAL:
      return literalBlockPosition(parsed, start, raw, value, bounded) ?? at(start)
    default:
      return at(start)
  }
}

const literalBlockPosition = (
  parsed: ParsedYaml,
  start: number,
  raw: string,
  value: string,
  offset: number,
): Position | undefined => {
  const before = value.slice(0, offset)
  const lineIndex = before.split("\n").length - 1
  const column = offset - (before.lastIndexOf("\n") + 1)
  const rawLines = raw.split("\n")
  // rawLines[0] is the header (`|`, `|-`, `|2` …); content lines follow with a common indent.
  const contentLine = rawLines[1 + lineIndex]
  if (contentLine === undefined) return undefined
  const indent = (rawLines.slice(1).find((l) => l.trim() !== "") ?? "").search(/\S/)
  if (indent < 0) return undefined
  const lineStart = start + rawLines.slice(0, 1 + lineIndex).reduce((n, l) => n + l.length + 1, 0)
  return positionOf(parsed.lineCounter, lineStart + indent + column)
}
