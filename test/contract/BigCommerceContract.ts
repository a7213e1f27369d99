/**
 * The official BigCommerce OpenAPI documents as one contract. CI has them at ../shared/specs
 * relative to the repository root, never copied into the repository.
 */
import { fileURLToPath } from "node:url"
import { resolve } from "node:path"
import { OpenApiContract } from "./OpenApiContract.js"

const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "..", "..")
export const bigCommerceSpecDir = resolve(repoRoot, "..", "shared", "specs", "bigcommerce")

export const bigCommerceSpecFiles = [
  "products_catalog.v3.yml",
  "product-variants_catalog.v3.yml",
  "inventory.v3.yml",
  "orders.v2.oas2.yml",
  "orders.v3.yml",
  "webhooks.v3.yml",
].map((f) => resolve(bigCommerceSpecDir, f))

let shared: OpenApiContract | undefined
/** Parsing ~27k lines of YAML is slow; test files share one instance. */
export const bigCommerceContract = (): OpenApiContract => (shared ??= new OpenApiContract(bigCommerceSpecFiles))

/**
 * Statuses BigCommerce answers on any endpoint (status-codes.mdx, api-rate-limits.mdx) that the
 * per-operation specs rarely list; their bodies are still checked against the v2/v3 error shapes.
 */
const platformWide = new Set([400, 401, 404, 429, 500, 502, 503, 504])

/** Answers the prose docs promise that the operation's spec omits. */
const documentedInProse: Record<string, ReadonlyArray<number>> = {
  // "204 is returned when there is nothing" (channels.md §4, GET /v2/orders).
  "GET /v2/orders": [204],
}

const v3ErrorShape = (b: any) => typeof b === "object" && b !== null && typeof b.status === "number" && typeof b.title === "string" && typeof b.type === "string"
const v2ErrorShape = (b: any) => Array.isArray(b) && b.length > 0 && b.every((e) => typeof e?.status === "number" && typeof e?.message === "string")

export interface RecordedLike {
  readonly method: string
  readonly path: string
  readonly requestBody: unknown
  readonly status: number
  readonly responseContentType: string | undefined
  readonly responseBody: unknown
}

/**
 * Places where the spec contradicts a state the store can be in. Each entry names the exchange
 * and the exact violation it excuses, nothing broader.
 */
const knownSpecGaps: ReadonlyArray<{ readonly template: string; readonly status: number; readonly message: RegExp; readonly why: string }> = [
  {
    template: "GET /v3/hooks",
    status: 200,
    message: /^\/data must NOT have fewer than 1 items/,
    why: "webhooks_Resp declares `data.minItems: 1`, yet a store with no hooks has an empty list",
  },
]

/** Every departure from the official specs among the recorded exchanges, as printable lines. */
export const contractViolations = (
  exchanges: ReadonlyArray<RecordedLike>,
  options: { readonly requestsRefusedOnPurpose?: boolean } = {},
): Array<string> => {
  const contract = bigCommerceContract()
  const out: Array<string> = []
  for (const x of exchanges) {
    // A suite that sends invalid payloads on purpose checks only the answers to them.
    const skipRequest = options.requestsRefusedOnPurpose === true && x.status >= 400 && x.status < 500
    const ex = { method: x.method, path: x.path, requestBody: skipRequest ? undefined : x.requestBody, status: x.status, responseContentType: x.responseContentType, responseBody: x.responseBody }
    const op = contract.findOperation(x.method, x.path)
    if (op !== undefined && documentedInProse[`${x.method} ${op.template}`]?.includes(x.status) && x.responseBody === undefined) {
      out.push(...contract.check({ ...ex, status: 200, responseBody: undefined }).filter((v) => v.where === "request").map((v) => `${v.exchange} [${v.where}] ${v.message}`))
      continue
    }
    if (!contract.documents(x.method, x.path, x.status) && platformWide.has(x.status)) {
      // The request is still the client's responsibility even when the answer was a platform error.
      const reqOnly = contract.check({ ...ex, status: 200, responseBody: undefined }).filter((v) => v.where !== "response")
      out.push(...reqOnly.map((v) => `${v.exchange} [${v.where}] ${v.message}`))
      const shapeOk = x.path.startsWith("/v2/") ? v2ErrorShape(x.responseBody) : v3ErrorShape(x.responseBody)
      if (!shapeOk) out.push(`${x.method} ${x.path} -> ${x.status} [response] not a ${x.path.startsWith("/v2/") ? "v2" : "v3"} error body`)
      continue
    }
    const excused = (message: string) =>
      knownSpecGaps.some((g) => op !== undefined && g.template === `${x.method} ${op.template}` && g.status === x.status && g.message.test(message))
    out.push(...contract.check(ex).filter((v) => !excused(v.message)).map((v) => `${v.exchange} [${v.where}] ${v.message}`))
  }
  return out
}
