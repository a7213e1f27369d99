/**
 * The failures a BigCommerce call can end in, decided where the answer is read. Transport
 * trouble, exhausted retries and unknown outcomes stay the HTTP layer's `HttpFailure`s.
 */
import { Schema } from "effect"
import type { HttpFailure } from "../http/index.js"

/** 422: the payload was refused; `errors` maps each field to BigCommerce's message. */
export class BigCommerceValidationFailed extends Schema.TaggedError<BigCommerceValidationFailed>()("BigCommerceValidationFailed", {
  operation: Schema.String,
  status: Schema.Literal(422, 400),
  title: Schema.String,
  errors: Schema.Record({ key: Schema.String, value: Schema.String }),
}) {}

/** 409: e.g. a duplicate SKU or product name. */
export class BigCommerceConflict extends Schema.TaggedError<BigCommerceConflict>()("BigCommerceConflict", {
  operation: Schema.String,
  title: Schema.String,
}) {}

export class BigCommerceNotFound extends Schema.TaggedError<BigCommerceNotFound>()("BigCommerceNotFound", {
  operation: Schema.String,
  title: Schema.String,
}) {}

/** Any other refusal (401, 403, 413, …): repeating the request gets the same answer. */
export class BigCommerceRejected extends Schema.TaggedError<BigCommerceRejected>()("BigCommerceRejected", {
  operation: Schema.String,
  status: Schema.Int,
  title: Schema.String,
}) {}

/** A 2xx answer that does not have the documented shape. */
export class BigCommerceUnexpectedResponse extends Schema.TaggedError<BigCommerceUnexpectedResponse>()("BigCommerceUnexpectedResponse", {
  operation: Schema.String,
  message: Schema.String,
}) {}

/** An incoming webhook request without the secret header we registered. */
export class WebhookRejected extends Schema.TaggedError<WebhookRejected>()("WebhookRejected", {
  reason: Schema.Literal("missing-secret", "wrong-secret", "malformed-body"),
}) {}

export type BigCommerceError =
  | BigCommerceValidationFailed
  | BigCommerceConflict
  | BigCommerceNotFound
  | BigCommerceRejected
  | BigCommerceUnexpectedResponse
  | HttpFailure
