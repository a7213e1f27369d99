import { HttpApiBuilder, HttpIncomingMessage, HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Effect, Option, Redacted } from "effect"
import { createHash } from "node:crypto"
import { verifyWebhook } from "../../connectors/bigcommerce/WebhookVerifier.js"
import { CatalogDirtyIds, type DirtyEvent } from "../catalog/CatalogDirtyIds.js"
import { ConnectorClients } from "../connections/ConnectorClients.js"
import { JobQueue } from "../jobs/JobQueue.js"
import { LoadedPipelines } from "../runtime/LoadedPipelines.js"
import { Connections } from "../tenancy/Connections.js"
import { WebhookEvents } from "./WebhookEvents.js"
import { bigCommerceRejection, checkLexofficeEvent, hasNul, isCanonicalBase64 } from "./WebhookChecks.js"

/** The header Vortex asks BigCommerce to send with every callback of a hook it registered. */
export const BIGCOMMERCE_SECRET_HEADER = "X-Vortex-Webhook-Secret"

// Bodies are small JSON notifications; anything larger is not a webhook of these systems.
const MAX_BODY_BYTES = 64 * 1024

const answer = (status: number, message: string) => HttpServerResponse.unsafeJson({ status, message }, { status })

const rawBody = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const length = Number(request.headers["content-length"] ?? "0")
  if (length > MAX_BODY_BYTES) return Option.none<string>()
  // bounded while reading too: a chunked body declares no length
  const text = yield* request.text.pipe(HttpIncomingMessage.withMaxBodySize(Option.some(MAX_BODY_BYTES)), Effect.option)
  return Option.filter(text, (t) => t.length <= MAX_BODY_BYTES)
})

// Ids are compared as stored (lower case): an upper-case id in the URL names the same
// connection and must find the same pipelines.
const connectionParam = Effect.map(HttpRouter.params, (p) => (p["connectionId"] ?? "").toLowerCase())
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Webhook intake (issue: verify, store once, answer fast, process asynchronously). A request
 * that cannot be verified gets a 4xx and changes nothing; a verified one is stored in the
 * inbox before the 2xx, and the work it announces is queued, never done in the request.
 */
