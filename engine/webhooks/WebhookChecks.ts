/**
 * What a webhook must be, beyond being authentic, before the intake stores it (issue #12): a
 * lexoffice event inside the age window, with ids in one spelling; no NUL anywhere; a signature
 * header in exactly one spelling. Pure functions, so the fuzz tests can hammer them directly too.
 */
import { Either } from "effect"

/**
 * How old a signed lexoffice event may be. lexoffice retries a failed delivery for about 41
 * hours (10 s … 160 s, then a 30-minute pause and 20 retries 2 h apart: reference
 * lexoffice-dhl.md §8), so 48 hours takes every genuine retry; an older event can only be a
 * replay. Whatever it announced, the heartbeat reconciles anyway.
 */
export const LEXOFFICE_EVENT_MAX_AGE_MS = 48 * 60 * 60 * 1000
/** Clocks differ a little; an event from further in the future than this is not genuine. */
export const LEXOFFICE_EVENT_MAX_SKEW_MS = 5 * 60 * 1000

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// lexoffice event types are lower case, dotted: "article.changed", "credit-note.status.changed"
const EVENT_TYPE = /^[a-z][a-z-]*(\.[a-z][a-z-]*){1,3}$/
// ISO 8601 with an offset, as lexoffice writes it: 2023-04-11T12:30:00.000+02:00
const EVENT_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/

export interface LexofficeEvent {
  readonly organizationId: string
  readonly eventType: string
  readonly resourceId: string
  readonly eventDate: string
}

const shown = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s)

/**
 * The event with its ids normalised (resource id lower case, date as a UTC instant) so one event
 * has one dedupe key however it is spelled, or why it is refused.
 */
export const checkLexofficeEvent = (event: LexofficeEvent, now: Date): Either.Either<LexofficeEvent, string> => {
  if (hasNul(event)) return Either.left("the event contains a NUL character (\\u0000); no lexoffice event does")
  const eventType = event.eventType.toLowerCase()
  if (!EVENT_TYPE.test(eventType)) return Either.left(`eventType ${shown(event.eventType)} is not a lexoffice event type`)
  if (!UUID.test(event.resourceId)) return Either.left(`resourceId ${shown(event.resourceId)} is not a lexoffice id (a UUID)`)
  const at = EVENT_DATE.test(event.eventDate) ? Date.parse(event.eventDate) : NaN
  if (Number.isNaN(at)) return Either.left(`eventDate ${shown(event.eventDate)} is not an ISO 8601 time with an offset`)
  const age = now.getTime() - at
  if (age > LEXOFFICE_EVENT_MAX_AGE_MS) {
    return Either.left(`the event is from ${new Date(at).toISOString()}, older than the ${LEXOFFICE_EVENT_MAX_AGE_MS / 3_600_000} hours accepted; the heartbeat reconciles what it announced`)
  }
  if (-age > LEXOFFICE_EVENT_MAX_SKEW_MS) return Either.left(`the event is dated ${new Date(at).toISOString()}, in the future`)
  return Either.right({ organizationId: event.organizationId, eventType, resourceId: event.resourceId.toLowerCase(), eventDate: new Date(at).toISOString() })
}

/** Standard base64 (RFC 4648 §4) with its padding, and only that: decoding and re-encoding gives it back. */
export const isCanonicalBase64 = (text: string) =>
  text.length > 0 && text.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(text) &&
  Buffer.from(text, "base64").toString("base64") === text

/** Whether any string (key or value) anywhere in a JSON value holds NUL; iterative, so depth cannot overflow it. */
export const hasNul = (value: unknown): boolean => {
  const stack: Array<unknown> = [value]
  while (stack.length > 0) {
    const v = stack.pop()
    if (typeof v === "string") {
      if (v.includes("\u0000")) return true
    } else if (v !== null && typeof v === "object") {
      for (const [k, child] of Object.entries(v)) {
        if (k.includes("\u0000")) return true
        stack.push(child)
      }
    }
  }
  return false
}

/** A person-readable answer for each way a BigCommerce callback fails verification. */
export const bigCommerceRejection = (reason: "missing-secret" | "wrong-secret" | "malformed-body") => {
  switch (reason) {
    case "missing-secret": return { status: 401, message: "the webhook secret header is missing: register the hook with the header Vortex gave it" }
    case "wrong-secret": return { status: 401, message: "the webhook secret header does not match this connection's secret" }
    case "malformed-body": return { status: 400, message: "the body is not a BigCommerce webhook notification (JSON with scope, store_id, data, hash, created_at, producer)" }
  }
}
