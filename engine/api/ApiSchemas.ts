import { Schema } from "effect"

/**
 * A timestamp in API answers: a Date in the handlers, ISO text on the wire (the JSON encoder
 * writes Dates as ISO strings), and `date-time` in the OpenAPI document.
 */
export const DateTime = Schema.DateFromSelf.pipe(Schema.annotations({ jsonSchema: { type: "string", format: "date-time" } }))

/**
 * A whole number within bounds, one check with one message that says the bound (`Schema.Int`
 * then `between` would answer "expected an integer" for 1e300 and never say the range).
 */
export const BoundedInt = (min: number, max: number, what: string) =>
  Schema.Number.pipe(Schema.filter((n) => Number.isInteger(n) && n >= min && n <= max, {
    message: () => `${what} is a whole number from ${min} to ${max}`,
    jsonSchema: { type: "integer", minimum: min, maximum: max },
  }))

/** A rule version: Postgres `integer`, so the bound is said, not discovered as a 500. */
export const VersionNumber = BoundedInt(1, 2_147_483_647, "a version")

/** The same in a URL (path segment or query parameter). */
export const VersionParam = Schema.compose(Schema.NumberFromString, VersionNumber)

/** Free text a person writes (a reason, a comment, a description), bounded so no row carries megabytes. */
export const Note = (max: number) => Schema.String.pipe(Schema.maxLength(max, {
  message: (issue) => `at most ${max} characters are accepted; this has ${String(issue.actual).length}`,
}))

/** `limit` of a paged list route: how many items one page holds. */
export const PageLimit = (max: number) => Schema.compose(Schema.NumberFromString, BoundedInt(1, max, "limit"))