export const WebhookRoutes = HttpApiBuilder.Router.use((router) => Effect.gen(function* () {
  const connections = yield* Connections
  const events = yield* WebhookEvents
  const queue = yield* JobQueue
  const loaded = yield* LoadedPipelines
  const clients = yield* ConnectorClients
  const dirtyIds = yield* CatalogDirtyIds
  const sql = yield* SqlClient.SqlClient

  const pipelinesOf = (tenantId: string, side: "source" | "target", connectionId: string) =>
    Effect.map(loaded.all(tenantId), (all) => all.filter((p) =>
      (side === "source" ? p.binding.sourceConnectionId : p.binding.targetConnectionId) === connectionId))

  yield* router.post("/webhooks/bigcommerce/:connectionId", Effect.gen(function* () {
    const connectionId = yield* connectionParam
    if (!UUID.test(connectionId)) return answer(404, "unknown connection")
    const connection = yield* connections.byId(connectionId).pipe(Effect.option)
    if (Option.isNone(connection) || connection.value.connector !== "bigcommerce") return answer(404, "unknown connection")
    const secret = Redacted.value(connection.value.credentials)["webhookSecret"]
    if (secret === undefined) return answer(401, "this connection has no webhook secret configured")
    const body = yield* rawBody
    if (Option.isNone(body)) return answer(413, "body too large for a webhook")
    const request = yield* HttpServerRequest.HttpServerRequest
    const verified = yield* verifyWebhook(request.headers, body.value, { header: BIGCOMMERCE_SECRET_HEADER, value: secret }).pipe(Effect.either)
    if (verified._tag === "Left") {
      const rejection = bigCommerceRejection(verified.left.reason)
      yield* Effect.logWarning(`bigcommerce webhook rejected for connection ${connectionId}: ${rejection.message}`)
      return answer(rejection.status, rejection.message)
    }
    const payload = verified.right
    // Postgres text cannot hold NUL; such a delivery is no real notification and a retry cannot fix it
    if (hasNul(payload)) return answer(422, "the payload contains a NUL character (\\u0000); no BigCommerce notification does")
    const stored = yield* events.record({
      tenantId: connection.value.tenantId, connectionId, kind: payload.scope,
      dedupeKey: `${payload.scope}:${payload.data.id}:${payload.created_at}:${payload.hash}`, payload,
    })
    if (stored === "new" && payload.scope.startsWith("store/order/")) {
      for (const p of yield* pipelinesOf(connection.value.tenantId, "target", connectionId)) {
        if (!p.flows.includes("orders")) continue
        // no order ids in the job: wake-ups coalesce, and the run polls everything modified since its
        // last complete run, so the order this hook announced is taken whichever wake-up runs
        yield* queue.enqueue({ tenantId: p.binding.tenantId, pipeline: p.binding.name, flow: "orders", trigger: "webhook" })
      }
    }
    return answer(200, stored === "new" ? "accepted" : "duplicate ignored")
  }).pipe(Effect.catchAllCause((cause) => Effect.logError("bigcommerce webhook", cause).pipe(Effect.as(answer(500, "internal error; please retry"))))))

  yield* router.post("/webhooks/lexoffice/:connectionId", Effect.gen(function* () {
    const connectionId = yield* connectionParam
    if (!UUID.test(connectionId)) return answer(404, "unknown connection")
    const connection = yield* connections.byId(connectionId).pipe(Effect.option)
    if (Option.isNone(connection) || connection.value.connector !== "lexoffice") return answer(404, "unknown connection")
    const body = yield* rawBody
    if (Option.isNone(body)) return answer(413, "body too large for a webhook")
    const request = yield* HttpServerRequest.HttpServerRequest
    const client = yield* clients.lexoffice(connectionId).pipe(Effect.option)
    if (Option.isNone(client)) return answer(503, "connection not usable")
    const signature = request.headers["x-lxo-signature"]
    // Exactly the base64 lexoffice sends: Buffer.from(…, "base64") would also take URL-safe
    // letters and ignore junk after the signature, so the same signature had many spellings.
    if (signature !== undefined && !isCanonicalBase64(signature)) {
      yield* Effect.logWarning(`lexoffice webhook rejected for connection ${connectionId}: X-Lxo-Signature is not canonical base64`)
      return answer(401, "signature invalid: X-Lxo-Signature must be standard base64 (A-Z a-z 0-9 + /, = padding) and nothing else")
    }
    const verified = yield* client.value.verifyWebhook(new TextEncoder().encode(body.value), signature).pipe(Effect.either)
    if (verified._tag === "Left") {
      yield* Effect.logWarning(`lexoffice webhook rejected for connection ${connectionId}: ${verified.left.message}`)
      return answer(401, "signature invalid")
    }
    // Signed, but is it an event we act on now? Refusals are 422: lexoffice does not retry it.
    const checked = checkLexofficeEvent(verified.right, new Date())
    if (checked._tag === "Left") {
      yield* Effect.logWarning(`lexoffice webhook refused for connection ${connectionId}: ${checked.left}`)
      return answer(422, checked.left)
    }
    const event = checked.right
    const articleEvent = /^article\.(created|changed|deleted)$/.exec(event.eventType)?.[1] as DirtyEvent | undefined
    const catalogs = articleEvent === undefined
      ? []
      : (yield* pipelinesOf(connection.value.tenantId, "source", connectionId)).filter((p) => p.flows.includes("catalog"))
    // The event and the ids it announces are recorded in one transaction, so a replayed event
    // (same type, resource and instant) marks and queues nothing. Once committed, a marked id is
    // taken by whichever catalog run comes next: wake-ups may coalesce freely, and if the
    // enqueue below is lost (a crash right after the commit), the next heartbeat drains the mark.
    const stored = yield* sql.withTransaction(Effect.gen(function* () {
      const stored = yield* events.record({
        tenantId: connection.value.tenantId, connectionId, kind: event.eventType,
        dedupeKey: createHash("sha256").update(`${event.eventType}:${event.resourceId}:${event.eventDate}`).digest("hex"),
        payload: event,
      })
      if (stored === "new") {
        for (const p of catalogs) yield* dirtyIds.mark(p.binding.tenantId, p.binding.name, event.resourceId, articleEvent!)
      }
      return stored
    })).pipe(Effect.orDie)
    if (stored === "new") {
      for (const p of catalogs) {
        yield* queue.enqueue({ tenantId: p.binding.tenantId, pipeline: p.binding.name, flow: "catalog", trigger: "webhook" })
      }
    }
    return answer(200, stored === "new" ? "accepted" : "duplicate ignored")
  }).pipe(Effect.catchAllCause((cause) => Effect.logError("lexoffice webhook", cause).pipe(Effect.as(answer(500, "internal error; please retry"))))))
}))
