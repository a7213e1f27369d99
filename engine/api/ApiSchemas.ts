import { Schema } from "effect"

/**
 * A timestamp in API answers: a Date in the handlers, ISO text on the wire (the JSON encoder
 * writes Dates as ISO strings), and `date-time` in the OpenAPI document.
 */
export const DateTime = Schema.DateFromSelf.pipe(Schema.annotations({ jsonSchema: { type: "string", format: "date-time" } }))
