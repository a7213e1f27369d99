import { Data } from "effect"

/**
 * What a caller may do after a failed call. Decided once, where the failure is born:
 * - `retryable`: the call was certainly not performed (or repeating it is harmless);
 * - `permanent`: repeating the same request gets the same answer (4xx);
 * - `unknown-outcome`: a non-idempotent call may have been performed (504, timeout, a connection
 *   dropped after sending). Retrying blindly could create a duplicate; the caller must look first.
 */
export type Outcome = "retryable" | "permanent" | "unknown-outcome"

interface FailureContext {
  readonly connector: string
  readonly method: string
  /** Already redacted: safe to log. */
  readonly url: string
  readonly outcome: Outcome
  /** How many attempts were made before this failure surfaced. */
  readonly attempts: number
}

/** The server answered with a non-2xx status. `body` is the raw response text (redacted of known secrets). */
export class HttpStatusFailure extends Data.TaggedError("HttpStatusFailure")<FailureContext & {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** Server-requested wait before the next attempt (Retry-After, X-Rate-Limit-Time-Reset-Ms). */
  readonly retryAfterMs: number | undefined
}> {
  override get message() {
    return `${this.connector}: ${this.method} ${this.url} answered ${this.status} (${this.outcome}, ${this.attempts} attempt(s))`
  }
}

/** No HTTP answer at all: refused, reset, DNS, TLS. */
export class HttpTransportFailure extends Data.TaggedError("HttpTransportFailure")<FailureContext & {
  readonly reason: string
}> {
  override get message() {
    return `${this.connector}: ${this.method} ${this.url} failed in transport: ${this.reason} (${this.outcome})`
  }
}

/** No complete answer within the per-attempt timeout. */
export class HttpTimeout extends Data.TaggedError("HttpTimeout")<FailureContext & {
  readonly timeoutMs: number
}> {
  override get message() {
    return `${this.connector}: ${this.method} ${this.url} timed out after ${this.timeoutMs} ms (${this.outcome})`
  }
}

export type HttpFailure = HttpStatusFailure | HttpTransportFailure | HttpTimeout

/**
 * Outcome of a status code. 429 and 503 mean the call was refused before it ran (lexoffice:
 * "the actual call will not be performed"), so even a create may be repeated. A 500/502/504 on
 * a create may have committed: lexoffice's 504 says "it is possible that your request has been
 * processed successfully" (API docs, HTTP status codes).
 */
export const classifyStatus = (status: number, idempotent: boolean): Outcome => {
  if (status === 429 || status === 503) return "retryable"
  if (status === 408 || status >= 500) return idempotent ? "retryable" : "unknown-outcome"
  return "permanent"
}

// Errors raised before any byte reached the server: repeating is always safe.
const NEVER_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"])

/** Walks an error's `cause` chain for a Node/undici error code. */
export const transportErrorCode = (error: unknown): string | undefined => {
  let current: unknown = error
  for (let depth = 0; depth < 6 && current !== null && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === "string") return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

export const classifyTransport = (code: string | undefined, idempotent: boolean): Outcome =>
  code !== undefined && NEVER_SENT.has(code) ? "retryable" : idempotent ? "retryable" : "unknown-outcome"

export const classifyTimeout = (idempotent: boolean): Outcome => (idempotent ? "retryable" : "unknown-outcome")
