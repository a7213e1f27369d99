import { Ajv2020 } from "ajv/dist/2020.js"
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js"
import pipelineSchema from "../../schemas/pipeline.schema.json" with { type: "json" }
import type { ProblemCode } from "./codes.js"
import type { JsonSchema } from "./flowTypes.js"
import type { Position } from "./Problem.js"
import { didYouMean } from "./Suggestion.js"
import type { ParsedYaml } from "./YamlDocument.js"
import { keyPosition, mappingPosition, pointerSegments, valuePosition, type PathSegment } from "./YamlPosition.js"

export interface SchemaFinding {
  readonly code: ProblemCode
  readonly position: Position
  readonly message: string
}

// Formats checked with our own expressions: ajv-formats would be one more dependency for five
// patterns, and these are what the schemas promise (ISO dates, RFC 4122-shaped ids).
const formats: Record<string, RegExp> = {
  date: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
  "date-time": /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)$/i,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  uri: /^[a-z][a-z0-9+.-]*:\/\/[^\s]+$/i,
}

/**
 * ajv merges a referenced schema's errors into the caller's with
 * `vErrors = vErrors === null ? v.errors : vErrors.concat(v.errors)`: a copy of every error so
 * far, per failing `$ref`. With allErrors on, 32 000 bad list items cost 32 000 copies of a
 * growing list (seconds; minutes at 64 000). Appending in place is the same result in linear
 * time. The count lets a test notice when an ajv upgrade changes the generated code.
 */
const REF_ERRORS_MERGE = /vErrors = vErrors === null \? ([\w.]+)\.errors : vErrors\.concat\(\1\.errors\);/g
export const generatedCode = { refMergesRewritten: 0, concatLeft: 0 }

const appendRefErrors = (code: string): string => {
  const rewritten = code.replace(REF_ERRORS_MERGE, (_, fn: string) => {
    generatedCode.refMergesRewritten++
    return `if (vErrors === null) vErrors = ${fn}.errors; else for (const e of ${fn}.errors) vErrors.push(e);`
  })
  generatedCode.concatLeft += (rewritten.match(/vErrors\.concat\(/g) ?? []).length
  return rewritten
}

const makeAjv = (): Ajv2020 => {
  const ajv = new Ajv2020({
    allErrors: true,
    verbose: true,
    strict: true,
    // the map-value `if` branches test for a key (`for`, `rule`) without declaring it there
    strictRequired: false,
    allowUnionTypes: true,
    code: { process: appendRefErrors },
  })
  // Vortex annotations: ajv only needs to accept them; the DSL checker and the messages read them.
  ajv.addVocabulary(["x-vortex-type", "x-vortex-currency", "x-vortex-currency-field", "x-vortex-message"])
  for (const [name, pattern] of Object.entries(formats)) ajv.addFormat(name, pattern)
  return ajv
}

const ajv = makeAjv()
let pipelineValidator: ValidateFunction | undefined

/** The compiled pipeline schema (compiled on first use: `vortex validate --help` needs none). */
export const pipelineValidatorFn = (): ValidateFunction => (pipelineValidator ??= ajv.compile(pipelineSchema))

const validatePipelineValue = (value: unknown): ReadonlyArray<ErrorObject> => {
  const validate = pipelineValidatorFn()
  return validate(value) ? [] : (validate.errors ?? [])
}

/** Checks a parsed pipeline against schemas/pipeline.schema.json. */
export const checkPipelineSchema = (parsed: ParsedYaml): ReadonlyArray<SchemaFinding> =>
  describeErrors(parsed, validatePipelineValue(parsed.value), [])

const partialValidators = new Map<JsonSchema, ValidateFunction>()

/**
 * Checks a fragment of the document (a test's `input` or `expect`) against a canonical record
 * schema loosened for tests: every `required` dropped (a test may leave fields out, but may not
 * invent or mistype them), and exact-decimal fields accept quoted decimals even where the wire
 * carries a JSON number, so test authors can write "10.00" instead of a YAML float.
 */
export const checkPartialRecord = (
  parsed: ParsedYaml,
  schema: JsonSchema,
  value: unknown,
  at: ReadonlyArray<PathSegment>,
  code: ProblemCode,
): ReadonlyArray<SchemaFinding> => {
  let validate = partialValidators.get(schema)
  if (validate === undefined) {
    validate = ajv.compile(forTests(schema) as object)
    partialValidators.set(schema, validate)
  }
  if (validate(value)) return []
  return describeErrors(parsed, validate.errors ?? [], at).map((f) => ({ ...f, code }))
}

const exactDecimal = new Set(["decimal", "money", "percent"])
const DECIMAL_TEXT = "^-?[0-9]+(\\.[0-9]+)?$"

const forTests = (schema: unknown): unknown => {
  if (Array.isArray(schema)) return schema.map(forTests)
  if (schema === null || typeof schema !== "object") return schema
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(schema)) {
    if (k === "required" || k === "minItems") continue
    // the loosened copy must not collide with the original's $id in the shared ajv instance
    out[k] = k === "$id" ? `${String(v)}:test` : forTests(v)
  }
  if (exactDecimal.has(String(out["x-vortex-type"])) && out["type"] === "number") {
    out["type"] = ["string", "number"]
    out["pattern"] = DECIMAL_TEXT
  }
  return out
}

