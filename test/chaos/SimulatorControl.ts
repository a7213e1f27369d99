/**
 * The harness's side of the simulators' control API (`/__sim/`, see each simulator's
 * ControlApi.ts): set fault knobs, drive the shopper, read the state the counts come from.
 */
export interface LexofficeState {
  readonly orderConfirmations: ReadonlyArray<{
    readonly id: string
    readonly voucherNumber: string | null
    readonly status: string
    readonly createdDate: string
    readonly marker: { readonly connectionId: string; readonly channelOrderId: string } | null
  }>
  readonly requests: { readonly total: number; readonly byStatus: Record<string, number> }
}

export interface BigCommerceState {
  readonly orders: ReadonlyArray<{ readonly id: number; readonly dateCreated: string; readonly lines: ReadonlyArray<{ readonly sku: string; readonly quantity: number }> }>
  readonly unitsSold: Record<string, number>
  readonly levels: Record<string, number>
  readonly products: number
  readonly webhooks: { readonly announced: number; readonly attempts: number; readonly delivered: number; readonly failed: number }
  readonly shopper: { readonly running: boolean; readonly placed: number; readonly refused: number; readonly idle: number }
}

const call = async <A>(origin: string, method: string, path: string, body?: unknown): Promise<A> => {
  const res = await fetch(`${origin}/__sim${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  })
  const json = (await res.json()) as A
  if (!res.ok) throw new Error(`${method} ${origin}/__sim${path}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

export class LexofficeControl {
  constructor(readonly origin: string) {}
  info = () => call<{ url: string; token: string; publicKeyPem: string }>(this.origin, "GET", "/info")
  setFaults = (faults: Record<string, unknown>) => call<unknown>(this.origin, "PUT", "/faults", faults)
  state = () => call<LexofficeState>(this.origin, "GET", "/state")
}

export class BigCommerceControl {
  constructor(readonly origin: string) {}
  info = () => call<{ storeHash: string; accessToken: string; baseUrl: string }>(this.origin, "GET", "/info")
  setFaults = (faults: Record<string, unknown>) => call<unknown>(this.origin, "PUT", "/faults", faults)
  state = () => call<BigCommerceState>(this.origin, "GET", "/state")
  startShopper = (settings: { everyMs: number; maxOrders: number; maxLines?: number; maxQuantity?: number }) => call<unknown>(this.origin, "PUT", "/shopper", settings)
  stopShopper = () => call<unknown>(this.origin, "DELETE", "/shopper")
}

/** Every lexoffice fault knob back to normal (the token bucket stays as the run set it). */
export const lexofficeFaultsOff = {
  latencyMs: 0, serverErrorRate: 0, failNext: 0, commitThen504: 0, commitThen504Rate: 0, delays: [], rateLimitStorm: 0,
  dropWebhooks: 0, duplicateWebhooks: 0,
}

export const bigcommerceFaultsOff = { latencyMs: 0, serverErrorRate: 0, webhooks: { dropRate: 0, duplicateRate: 0 } }
