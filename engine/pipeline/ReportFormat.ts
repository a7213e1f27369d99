import type { Problem } from "./Problem.js"

export const reportFormats = ["text", "json", "github"] as const
export type ReportFormat = (typeof reportFormats)[number]

/**
 * Characters that must never reach a terminal or a CI log as they are: C0 and C1 controls (a
 * newline in a YAML key forged a `::error` line; ESC starts terminal sequences), DEL, the Unicode
 * line and paragraph separators, and the bidirectional overrides that make text read differently
 * from what it is. Keys and values of a pipeline end up in messages verbatim, so every format
 * escapes these.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const named: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" }
const hex = (c: string) => c.charCodeAt(0).toString(16).padStart(4, "0")

/** `\n`, `\x1b`, `\u2028`: visible, one line, and what a JS or YAML author would write. */
export const escapeControls = (s: string): string =>
  s.replace(UNSAFE, (c) => named[c] ?? (c.charCodeAt(0) <= 0xff ? `\\x${hex(c).slice(2)}` : `\\u${hex(c)}`))

/** `path:line:col  CODE  message`, one line per problem: clickable in terminals and editors. */
const text = (problems: ReadonlyArray<Problem>): string =>
  problems
    .map((p) => `${escapeControls(p.file)}:${p.line}:${p.column}  ${escapeControls(p.code)}  ${p.severity === "warning" ? "warning: " : ""}${escapeControls(p.message)}`)
    .join("\n")

// JSON.stringify escapes C0 controls; the rest of UNSAFE is legal in JSON but not harmless on a
// terminal, so it is written as \uXXXX escapes too (the parsed strings are unchanged). The C0
// range is left out here: outside strings it is only the pretty-printing's own line breaks.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const json = (problems: ReadonlyArray<Problem>): string =>
  JSON.stringify(
    problems.map(({ file, line, column, code, severity, message }) => ({ file, line, column, code, severity, message })),
    null,
    2,
  ).replace(UNSAFE_IN_JSON, (c) => `\\u${hex(c)}`)

// GitHub workflow commands: property values escape %, CR, LF, ":" and ","; the message escapes %,
// CR, LF (shown as line breaks in the annotation). Other controls are escaped as in text output.
const escapeData = (s: string) => escapeControls(s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A"))
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C")

const github = (problems: ReadonlyArray<Problem>): string =>
  problems
    .map((p) =>
      `::${p.severity === "warning" ? "warning" : "error"} file=${escapeProperty(p.file)},line=${p.line},col=${p.column},title=${escapeProperty(p.code)}::${escapeData(p.message)}`)
    .join("\n")

export const formatProblems = (problems: ReadonlyArray<Problem>, format: ReportFormat): string =>
  format === "json" ? json(problems) : format === "github" ? github(problems) : text(problems)
