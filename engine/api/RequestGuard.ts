/**
 * What the API checks before a handler sees a request (issue #12): the URL is clean, the body has
 * the route's media type and fits the route's size limit, and a JSON body parses and is not
 * absurdly deep. Each refusal is a located 4xx in the API error shape. The limits are documented
 * in the README (API part); change both together.
 */
import { HttpIncomingMessage, HttpServerRequest, type HttpServerResponse } from "@effect/platform"
import { Effect, Option } from "effect"
import { errorResponse } from "./ApiErrors.js"

const KiB = 1024
const MiB = 1024 * KiB

export interface RouteLimit {
  readonly method: string
  readonly path: RegExp
  /** The media type the route reads its body as. */
  readonly contentType: "application/json" | "text/yaml" | "text/csv"
  readonly maxBytes: number
}

/** Routes whose body differs from the default (JSON, 64 KiB). */
export const routeLimits: ReadonlyArray<RouteLimit> = [
  // a rule body with its test cases, or a lookup table of a few thousand rows
  { method: "POST", path: /^\/api\/rules$/, contentType: "application/json", maxBytes: 1 * MiB },
  { method: "POST", path: /^\/api\/rules\/[^/]+\/drafts$/, contentType: "application/json", maxBytes: 1 * MiB },
  { method: "POST", path: /^\/api\/rules\/[^/]+\/versions\/[^/]+\/preview$/, contentType: "application/json", maxBytes: 1 * MiB },
  { method: "POST", path: /^\/api\/rules\/import$/, contentType: "text/yaml", maxBytes: 1 * MiB },
  // 100 000 lines of `sku,on_hand` (MAX_CSV_LINES) fit comfortably
  { method: "POST", path: /^\/api\/stock\/import$/, contentType: "text/csv", maxBytes: 8 * MiB },
]

export const DEFAULT_LIMIT: Omit<RouteLimit, "method" | "path"> = { contentType: "application/json", maxBytes: 64 * KiB }
export const MAX_URL_LENGTH = 4 * KiB
export { MAX_JSON_DEPTH } from "../rules/RuleLimits.js"
import { MAX_JSON_DEPTH } from "../rules/RuleLimits.js"

const hasBody = (method: string) => method === "POST" || method === "PUT" || method === "PATCH"

const limitFor = (method: string, path: string) =>
  routeLimits.find((r) => r.method === method && r.path.test(path)) ?? DEFAULT_LIMIT

