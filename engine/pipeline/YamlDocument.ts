import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from "yaml"
import type { Document, ErrorCode, Node } from "yaml"
import type { ProblemCode } from "./codes.js"
import type { Position } from "./Problem.js"

/**
 * Pipelines rarely need aliases at all; a small ceiling keeps a "billion laughs" file from
 * expanding into gigabytes while still allowing a merge key or two.
 */
export const MAX_ALIAS_COUNT = 50

/** The deepest pipeline is about a dozen levels; schema checks recurse, so cap well below the stack. */
export const MAX_DEPTH = 64

/**
 * YAML syntax errors cascade: one stray bracket makes every later token unexpected, and
 * `x: ]]]…` yields one error per bracket. Past this many the rest say nothing new, so they are
 * summed up in one finding instead of printing megabytes of the same line.
 */
export const MAX_SYNTAX_FINDINGS = 100

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
export const parseYaml = (original: string): { readonly parsed: ParsedYaml; readonly findings: ReadonlyArray<YamlFinding> } => {
  // YAML (and every editor) takes a lone CR as a line break; the yaml library does not, and read
  // an old-Mac file as one comment line ("file is empty"). One character for one keeps offsets.
  const text = original.includes("\r") ? original.replace(/\r(?!\n)/g, "\n") : original
  const lineCounter = new LineCounter()
  const doc = parseQuietly(text, lineCounter)
  const findings = yamlFindings(doc, lineCounter)
  for (const f of duplicateKeys(doc, lineCounter)) findings.push(f)
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

/**
 * Two choices keep parsing linear in the file size:
 * - `uniqueKeys: false`: yaml compares each new key with every earlier key of its mapping, which
 *   is quadratic (30 000 keys took a minute); duplicateKeys does the same check with a Set.
 * - no stack traces while parsing: yaml builds an Error per syntax error, and capturing each
 *   one's stack cost four times the parse itself on `x: ]]]…`. Nobody reads those stacks; the
 *   findings carry positions.
 */
const parseQuietly = (text: string, lineCounter: LineCounter): Document.Parsed => {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return parseDocument(text, { lineCounter, uniqueKeys: false, stringKeys: true, prettyErrors: false })
  } finally {
    Error.stackTraceLimit = limit
  }
}

/**
 * Keys given twice in one mapping, at the second occurrence. Walks the nodes with its own stack
 * (no recursion) and follows no aliases: an alias is checked where its anchor is.
 */
const duplicateKeys = (doc: Document.Parsed, lineCounter: LineCounter): ReadonlyArray<YamlFinding> => {
  const findings: Array<YamlFinding> = []
  const pending: Array<unknown> = [doc.contents]
  while (pending.length > 0) {
    const node = pending.pop()
    if (isSeq(node)) {
      for (const item of node.items) pending.push(item)
    } else if (isMap(node)) {
      const first = new Map<string, Node>()
      for (const pair of node.items) {
        if (!isPair(pair)) continue
        pending.push(pair.value)
        if (!isScalar(pair.key)) continue
        const name = String(pair.key.value)
        const earlier = first.get(name)
        if (earlier === undefined) {
          first.set(name, pair.key)
          continue
        }
        const at = positionOf(lineCounter, pair.key.range?.[0] ?? 0)
        const was = positionOf(lineCounter, earlier.range?.[0] ?? 0)
        findings.push({ code: "VX002", position: at, message: `duplicate key "${name}": each key may appear once per mapping (first at line ${was.line})` })
      }
    }
  }
  return findings
}

/**
 * The parser's errors as findings: a stack overflow while composing is said once, and a cascade
 * of syntax errors is cut at MAX_SYNTAX_FINDINGS. Loops, not spreads: the error list can hold
 * hundreds of thousands of entries, more than a call's argument list can.
 */
const yamlFindings = (doc: Document.Parsed, lineCounter: LineCounter): Array<YamlFinding> => {
  const findings: Array<YamlFinding> = []
  let exhaustedAt: number | undefined
  let syntax = 0
  let unlisted = 0
  let firstUnlisted = 0
  for (const error of doc.errors) {
    // a stack overflow while composing leaves a cascade of errors, one per unwound level
    if (error.code === "RESOURCE_EXHAUSTION" || /call stack/i.test(error.message)) {
      exhaustedAt = exhaustedAt === undefined ? error.pos[0] : Math.min(exhaustedAt, error.pos[0])
      continue
    }
    const code = codeOf(error.code)
    if (code === "VX001" && ++syntax > MAX_SYNTAX_FINDINGS) {
      if (unlisted++ === 0) firstUnlisted = error.pos[0]
      continue
    }
    findings.push({
      code,
      position: positionOf(lineCounter, error.pos[0]),
      message: firstLine(error.message),
    })
  }
  if (unlisted > 0) {
    findings.push({
      code: "VX001",
      position: positionOf(lineCounter, firstUnlisted),
      message: `${unlisted} more YAML syntax errors from here on are not listed (only the first ${MAX_SYNTAX_FINDINGS} are); fix the ones above first`,
    })
  }
  if (exhaustedAt !== undefined) {
    findings.push({ code: "VX009", position: positionOf(lineCounter, exhaustedAt), message: "nested too deeply to parse safely" })
  }
  return findings
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

const firstLine = (message: string): string => message.split("\n")[0] ?? message
