import type { ErrorCode } from "./errorCodes.js"

/** A place in the source: offsets are 0-based, line and column 1-based (as editors show them). */
export interface Span {
  readonly offset: number
  readonly end: number // exclusive
  readonly line: number
  readonly column: number
}

export interface Diagnostic {
  readonly code: ErrorCode
  readonly message: string
  readonly span: Span
  readonly hint?: string
  /** Set by record mappings: the target field the expression belongs to, e.g. `lines[].price`. */
  readonly fieldPath?: string
}

export const spanAt = (source: string, offset: number, end = offset + 1): Span => {
  let line = 1
  let column = 1
  const stop = Math.min(offset, source.length)
  for (let i = 0; i < stop; i++) {
    if (source.charCodeAt(i) === 10) {
      line++
      column = 1
    } else column++
  }
  return { offset, end: Math.max(end, offset), line, column }
}

export const joinSpans = (a: Span, b: Span): Span => ({ offset: a.offset, end: b.end, line: a.line, column: a.column })

/**
 * `line:col code message`, then the source line and a caret under the offending text, then the
 * hint — the shape compilers (rustc, VRL) taught everyone to read.
 */
export const formatDiagnostic = (source: string, d: Diagnostic): string => {
  const lines = source.split("\n")
  const text = lines[d.span.line - 1] ?? ""
  const width = Math.max(1, Math.min(d.span.end - d.span.offset, text.length - d.span.column + 1))
  const gutter = String(d.span.line)
  const where = d.fieldPath !== undefined ? `${d.fieldPath}: ` : ""
  const out = [
    `${d.span.line}:${d.span.column} ${d.code} ${where}${d.message}`,
    `${gutter} | ${text}`,
    `${" ".repeat(gutter.length)} | ${" ".repeat(Math.max(0, d.span.column - 1))}${"^".repeat(width)}`,
  ]
  if (d.hint !== undefined) out.push(`${" ".repeat(gutter.length)} = ${d.hint}`)
  return out.join("\n")
}