const codeByKeyword: Record<string, ProblemCode> = {
  additionalProperties: "VX010",
  unevaluatedProperties: "VX010",
  required: "VX011",
  type: "VX012",
  enum: "VX013",
  const: "VX013",
  pattern: "VX014",
  format: "VX014",
  propertyNames: "VX014",
  minimum: "VX015",
  maximum: "VX015",
  exclusiveMinimum: "VX015",
  exclusiveMaximum: "VX015",
  minLength: "VX015",
  maxLength: "VX015",
  minItems: "VX015",
  maxItems: "VX015",
  minProperties: "VX015",
  maxProperties: "VX015",
}

/** Keywords whose message a schema may replace with a friendlier `x-vortex-message`. */
const customisable = new Set(["type", "pattern", "format", "minimum", "maximum", "minLength", "const", "anyOf"])

const describeErrors = (
  parsed: ParsedYaml,
  errors: ReadonlyArray<ErrorObject>,
  base: ReadonlyArray<PathSegment>,
): ReadonlyArray<SchemaFinding> => {
  const anyOfPaths = errors.filter((e) => e.keyword === "anyOf").map((e) => e.schemaPath + "/")
  const relevant = errors.filter(
    (e) =>
      // `if` only says "the then/else branch failed"; the branch's own errors say why
      e.keyword !== "if" &&
      // inside a failed anyOf, each branch's complaint is noise; the anyOf error speaks for them
      !anyOfPaths.some((p) => e.schemaPath.startsWith(p)) &&
      // propertyNames reports the name's pattern failure and then itself; keep one
      !(e.keyword === "pattern" && e.propertyName !== undefined),
  )
  const seen = new Set<string>()
  const findings: Array<SchemaFinding> = []
  for (const error of relevant) {
    const finding = describe(parsed, error, [...base, ...pointerSegments(error.instancePath)])
    const key = `${finding.code}|${finding.position.line}|${finding.position.column}|${finding.message}`
    if (seen.has(key)) continue
    seen.add(key)
    findings.push(finding)
  }
  return findings
}

const humanPath = (path: ReadonlyArray<PathSegment>): string =>
  path.reduce<string>((acc, seg) => (/^\d+$/.test(String(seg)) ? `${acc}[${seg}]` : acc === "" ? String(seg) : `${acc}.${seg}`), "")

const jsonType = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "a list" : typeof value === "object" ? "a mapping" : typeof value === "string" ? `string ${JSON.stringify(value)}` : `${typeof value} ${String(value)}`

const describe = (parsed: ParsedYaml, error: ErrorObject, path: ReadonlyArray<PathSegment>): SchemaFinding => {
  const code = codeByKeyword[error.keyword] ?? "VX016"
  const where = humanPath(path)
  const prefix = where === "" ? "" : `${where}: `
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>
  const custom = typeof parent["x-vortex-message"] === "string" && customisable.has(error.keyword)
    ? (parent["x-vortex-message"] as string)
    : undefined
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case "additionalProperties": {
      const name = String(params["additionalProperty"])
      const allowed = Object.keys((parent["properties"] ?? {}) as object)
      const hint = didYouMean(name, allowed)
      const list = hint === "" && allowed.length > 0 ? `; allowed here: ${allowed.join(", ")}` : ""
      return {
        code,
        position: keyPosition(parsed, [...path, name]),
        message: `${prefix}unknown key "${name}"${hint}${list}`,
      }
    }
    case "required":
      return {
        code,
        position: mappingPosition(parsed, path),
        message: `${where === "" ? "pipeline" : where}: missing required key "${String(params["missingProperty"])}"`,
      }
    case "propertyNames": {
      const name = String(params["propertyName"])
      const names = (parent["propertyNames"] ?? {}) as Record<string, unknown>
      const why = typeof names["x-vortex-message"] === "string" ? names["x-vortex-message"] : "invalid key"
      return { code, position: keyPosition(parsed, [...path, name]), message: `${prefix}key "${name}": ${String(why)}` }
    }
    case "type":
      return {
        code,
        position: valuePosition(parsed, path),
        message: `${prefix}${custom ?? `must be ${String(params["type"]).replace(",", " or ")}`}, got ${jsonType(error.data)}`,
      }
    case "enum": {
      const allowed = (params["allowedValues"] ?? []) as ReadonlyArray<unknown>
      const hint = typeof error.data === "string" ? didYouMean(error.data, allowed.map(String)) : ""
      return {
        code,
        position: valuePosition(parsed, path),
        message: `${prefix}${JSON.stringify(error.data)} is not allowed${hint}; one of: ${allowed.map(String).join(", ")}`,
      }
    }
    case "const":
      return {
        code,
        position: valuePosition(parsed, path),
        message: `${prefix}${custom ?? `must be ${JSON.stringify(params["allowedValue"])}`}, got ${jsonType(error.data)}`,
      }
    case "anyOf":
      return {
        code,
        position: mappingPosition(parsed, path),
        message: `${prefix}${custom ?? "does not match any of the allowed shapes"}`,
      }
    case "minProperties":
      return {
        code,
        position: mappingPosition(parsed, path),
        message: `${prefix}must have at least ${String(params["limit"])} entr${params["limit"] === 1 ? "y" : "ies"}`,
      }
    default:
      return {
        code,
        position: valuePosition(parsed, path),
        message: `${prefix}${custom ?? error.message ?? "invalid value"}${custom === undefined ? "" : `, got ${jsonType(error.data)}`}`,
      }
  }
}
