/**
 * The simulator's own control API under `/__sim/`, outside BigCommerce's contract (whose routes
 * all live under `/stores/{hash}/`): a fault run in another process turns the fault knobs, drives
 * the shopper and reads back what the store saw. No auth: the simulator listens on 127.0.0.1.
 *
 *   GET  /__sim/info      store hash, access token, base URL
 *   GET  /__sim/faults    the fault knobs;  PUT merges a partial object into them
 *   GET  /__sim/state     orders placed (lines), units sold and inventory level per SKU, webhooks
 *   GET  /__sim/shopper   the shopper's status;  PUT {everyMs, maxOrders?, maxLines?, maxQuantity?} starts it
 *   DELETE /__sim/shopper stops it
 */
import type { Shopper } from "./Shopper.js"
import type { SimulatorStore } from "./SimulatorStore.js"
import type { WebhookDispatcher, WebhookFaults } from "./WebhookDispatcher.js"

export const CONTROL_PREFIX = "/__sim/"

export interface ControlFaults {
  latencyMs: number
  serverErrorRate: number
  failNext: { count: number; status: number }
  webhooks: WebhookFaults
}

export interface ControlTarget {
  readonly storeHash: string
  readonly accessToken: string
  readonly baseUrl: string
  readonly faults: ControlFaults
  readonly store: SimulatorStore
  readonly webhooks: WebhookDispatcher
  readonly shopper: Shopper
}

export interface ControlReply {
  readonly status: number
  readonly body: unknown
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)
const isRate = (u: unknown): u is number => typeof u === "number" && u >= 0 && u <= 1
const isCount = (u: unknown): u is number => typeof u === "number" && Number.isInteger(u) && u >= 0

/** Merges a partial fault object, refusing the whole change on the first bad field. */
const mergeFaults = (faults: ControlFaults, patch: unknown): string | undefined => {
  if (!isRecord(patch)) return "a JSON object of fault knobs"
  const checks: Array<[boolean, string]> = [
    [!("latencyMs" in patch) || isCount(patch.latencyMs), "latencyMs: milliseconds"],
    [!("serverErrorRate" in patch) || isRate(patch.serverErrorRate), "serverErrorRate: a probability 0-1"],
    [!("failNext" in patch) || (isRecord(patch.failNext) && isCount(patch.failNext.count) && isCount(patch.failNext.status)), "failNext: {count, status}"],
    [!("webhooks" in patch) || isRecord(patch.webhooks), "webhooks: an object"],
  ]
  const hooks = isRecord(patch.webhooks) ? patch.webhooks : {}
  checks.push(
    [!("dropRate" in hooks) || isRate(hooks.dropRate), "webhooks.dropRate: a probability 0-1"],
    [!("duplicateRate" in hooks) || isRate(hooks.duplicateRate), "webhooks.duplicateRate: a probability 0-1"],
    [!("retryScale" in hooks) || (typeof hooks.retryScale === "number" && hooks.retryScale > 0), "webhooks.retryScale: a positive factor"],
  )
  const bad = checks.find(([ok]) => !ok)
  if (bad !== undefined) return bad[1]
  const known = new Set(["latencyMs", "serverErrorRate", "failNext", "webhooks"])
  const unknown = Object.keys(patch).find((k) => !known.has(k))
  if (unknown !== undefined) return `unknown fault knob "${unknown}"`
  if (isCount(patch.latencyMs)) faults.latencyMs = patch.latencyMs
  if (isRate(patch.serverErrorRate)) faults.serverErrorRate = patch.serverErrorRate
  if (isRecord(patch.failNext)) faults.failNext = { count: patch.failNext.count as number, status: patch.failNext.status as number }
  // The dispatcher holds this very object: mutate it in place.
  if (isRate(hooks.dropRate)) faults.webhooks.dropRate = hooks.dropRate
  if (isRate(hooks.duplicateRate)) faults.webhooks.duplicateRate = hooks.duplicateRate
  if (typeof hooks.retryScale === "number") faults.webhooks.retryScale = hooks.retryScale
  return undefined
}

/** What a fault run counts from: every order with its lines, and per SKU units sold and the level shown. */
export const storeState = (target: ControlTarget) => {
  const store = target.store
  const orders = [...store.orders.values()].map((o) => ({
    id: o.id,
    dateCreated: o.date_created.toISOString(),
    statusId: o.status_id,
    lines: o.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
  }))
  const unitsSold: Record<string, number> = {}
  for (const o of orders) for (const l of o.lines) unitsSold[l.sku] = (unitsSold[l.sku] ?? 0) + l.quantity
  const levels: Record<string, number> = {}
  for (const v of store.variants.values()) if (v.sku !== "") levels[v.sku] = store.level(v.id)
  const attempts = target.webhooks.attempts
  return {
    orders,
    unitsSold,
    levels,
    products: store.products.size,
    webhooks: {
      announced: target.webhooks.announced.length,
      attempts: attempts.length,
      delivered: attempts.filter((a) => typeof a.status === "number" && a.status >= 200 && a.status < 300).length,
      failed: attempts.filter((a) => !(typeof a.status === "number" && a.status >= 200 && a.status < 300)).length,
      hooks: [...store.hooks.values()].map((h) => ({ id: h.id, scope: h.scope, destination: h.destination, isActive: h.is_active })),
    },
    shopper: target.shopper.status(),
  }
}

/** Answers a control request, or undefined when the path is not under `/__sim/`. */
export const control = (target: ControlTarget, method: string, pathname: string, body: unknown): ControlReply | undefined => {
  if (!pathname.startsWith(CONTROL_PREFIX)) return undefined
  const what = `${method} ${pathname.slice(CONTROL_PREFIX.length - 1)}`
  switch (what) {
    case "GET /info":
      return { status: 200, body: { storeHash: target.storeHash, accessToken: target.accessToken, baseUrl: target.baseUrl } }
    case "GET /faults":
      return { status: 200, body: target.faults }
    case "PUT /faults": {
      const problem = mergeFaults(target.faults, body)
      return problem === undefined ? { status: 200, body: target.faults } : { status: 400, body: { error: problem } }
    }
    case "GET /state":
      return { status: 200, body: storeState(target) }
    case "GET /shopper":
      return { status: 200, body: target.shopper.status() }
    case "PUT /shopper": {
      if (!isRecord(body) || !isCount(body.everyMs) || body.everyMs < 1) return { status: 400, body: { error: "everyMs: milliseconds between orders (≥ 1)" } }
      if ("maxOrders" in body && !isCount(body.maxOrders)) return { status: 400, body: { error: "maxOrders: a count" } }
      if ("maxLines" in body && !(isCount(body.maxLines) && body.maxLines >= 1)) return { status: 400, body: { error: "maxLines: a count ≥ 1" } }
      if ("maxQuantity" in body && !(isCount(body.maxQuantity) && body.maxQuantity >= 1)) return { status: 400, body: { error: "maxQuantity: a count ≥ 1" } }
      return {
        status: 200,
        body: target.shopper.start({
          everyMs: body.everyMs,
          maxOrders: body.maxOrders as number | undefined,
          ...(isCount(body.maxLines) ? { maxLines: body.maxLines } : {}),
          ...(isCount(body.maxQuantity) ? { maxQuantity: body.maxQuantity } : {}),
        }),
      }
    }
    case "DELETE /shopper":
      target.shopper.stop()
      return { status: 200, body: target.shopper.status() }
  }
  return { status: 404, body: { error: `no control route ${what}` } }
}
