import { Either, Schema } from "effect"
import type { HttpFailure, Outcome } from "../http/index.js"
import { LegacyErrorBody, MessageErrorBody, RegularErrorBody } from "./schemas.js"
import { parseJson } from "./Wire.js"

/**
 * The typed failures of the lexoffice client. Each carries the `outcome` decided by the HTTP
 * layer, so callers decide retry/look-up/give-up without re-reading status codes.
 */

const OutcomeSchema = Schema.Literal("retryable", "permanent", "unknown-outcome")

export const ValidationDetail = Schema.Struct({
  field: Schema.String,
  message: Schema.String,
  violation: Schema.String,
})
export type ValidationDetail = typeof ValidationDetail.Type

/** 406: the payload broke a rule; one entry per offending field, from either error format. */
export class LexofficeValidationError extends Schema.TaggedError<LexofficeValidationError>()("LexofficeValidationError", {
  operation: Schema.String,
  status: Schema.Literal(406),
  message: Schema.String,
  details: Schema.Array(ValidationDetail),
  outcome: OutcomeSchema,
}) {}

/** 409: a stale `version` on PUT, a draft's `/file`, a duplicate subscription, a second credit note. */
export class LexofficeConflict extends Schema.TaggedError<LexofficeConflict>()("LexofficeConflict", {
  operation: Schema.String,
  message: Schema.String,
  outcome: OutcomeSchema,
}) {}

export class LexofficeNotFound extends Schema.TaggedError<LexofficeNotFound>()("LexofficeNotFound", {
  operation: Schema.String,
  message: Schema.String,
  outcome: OutcomeSchema,
}) {}

/** 401/402/403: the key is wrong, revoked, lacks a scope, or the contract lapsed. (A 401 can also mean lexoffice is down.) */
export class LexofficeAccessDenied extends Schema.TaggedError<LexofficeAccessDenied>()("LexofficeAccessDenied", {
  operation: Schema.String,
  status: Schema.Int,
  message: Schema.String,
  outcome: OutcomeSchema,
}) {}

/** Any other refusal: 400, 405, 415, … Repeating it will not help. */
export class LexofficeRequestRejected extends Schema.TaggedError<LexofficeRequestRejected>()("LexofficeRequestRejected", {
  operation: Schema.String,
  status: Schema.Int,
  message: Schema.String,
  outcome: OutcomeSchema,
}) {}

/** Retries exhausted on 429/5xx/network, or a non-retried server error on a read. */
export class LexofficeUnavailable extends Schema.TaggedError<LexofficeUnavailable>()("LexofficeUnavailable", {
  operation: Schema.String,
  status: Schema.optional(Schema.Int),
  message: Schema.String,
  outcome: OutcomeSchema,
}) {}

/**
 * A create may or may not have happened (504 "possibly processed", a timeout, a lost connection).
 * Not a failure of the voucher: the caller must look for it (voucherlist + marker) before creating again.
 */
export class LexofficeUnknownOutcome extends Schema.TaggedError<LexofficeUnknownOutcome>()("LexofficeUnknownOutcome", {
  operation: Schema.String,
  status: Schema.optional(Schema.Int),
  message: Schema.String,
  outcome: Schema.Literal("unknown-outcome"),
}) {}

/**
 * A 2xx answer that does not match the documented shape. After a create the voucher exists but
 * its id is unreadable, so the outcome is `unknown-outcome` there; on a read it is `permanent`.
 */
export class LexofficeBadResponse extends Schema.TaggedError<LexofficeBadResponse>()("LexofficeBadResponse", {
  operation: Schema.String,
  message: Schema.String,
  outcome: OutcomeSchema,
}) {}

/** Refused before sending: the body cannot be written in lexoffice's wire format (e.g. an amount beyond 15 digits). */
export class LexofficeInvalidRequest extends Schema.TaggedError<LexofficeInvalidRequest>()("LexofficeInvalidRequest", {
  operation: Schema.String,
  message: Schema.String,
  outcome: Schema.Literal("permanent"),
}) {}

export class WebhookSignatureInvalid extends Schema.TaggedError<WebhookSignatureInvalid>()("WebhookSignatureInvalid", {
  reason: Schema.String,
}) {}

export type LexofficeError =
  | LexofficeValidationError
  | LexofficeConflict
  | LexofficeNotFound
  | LexofficeAccessDenied
  | LexofficeRequestRejected
  | LexofficeUnavailable
  | LexofficeUnknownOutcome

interface ParsedBody {
  readonly message: string
  readonly details: ReadonlyArray<ValidationDetail>
}

const decodeRegular = Schema.decodeUnknownEither(RegularErrorBody)
const decodeLegacy = Schema.decodeUnknownEither(LegacyErrorBody)
const decodeMessage = Schema.decodeUnknownEither(MessageErrorBody)

/** Reads any of lexoffice's error body formats: regular (`details[]`), legacy (`IssueList[]`), or `{message}`. */
export const parseErrorBody = (text: string): ParsedBody => {
  const json = parseJson(text)
  if (Either.isLeft(json)) return { message: text.slice(0, 500), details: [] }
  const legacy = decodeLegacy(json.right)
  if (Either.isRight(legacy)) {
    const issues = legacy.right.IssueList
    return {
      message: issues.map((i) => `${i.source ?? "?"}: ${i.i18nKey}`).join("; "),
      details: issues.map((i) => ({ field: i.source ?? "", message: i.i18nKey, violation: i.type })),
    }
  }
  const regular = decodeRegular(json.right)
  if (Either.isRight(regular)) {
    return {
      message: regular.right.message ?? regular.right.error ?? `status ${regular.right.status}`,
      details: (regular.right.details ?? []).map((d) => ({ field: d.field, message: d.message, violation: d.violation ?? "" })),
    }
  }
  const plain = decodeMessage(json.right)
  if (Either.isRight(plain)) return { message: plain.right.message ?? "(no message)", details: [] }
  return { message: text.slice(0, 500), details: [] }
}

/** Maps an HTTP-layer failure to the lexoffice error a caller handles. */
export const fromHttpFailure = (operation: string, failure: HttpFailure): LexofficeError => {
  const outcome: Outcome = failure.outcome
  if (outcome === "unknown-outcome") {
    return new LexofficeUnknownOutcome({
      operation,
      status: failure._tag === "HttpStatusFailure" ? failure.status : undefined,
      message: failure.message,
      outcome,
    })
  }
  if (failure._tag !== "HttpStatusFailure") return new LexofficeUnavailable({ operation, message: failure.message, outcome })
  const body = parseErrorBody(failure.body)
  switch (failure.status) {
    case 406:
      return new LexofficeValidationError({ operation, status: 406, message: body.message, details: body.details, outcome })
    case 409:
      return new LexofficeConflict({ operation, message: body.message, outcome })
    case 404:
      return new LexofficeNotFound({ operation, message: body.message, outcome })
    case 401:
    case 402:
    case 403:
      return new LexofficeAccessDenied({ operation, status: failure.status, message: body.message, outcome })
  }
  if (failure.status === 429 || failure.status >= 500) {
    return new LexofficeUnavailable({ operation, status: failure.status, message: body.message, outcome })
  }
  return new LexofficeRequestRejected({ operation, status: failure.status, message: body.message, outcome })
}
