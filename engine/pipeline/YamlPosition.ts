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
  /** The node the value really comes from: `node` itself, or what an alias on the way points at. */
  readonly target: Node | null
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
      if (pair === undefined) return { node: shown, key, complete: false, target: null }
      key = (pair.key as Node | null) ?? null
      node = (pair.value as Node | null) ?? null
      shown = isAlias(shown) ? shown : node
      if (shown === null) return { node: null, key, complete: true, target: null }
    } else if (isSeq(container)) {
      const item = container.items[Number(segment)]
      if (item === undefined) return { node: shown, key, complete: false, target: null }
      key = null
      node = item as Node
      shown = isAlias(shown) ? shown : node
    } else {
      return { node: shown, key, complete: false, target: null }
    }
  }
  return { node: shown, key, complete: true, target: isAlias(node) ? (node.resolve(doc) ?? null) : node }
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
 * Maps an offset inside a scalar's string value back to the file, for every scalar style:
 * plain and quoted strings over several lines (folded: line breaks and indentation become one
 * space), `''` in single quotes, escapes in double quotes (`\n`, `\x41`, `\u00e9`, an escaped
 * line break), literal (`|`) and folded (`>`) blocks. DSL diagnostics carry an offset into the
 * expression; the author needs the line and column of that character in their file.
 *
 * The value and its source are aligned: every non-blank character of the value must be found,
 * in order, in the source (through its escape, if it was written as one); only runs of blanks
 * and line breaks may differ, which is all that folding changes. If the alignment fails the
 * scalar's start is returned — the right string, if not the right character.
 */
export const positionInScalar = (parsed: ParsedYaml, node: Scalar, offset: number): Position => {
  const start = node.range?.[0] ?? 0
  const end = node.range?.[1] ?? start
  const value = typeof node.value === "string" ? node.value : String(node.value)
  const map = sourceOffsets(parsed.source, start, end, node.type, value)
  const bounded = Math.max(0, Math.min(offset, value.length))
  return positionOf(parsed.lineCounter, map === undefined ? start : (map[bounded] ?? start))
}

const isBlank = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\r"

const simpleEscapes: Readonly<Record<string, string>> = {
  "0": "\0", a: "\x07", b: "\b", t: "\t", "\t": "\t", n: "\n", v: "\v", f: "\f", r: "\r", e: "\x1b",
  " ": " ", '"': '"', "/": "/", "\\": "\\", N: "\u0085", _: "\u00a0", L: "\u2028", P: "\u2029",
}

/** One double-quoted escape at `at` (a backslash): what it stands for and how long it is. */
const escapeAt = (source: string, at: number): { readonly text: string; readonly length: number } | undefined => {
  const c = source[at + 1]
  if (c === undefined) return undefined
  const simple = simpleEscapes[c]
  if (simple !== undefined) return { text: simple, length: 2 }
  const digits = c === "x" ? 2 : c === "u" ? 4 : c === "U" ? 8 : 0
  if (digits === 0) return undefined
  const hex = source.slice(at + 2, at + 2 + digits)
  if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== digits) return undefined
  const code = parseInt(hex, 16)
  return code > 0x10ffff ? undefined : { text: String.fromCodePoint(code), length: 2 + digits }
}

/** For each offset 0..value.length of the value, its offset in the source; undefined if unsure. */
const sourceOffsets = (source: string, start: number, end: number, type: Scalar.Type | undefined, value: string): Array<number> | undefined => {
  let r = start
  let stop = end
  switch (type) {
    case Scalar.QUOTE_DOUBLE:
    case Scalar.QUOTE_SINGLE:
      r = start + 1
      stop = end - 1
      break
    case Scalar.BLOCK_LITERAL:
    case Scalar.BLOCK_FOLDED: {
      // the header line (`|`, `>-`, `|2 # comment`) holds no content
      const headerEnd = source.indexOf("\n", start)
      if (headerEnd < 0 || headerEnd >= end) return value === "" ? [start] : undefined
      r = headerEnd + 1
      break
    }
    default:
      break
  }
  const doubleQuoted = type === Scalar.QUOTE_DOUBLE
  const singleQuoted = type === Scalar.QUOTE_SINGLE
  const map: Array<number> = []
  let v = 0
  while (v < value.length) {
    if (r > stop) return undefined
    const c = source[r]
    if (doubleQuoted && c === "\\") {
      if (source[r + 1] === "\n" || source[r + 1] === "\r") {
        // an escaped line break joins the lines: it and the next line's indentation stand for nothing
        r += source[r + 1] === "\r" && source[r + 2] === "\n" ? 3 : 2
        while (r < stop && (source[r] === " " || source[r] === "\t")) r++
        continue
      }
      const escape = escapeAt(source, r)
      if (escape === undefined || value.slice(v, v + escape.text.length) !== escape.text) return undefined
      for (let k = 0; k < escape.text.length; k++) map.push(r)
      v += escape.text.length
      r += escape.length
      continue
    }
    if (isBlank(value[v]) || isBlank(c)) {
      // a run of blanks and breaks: folding may change its length, never what follows it
      const runStart = r
      while (r < stop && isBlank(source[r])) r++
      for (let k = 0; v < value.length && isBlank(value[v]); k++) map[v++] = Math.min(runStart + k, Math.max(runStart, r - 1))
      continue
    }
    if (singleQuoted && c === "'" && source[r + 1] === "'") {
      if (value[v] !== "'") return undefined
      map[v++] = r
      r += 2
      continue
    }
    if (c !== value[v]) return undefined
    map[v++] = r++
  }
  map[value.length] = Math.min(r, end)
  return map
}
