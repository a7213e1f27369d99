import { Schema } from "effect"

/** The order could not be turned into an order-confirmation payload (the pipeline's `map:` failed). */
export class MappingFailed extends Schema.TaggedError<MappingFailed>()("MappingFailed", {
  reason: Schema.String,
}) {}

/** A delivery that is not a canonical channel order; nothing is stored. */
export class OrderInvalid extends Schema.TaggedError<OrderInvalid>()("OrderInvalid", {
  reason: Schema.String,
}) {}

/** The connection does not exist or belongs to another tenant. */
export class ConnectionNotFound extends Schema.TaggedError<ConnectionNotFound>()("ConnectionNotFound", {
  tenantId: Schema.String,
  connectionId: Schema.String,
}) {}

export class OrderNotFound extends Schema.TaggedError<OrderNotFound>()("OrderNotFound", {
  tenantId: Schema.String,
  connectionId: Schema.String,
  channelOrderId: Schema.String,
}) {}

/**
 * lexoffice (or the network to it) is unavailable for now: 429/5xx after the client's own
 * retries, a read that timed out. The order keeps its state; the next run picks it up.
 */
export class LexofficeBusy extends Schema.TaggedError<LexofficeBusy>()("LexofficeBusy", {
  operation: Schema.String,
  message: Schema.String,
}) {}

/** lexoffice refused the buyer's contact (406 and the like): the order cannot go out as is. */
export class ContactRejected extends Schema.TaggedError<ContactRejected>()("ContactRejected", {
  reason: Schema.String,
}) {}
