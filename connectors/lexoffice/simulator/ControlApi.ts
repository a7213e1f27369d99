/**
 * The simulator's own control API under `/__sim/`, outside lexoffice's contract (which lives
 * under `/v1/`): a fault run in another process turns the fault knobs and reads back the order
 * confirmations with Vortex's exactly-once marker. No auth: the simulator listens on 127.0.0.1.
 *
 *   GET /__sim/info     base URL, API key, webhook signing public key
 *   GET /__sim/faults   the fault knobs;  PUT merges a partial object into them
 *   GET /__sim/state    order confirmations (id, number, the marker found, if any), request counts
 */
import type { SimulatorFaults } from "./Faults.js"

export const CONTROL_PREFIX = "/__sim/"

export interface ControlTarget {
  readonly url: string
  readonly token: string
  readonly publicKeyPem: string
  readonly faults: SimulatorFaults
  readonly requestLog: ReadonlyArray<{ readonly status: number }>
  orderConfirmations(): ReadonlyArray<{ id: string; voucherNumber: string | undefined; status: string; remark: string; introduction: string; createdDate: string }>
}

export interface ControlReply {
  readonly status: number
  readonly body: unknown
}

// Vortex's marker (engine/orders/OrderMarker.ts): `[vortex:<connection id>:<channel order id>]`.
// Read here as an opaque bracketed text so the simulator stays ignorant of the engine.
const MARKER = /\[vortex:([^:\]]+):([^\]]+)\]/

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)
const isRate = (u: unknown): u is number => typeof u === "number" && u >= 0 && u <= 1
const isCount = (u: unknown): u is number => typeof u === "number" && Number.isInteger(u) && u >= 0

type Check = (u: unknown) => boolean
const knobs: Record<keyof SimulatorFaults, readonly [Check, string]> = {
  latencyMs: [isCount, "milliseconds"],
  serverErrorRate: [isRate, "a probability 0-1"],
  serverErrorStatus: [(u) => u === 500 || u === 502 || u === 503, "500, 502 or 503"],
  failNext: [isCount, "a count"],
  commitThen504: [isCount, "a count"],
  commitThen504Rate: [isRate, "a probability 0-1"],
  delays: [
    (u) => Array.isArray(u) && u.every((b) => isRecord(b) && isRate(b.rate) && isCount(b.ms)) &&
      u.reduce((sum: number, b: { rate: number }) => sum + b.rate, 0) <= 1,
    "[{rate, ms}, …] with rates summing to at most 1",
  ],
  rateLimitStorm: [isCount, "a count"],
  rateLimit: [(u) => typeof u === "boolean", "true or false"],
  dropWebhooks: [isCount, "a count"],
  duplicateWebhooks: [isCount, "a count"],
}

/** Merges a partial fault object, refusing the whole change on the first bad field. */
const mergeFaults = (faults: SimulatorFaults, patch: unknown): string | undefined => {
  if (!isRecord(patch)) return "a JSON object of fault knobs"
  for (const [key, value] of Object.entries(patch)) {
    const knob = knobs[key as keyof SimulatorFaults]
    if (knob === undefined) return `unknown fault knob "${key}"`
    if (!knob[0](value)) return `${key}: ${knob[1]}`
  }
  // The webhook dispatcher holds this very object: mutate it in place.
  Object.assign(faults, patch)
  return undefined
}

export const simulatorState = (target: ControlTarget) => {
  const byStatus: Record<string, number> = {}
  for (const r of target.requestLog) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1
  return {
    orderConfirmations: target.orderConfirmations().map((v) => {
      const found = MARKER.exec(v.remark) ?? MARKER.exec(v.introduction)
      return {
        id: v.id,
        voucherNumber: v.voucherNumber ?? null,
        status: v.status,
        createdDate: v.createdDate,
        marker: found === null ? null : { connectionId: found[1]!, channelOrderId: found[2]! },
      }
    }),
    requests: { total: target.requestLog.length, byStatus },
  }
}

/** Answers a control request, or undefined when the path is not under `/__sim/`. */
export const control = (target: ControlTarget, method: string, pathname: string, body: unknown): ControlReply | undefined => {
  if (!pathname.startsWith(CONTROL_PREFIX)) return undefined
  const what = `${method} ${pathname.slice(CONTROL_PREFIX.length - 1)}`
  switch (what) {
    case "GET /info":
      return { status: 200, body: { url: target.url, token: target.token, publicKeyPem: target.publicKeyPem } }
    case "GET /faults":
      return { status: 200, body: target.faults }
    case "PUT /faults": {
      const problem = mergeFaults(target.faults, body)
      return problem === undefined ? { status: 200, body: target.faults } : { status: 400, body: { error: problem } }
    }
    case "GET /state":
      return { status: 200, body: simulatorState(target) }
  }
  return { status: 404, body: { error: `no control route ${what}` } }
}
