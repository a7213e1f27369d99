import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

// Status annotations let the HTTP API answer each domain error with its own code and body.

/** A quantity that is not a whole number in range: the ledger counts units. */
export class InvalidQuantity extends Schema.TaggedError<InvalidQuantity>()("InvalidQuantity", {
  sku: Schema.String,
  quantity: Schema.Unknown,
  message: Schema.String,
}, HttpApiSchema.annotations({ status: 422 })) {}

/** On hand would drop below what accepted orders already hold. */
export class OnHandBelowReserved extends Schema.TaggedError<OnHandBelowReserved>()("OnHandBelowReserved", {
  sku: Schema.String,
  onHand: Schema.Int,
  reserved: Schema.Int,
}, HttpApiSchema.annotations({ status: 409 })) {
  override get message() { return `${this.sku}: on hand ${this.onHand} would be below the ${this.reserved} reserved by open orders` }
}

export class SkuNotFound extends Schema.TaggedError<SkuNotFound>()("SkuNotFound", {
  sku: Schema.String,
}, HttpApiSchema.annotations({ status: 404 })) {
  override get message() { return `no stock record for SKU "${this.sku}"` }
}

/** The connection does not exist or belongs to another tenant: both look the same from outside. */
export class ConnectionNotFound extends Schema.TaggedError<ConnectionNotFound>()("ConnectionNotFound", {
  connectionId: Schema.String,
}, HttpApiSchema.annotations({ status: 404 })) {
  override get message() { return `no connection ${this.connectionId} for this tenant` }
}

export const CsvProblem = Schema.Struct({ line: Schema.Int, message: Schema.String })
export type CsvProblem = typeof CsvProblem.Type

/** Every bad line of a stock CSV; when this is raised nothing was applied. */
export class StockCsvInvalid extends Schema.TaggedError<StockCsvInvalid>()("StockCsvInvalid", {
  problems: Schema.Array(CsvProblem),
}, HttpApiSchema.annotations({ status: 422 })) {
  override get message() { return this.problems.map((p) => `line ${p.line}: ${p.message}`).join("\n") }
}

/** The buffer rule gave something that is not a number. */
export class InvalidBuffer extends Schema.TaggedError<InvalidBuffer>()("InvalidBuffer", {
  sku: Schema.String,
  value: Schema.String,
}) {
  override get message() { return `the stock buffer for ${this.sku} is not a number: ${this.value}` }
}

/** A channel refused or failed a stock read/write; `outcome` drives the caller's retry. */
export class StockTargetFailed extends Schema.TaggedError<StockTargetFailed>()("StockTargetFailed", {
  operation: Schema.String,
  outcome: Schema.Literal("retryable", "permanent", "unknown-outcome"),
  message: Schema.String,
}) {}
