import type { Problem } from "./Problem.js"

export const reportFormats = ["text", "json", "github"] as const
export type ReportFormat = (typeof reportFormats)[number]

/** `path:line:col  CODE  message`, one line per problem: clickable in terminals and editors. */
const text = (problems: ReadonlyArray<Problem>): string =>
  problems
    .map((p) => `${p.file}:${p.line}:${p.column}  ${p.code}  ${p.severity === "warning" ? "warning: " : ""}${p.message}`)
    .join("\n")

const json = (problems: ReadonlyArray<Problem>): string =>
  JSON.stringify(
    problems.map(({ file, line, column, code, severity, message }) => ({ file, line, column, code, severity, message })),
    null,
    2,
  )

// GitHub workflow commands: property values escape %, CR, LF, ":" and ","; the message escapes %, CR, LF.
const escapeData = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A")
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C")

const github = (problems: ReadonlyArray<Problem>): string =>
  problems
    .map((p) =>
      `::${p.severity === "warning" ? "warning" : "error"} file=${escapeProperty(p.file)},line=${p.line},col=${p.column},title=${escapeProperty(p.code)}::${escapeData(p.message)}`)
    .join("\n")

export const formatProblems = (problems: ReadonlyArray<Problem>, format: ReportFormat): string =>
  format === "json" ? json(problems) : format === "github" ? github(problems) : text(problems)
