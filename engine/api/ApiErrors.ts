/**
 * The one shape of every API error: `{ error, message, details }` with the status of the error
 * class (issue #12). Handlers fail with tagged domain errors; this layer turns whatever reaches
 * the edge — a domain error, a request that did not decode, a route that does not exist, a bug —
 * into that shape, so no route can answer an empty 500 or a stack trace.
 */
import { HttpApiError, HttpApiSchema, HttpServerError, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Effect, Option, ParseResult, Schema } from "effect"

export const ApiErrorBody = Schema.Struct({
  /** A stable name a program can switch on, e.g. `RuleInvalid`. */
  error: Schema.String,
  /** One or a few sentences for a person: what is wrong, where, and what would be accepted. */
  message: Schema.String,
  /** The error's own fields (problems, lines, bounds); `{}` when it has none. */
  details: Schema.Unknown,
}).annotations({ identifier: "ApiError" })
export type ApiErrorBody = typeof ApiErrorBody.Type

/**
 * The response for an error body. Clients written before the shape was fixed read the error's
 * fields at the top level (`_tag`, `problems`, …): they stay there beside `error`, `message`
 * and `details`.
 */
export const errorResponse = (status: number, body: ApiErrorBody) =>
  HttpServerResponse.unsafeJson({
    _tag: body.error,
    ...(typeof body.details === "object" && body.details !== null && !Array.isArray(body.details) ? body.details : {}),
    ...body,
  }, { status })

type Issue = { readonly path: ReadonlyArray<PropertyKey>; readonly message: string }

const pathText = (path: ReadonlyArray<PropertyKey>) =>
  path.length === 0 ? "the request" : path.map((p) => (typeof p === "number" ? `[${p}]` : String(p))).join(".").replace(/\.\[/g, "[")

/** Issues one per line, located ("payload.version: …"), at most ten so a huge body gives a short message. */
const describeIssues = (issues: ReadonlyArray<Issue>) => {
  const shown = issues.slice(0, 10).map((i) => `${pathText(i.path)}: ${i.message}`)
  const more = issues.length > 10 ? `\n… and ${issues.length - 10} more` : ""
  return `the request does not match what this route accepts:\n${shown.join("\n")}${more}`
}

/** A tagged error class that carries its HTTP status (`HttpApiSchema.annotations({ status })`). */
const statusOf = (error: unknown): Option.Option<{ status: number; schema: Schema.Schema.Any }> => {
  const ctor = (error as { constructor?: unknown } | null)?.constructor as Partial<Schema.Schema.Any> | undefined
  if (ctor === undefined || !Schema.isSchema(ctor)) return Option.none()
  const status = HttpApiSchema.getStatusErrorAST(ctor.ast)
  return status >= 400 && status < 500 || status === 503 ? Option.some({ status, schema: ctor }) : Option.none()
}

const domainError = (error: { readonly _tag: string; readonly message: string }, status: number, schema: Schema.Schema.Any) => {
  const encoded = Schema.encodeUnknownOption(schema as Schema.Schema<unknown, unknown>)(error)
  const { _tag: _, message: __, ...details } = Option.getOrElse(encoded, () => ({})) as Record<string, unknown>
  return errorResponse(status, { error: error._tag, message: error.message, details })
}

/** What the client did wrong, as a response; `undefined` for a failure that is ours (a 500). */
export const clientErrorResponse = (failure: unknown): HttpServerResponse.HttpServerResponse | undefined => {
  if (failure instanceof HttpApiError.HttpApiDecodeError) {
    return errorResponse(400, { error: "InvalidRequest", message: describeIssues(failure.issues), details: { issues: failure.issues } })
  }
  if (ParseResult.isParseError(failure)) {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(failure)
    return errorResponse(400, { error: "InvalidRequest", message: describeIssues(issues), details: { issues } })
  }
  if (HttpServerError.isServerError(failure) && failure._tag === "RouteNotFound") {
    return errorResponse(404, { error: "RouteNotFound", message: `no route ${failure.request.method} ${failure.request.url.split("?")[0]}`, details: {} })
  }
  if (typeof failure === "object" && failure !== null && "_tag" in failure && "message" in failure) {
    const tagged = failure as { readonly _tag: string; readonly message: string }
    const known = statusOf(failure)
    if (Option.isSome(known)) return domainError(tagged, known.value.status, known.value.schema)
  }
  return undefined
}

/**
 * The API-level middleware: domain and decode failures become their 4xx body, anything else is
 * logged with its cause and answered with a 500 that says so in the same shape (never the cause:
 * it may carry SQL or secrets).
 */
export const shapeErrors = <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  Effect.catchAllCause(app, (cause) => Effect.gen(function* () {
    // A client that went away needs no answer; let the server see the interruption.
    if (Cause.isInterruptedOnly(cause)) return yield* Effect.failCause(cause)
    const failure = Cause.failureOption(cause)
    if (Option.isSome(failure)) {
      const response = clientErrorResponse(failure.value)
      if (response !== undefined) return response
    }
    const request = yield* HttpServerRequest.HttpServerRequest
    yield* Effect.logError(`${request.method} ${request.url.split("?")[0]} failed`, cause)
    return errorResponse(500, {
      error: "InternalError",
      message: "Vortex failed to handle this request; the failure is logged. Retrying will not help until it is fixed.",
      details: {},
    })
  }))
