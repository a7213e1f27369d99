import { Schema } from "effect"

/**
 * A timestamp in API answers: a Date in the handlers, ISO text on the wire (the JSON encoder
 * writes Dates as ISO strings), and `date-time` in the OpenAPI document.
 */
export const DateTime = Schema.DateFromSelf.pipe(Schema.annotations({ jsonSchema: { type: "string", format: "date-time" } }))

/** A rule version: Postgres `integer`, so the bound is said, not discovered as a 500. */
export const VersionNumber = Schema.Int.pipe(Schema.between(1, 2_147_483_647, {
  message: () => "a version is a whole number from 1 to 2147483647",
}))

/** The same in a URL (path segment or query parameter). */
export const VersionParam = Schema.compose(Schema.NumberFromString, VersionNumber)

/** Free text a person writes (a reason, a comment, a description), bounded so no row carries megabytes. */
export const Note = (max: number) => Schema.String.pipe(Schema.maxLength(max, {
  message: (issue) => `at most ${max} characters are accepted; this has ${String(issue.actual).length}`,
}))

/** `limit` of a paged list route: how many items one page holds. */
export const PageLimit = (max: number) => Schema.compose(Schema.NumberFromString, Schema.Int.pipe(Schema.between(1, max, {
  message: () => `limit is a whole number from 1 to ${max}`,
})))
