import { isAlias, LineCounter, parseDocument, visit } from "yaml"
import type { Document, ErrorCode } from "yaml"
import type { ProblemCode } from "./codes.js"
import type { Position } from "./Problem.js"

/**
 * Pipelines rarely need aliases at all; a small ceiling keeps a "billion laughs" file from
 * expanding into gigabytes while still allowing a merge key or two.
 */
export const MAX_ALIAS_COUNT = 50

/** The deepest pipeline is about a dozen levels; schema checks recurse, so cap well below the stack. */
export const MAX_DEPTH = 64

export interface YamlFinding {
  readonly code: ProblemCode
  readonly position: Position
  readonly message: string
}

export interface ParsedYaml {
  readonly doc: Document.Parsed
  readonly lineCounter: LineCounter
  /** The text the document was parsed from (to map offsets inside scalars). */
  readonly source: string
  /** The plain JS value; absent when the YAML is too broken to check against the schema. */
  readonly value: unknown
  readonly hasValue: boolean
}

const codeOf = (code: ErrorCode): ProblemCode => {
  switch (code) {
    case "DUPLICATE_KEY":
      return "VX002"
    case "MULTIPLE_DOCS":
      return "VX008"
    case "RESOURCE_EXHAUSTION":
      return "VX009"
    case "BAD_ALIAS":
      return "VX003"
    default:
      return "VX001"
  }
}

export const positionOf = (lineCounter: LineCounter, offset: number): Position => {
  const { line, col } = lineCounter.linePos(offset)
  return { line, column: col }
}

/**
 * Parses one YAML text, keeping nodes and ranges so later checks can point at the exact key or
 * value. Returns every YAML finding at once; `value` is only produced when the only findings are
 * duplicate keys (the rest of the file is still worth checking then).
 */
export const parseYaml = (text: string): { readonly parsed: ParsedYaml; readonly findings: ReadonlyArray<YamlFinding> } => {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, stringKeys: true, prettyErrors: false })
  const findings: Array<YamlFinding> = doc.errors.map((error) => ({
    code: codeOf(error.code),
    position: positionOf(lineCounter, error.pos[0]),
    message: error.code === "DUPLICATE_KEY"
      ? duplicateKeyMessage(text, error.pos)
      : error.code === "RESOURCE_EXHAUSTION"
        ? "nested too deeply to parse safely"
        : firstLine(error.message),
  }))
  // a stack overflow while composing leaves a cascade of errors, one per unwound level: say it once
  const exhausted = doc.errors.filter((e) => e.code === "RESOURCE_EXHAUSTION" || /call stack/i.test(e.message))
  if (exhausted.length > 0) {
    const first = Math.min(...exhausted.map((e) => e.pos[0]))
    const rest = findings.filter((f) => f.code !== "VX009" && !/call stack/i.test(f.message))
    findings.splice(0, findings.length, ...rest, { code: "VX009", position: positionOf(lineCounter, first), message: "nested too deeply to parse safely" })
  }
  const broken = findings.some((f) => f.code !== "VX002")
  if (broken) return { parsed: { doc, lineCounter, source: text, value: undefined, hasValue: false }, findings }
  if (doc.contents === null) {
    findings.push({ code: "VX004", position: { line: 1, column: 1 }, message: "file is empty: expected a pipeline document" })
    return { parsed: { doc, lineCounter, source: text, value: undefined, hasValue: false }, findings }
  }
  const converted = toPlainValue(doc)
  if (converted.ok && depthOf(converted.value) > MAX_DEPTH) {
    findings.push({ code: "VX009", position: { line: 1, column: 1 }, message: `nested deeper than ${MAX_DEPTH} levels; no pipeline needs that` })
    return { parsed: { doc, lineCounter, source: text, value: undefined, hasValue: false }, findings }
  }
  if (converted.ok) return { parsed: { doc, lineCounter, source: text, value: converted.value, hasValue: true }, findings }
  findings.push({
    code: converted.code,
    position: firstAliasPosition(doc, lineCounter),
    message: converted.message,
  })
  return { parsed: { doc, lineCounter, source: text, value: undefined, hasValue: false }, findings }
}

const toPlainValue = (doc: Document.Parsed): { ok: true; value: unknown } | { ok: false; code: ProblemCode; message: string } => {
  // yaml throws while expanding aliases (the only exception toJS raises on a parsed document)
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return {
      ok: false,
      code: error instanceof RangeError ? "VX009" : "VX003",
      message: error instanceof RangeError
        ? "nested too deeply to expand safely"
        : /Excessive alias count/.test(reason)
        ? `aliases expand to more than ${MAX_ALIAS_COUNT} nodes (alias bomb?); refusing to expand`
        : `cannot resolve aliases: ${reason}`,
    }
  }
}

/** Nesting depth, measured without recursion (the value may be deep enough to overflow the stack). */
const depthOf = (value: unknown): number => {
  let max = 0
  const stack: Array<readonly [unknown, number]> = [[value, 0]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!
    max = Math.max(max, depth)
    if (depth > MAX_DEPTH) return depth
    if (node !== null && typeof node === "object") for (const child of Object.values(node)) stack.push([child, depth + 1])
  }
  return max
}

const firstAliasPosition = (doc: Document.Parsed, lineCounter: LineCounter): Position => {
  let offset = 0
  visit(doc, {
    Alias(_, node) {
      if (isAlias(node) && node.range) offset = node.range[0]
      return visit.BREAK
    },
  })
  return positionOf(lineCounter, offset)
}

const duplicateKeyMessage = (text: string, pos: readonly [number, number]): string => {
  // the error range covers only the key's first character; the key runs to its colon
  const key = text.slice(pos[0], pos[0] + 1024).split(/[:\n]/)[0]?.trim()
  return key ? `duplicate key "${key}": each key may appear once per mapping` : "duplicate key in mapping"
}

const firstLine = (message: string): string => message.split("\n")[0] ?? message