const sizeText = (bytes: number) => bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`

const refuse = (status: number, error: string, message: string, details: Record<string, unknown> = {}) =>
  Effect.succeed(Option.some(errorResponse(status, { error, message, details })))

/** Line and column (1-based) of a character offset, for a message a person can act on. */
export const position = (text: string, offset: number) => {
  let line = 1
  let lineStart = 0
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++
    lineStart = i + 1
  }
  return { line, column: offset - lineStart + 1 }
}

/**
 * How deep the JSON text nests, counted on the text so that the check itself cannot overflow a
 * stack; brackets inside strings do not count.
 */
export const jsonDepth = (text: string) => {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) max = Math.max(max, ++depth)
    else if (c === 125 || c === 93) depth--
  }
  return max
}

const CONTROL_ESCAPE = /%(?:[01][0-9a-f]|7f)/i
const TOKEN_PARAMS = /^(access_token|token|api_key|apikey)$/i

/** The query names that carry credentials and never belong in a URL (nor in a log line). */
export const isCredentialParam = (name: string) => TOKEN_PARAMS.test(name)

const checkUrl = (url: string) => {
  if (url.length > MAX_URL_LENGTH) return refuse(414, "UrlTooLong", `the URL has ${url.length} characters; at most ${MAX_URL_LENGTH} are accepted`)
  const [path = "", query = ""] = url.split("?", 2)
  const control = CONTROL_ESCAPE.exec(url)
  if (control !== null) {
    return refuse(400, "InvalidUrl", `the URL contains the control character ${control[0]} at position ${control.index + 1}; names and ids never contain control characters`)
  }
  try {
    decodeURIComponent(path)
    decodeURIComponent(query.replace(/\+/g, " "))
  } catch {
    return refuse(400, "InvalidUrl", "the URL has a malformed percent-escape (a % must be followed by two hex digits of valid UTF-8)")
  }
  for (const name of new URLSearchParams(query).keys()) {
    if (isCredentialParam(name)) {
      return refuse(400, "TokenInUrl", `an API token is accepted only in the Authorization header ("Authorization: Bearer <token>"), never in the URL parameter "${name}": URLs are logged and kept in histories. Revoke this token and issue a new one`)
    }
  }
  return Effect.succeed(Option.none<HttpServerResponse.HttpServerResponse>())
}

const mediaType = (header: string | undefined) => (header ?? "").split(";")[0]!.trim().toLowerCase()

const checkBody = (request: HttpServerRequest.HttpServerRequest, path: string) =>
  Effect.gen(function* () {
    const limit = limitFor(request.method, path)
    const declared = request.headers["content-length"]
    const type = mediaType(request.headers["content-type"])
    if (declared === "0" && type === "") return Option.none<HttpServerResponse.HttpServerResponse>()
    if (type !== limit.contentType && !(type === "" && limit.contentType === "application/json")) {
      return yield* refuse(415, "UnsupportedMediaType",
        `${request.method} ${path} takes a body of type ${limit.contentType}, not ${type === "" ? "an untyped one" : type}`,
        { expected: limit.contentType, received: type })
    }
    const tooLarge = refuse(413, "BodyTooLarge", `${request.method} ${path} accepts at most ${sizeText(limit.maxBytes)} (${limit.maxBytes} bytes)`, { maxBytes: limit.maxBytes })
    if (declared !== undefined && Number(declared) > limit.maxBytes) return yield* tooLarge
    // Read under the limit (a chunked body has no length to check up front); the text is cached,
    // so the handler's decoder reads this same string.
    const text = yield* request.text.pipe(HttpIncomingMessage.withMaxBodySize(Option.some(limit.maxBytes)), Effect.either)
    if (text._tag === "Left") {
      // the node body reader fails with "maxBytes exceeded" once the limit is passed
      return yield* (String(text.left.cause).includes("maxBytes")
        ? tooLarge
        : refuse(400, "BodyUnreadable", "the request body could not be read to its end"))
    }
    const body = text.right
    const nul = body.indexOf("\u0000")
    const escapedNul = limit.contentType === "application/json" ? /\\u0000/i.exec(body) : null
    const at = nul >= 0 ? nul : escapedNul?.index ?? -1
    if (at >= 0) {
      const { line, column } = position(body, at)
      return yield* refuse(400, "ControlCharacter", `the body contains a NUL character (\\u0000) at line ${line}, column ${column}; text fields cannot hold it`, { line, column })
    }
    if (limit.contentType !== "application/json") return Option.none()
    const depth = jsonDepth(body)
    if (depth > MAX_JSON_DEPTH) {
      return yield* refuse(400, "JsonTooDeep", `the JSON body nests ${depth} levels deep; at most ${MAX_JSON_DEPTH} are accepted`, { depth, maxDepth: MAX_JSON_DEPTH })
    }
    if (body.trim() === "") return Option.none()
    try {
      JSON.parse(body)
    } catch (e) {
      const offset = Number(/position (\d+)/.exec(String(e))?.[1] ?? NaN)
      const where = Number.isNaN(offset) ? "" : (({ line, column }) => ` at line ${line}, column ${column}`)(position(body, offset))
      return yield* refuse(400, "InvalidJson", `the body is not valid JSON${where}: ${e instanceof Error ? e.message : String(e)}`)
    }
    return Option.none()
  })

/** The API-level guard: a refusal response, or none to let the route handle the request. */
export const guardRequest = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const url = yield* checkUrl(request.url)
  if (Option.isSome(url)) return url
  const path = request.url.split("?", 1)[0]!
  if (!path.startsWith("/api/") || !hasBody(request.method)) return Option.none<HttpServerResponse.HttpServerResponse>()
  return yield* checkBody(request, path)
})
