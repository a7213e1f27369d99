/**
 * npx tsx bench/http.ts — the outbound HTTP layer against the lexoffice simulator, in one run:
 *  1. sustained lexoffice req/s with the simulator's 2 req/s limit ON (goal ≥ 1.9, zero 429s);
 *  2. the layer's own overhead with the limit OFF: req/s and p50/p99 latency of raw node fetch,
 *     ConnectorHttp (pacing off, retries, timeouts, error classification), and the full
 *     LexofficeClient (plus Schema decoding to exact decimals), side by side.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, ManagedRuntime } from "effect"
import { credentialFingerprint, makeConnectorHttp, RateLimiters } from "../connectors/http/index.js"
import { makeLexofficeClient } from "../connectors/lexoffice/LexofficeClient.js"
import { LexofficeSimulator } from "../connectors/lexoffice/simulator/LexofficeSimulator.js"

const Live = Layer.mergeAll(NodeHttpClient.layerUndici, RateLimiters.Default)

const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!

interface Row {
  readonly name: string
  readonly requests: number
  readonly seconds: number
  readonly latencies: Array<number>
}

const row = (r: Row) => {
  const sorted = [...r.latencies].sort((a, b) => a - b)
  return `${r.name.padEnd(34)} ${String(Math.round(r.requests / r.seconds)).padStart(7)} req/s   p50 ${percentile(sorted, 0.5).toFixed(2).padStart(6)} ms   p99 ${percentile(sorted, 0.99).toFixed(2).padStart(6)} ms`
}

/** Runs `once` `count` times, `concurrency` at a time, timing each call. */
const measure = async (name: string, count: number, concurrency: number, once: () => Promise<unknown>): Promise<Row> => {
  const latencies: Array<number> = []
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next++
      const t0 = performance.now()
      await once()
      latencies.push(performance.now() - t0)
    }
  }))
  return { name, requests: count, seconds: (performance.now() - started) / 1000, latencies }
}

const main = async () => {
  // One runtime for the whole run: the undici dispatcher and the limiter registry live as long as it does.
  const runtime = ManagedRuntime.make(Live)
  // ---- 1. sustained rate against the 2 req/s limit ----------------------------------------
  const limited = await LexofficeSimulator.start({ rateLimit: true })
  const [limitedId] = limited.seedArticles(1)
  const paced = await runtime.runPromise(makeLexofficeClient({ accessToken: limited.token, baseUrl: limited.url }))
  const pacedCount = 30
  const pacedStart = performance.now()
  // Drive it as hard as possible: every request queued at once, the layer paces them.
  await runtime.runPromise(Effect.all(Array.from({ length: pacedCount }, () => paced.getArticle(limitedId!)), { concurrency: "unbounded" }))
  const pacedSeconds = (performance.now() - pacedStart) / 1000
  const times = limited.requestLog.map((r) => r.at).sort((a, b) => a - b)
  let worstWindow = 0
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1000) j++
    worstWindow = Math.max(worstWindow, i - j + 1)
  }
  // Steady-state rate as the server saw it: the first 2 requests are the bucket's burst.
  const steadyRate = (times.length - 2) / ((times.at(-1)! - times[0]!) / 1000)
  const tooMany = limited.requestLog.filter((r) => r.status === 429).length
  await limited.stop()

  // ---- 2. overhead of the layer, limit off -----------------------------------------------
  const open = await LexofficeSimulator.start({ rateLimit: false })
  const [id] = open.seedArticles(1)
  const url = `${open.url}/v1/articles/${id}`
  const headers = { authorization: `Bearer ${open.token}`, accept: "application/json" }
  const http = await runtime.runPromise(makeConnectorHttp({
    connector: "bench", baseUrl: open.url, credentialId: credentialFingerprint(open.token),
    headers: { Authorization: `Bearer ${open.token}` }, secrets: [open.token], rateLimit: { _tag: "Unlimited" },
  }))
  const client = await runtime.runPromise(makeLexofficeClient({ accessToken: open.token, baseUrl: open.url, rateLimit: { _tag: "Unlimited" } }))
  const count = 600
  const concurrency = 8
  const rawFetch = () => fetch(url, { headers }).then((r) => r.json())
  const layer = () => runtime.runPromise(http.send({ method: "GET", path: `/v1/articles/${id}` }))
  const full = () => runtime.runPromise(client.getArticle(id!))
  // Warm-up so JIT and connection pools do not favour whichever runs last.
  await measure("warm-up", 150, concurrency, rawFetch)
  await measure("warm-up", 150, concurrency, layer)
  await measure("warm-up", 150, concurrency, full)
  // Interleaved rounds, so load from other processes on the machine hits every variant alike.
  const variants = [
    { name: "raw node fetch", once: rawFetch },
    { name: "ConnectorHttp (undici, no pacing)", once: layer },
    { name: "LexofficeClient.getArticle", once: full },
  ]
  const rounds = 3
  const rows: Array<Row> = variants.map((v) => ({ name: v.name, requests: 0, seconds: 0, latencies: [] }))
  for (let round = 0; round < rounds; round++) {
    for (const [i, v] of variants.entries()) {
      const r = await measure(v.name, count / rounds, concurrency, v.once)
      rows[i] = { name: v.name, requests: rows[i]!.requests + r.requests, seconds: rows[i]!.seconds + r.seconds, latencies: [...rows[i]!.latencies, ...r.latencies] }
    }
  }
  await open.stop()
  await runtime.dispose()

  console.log(`lexoffice simulator, rate limit ON (2 req/s per key), ${pacedCount} requests queued at once`)
  console.log(`  sustained ${steadyRate.toFixed(2)} req/s at the server, burst excluded (goal ≥ 1.9); wall clock ${(pacedCount / pacedSeconds).toFixed(2)} req/s`)
  console.log(`  429s: ${tooMany}   most requests the server saw in any 1 s window: ${worstWindow} (limit 2)`)
  console.log("")
  console.log(`lexoffice simulator, rate limit OFF, ${count} GET /v1/articles/{id}, ${concurrency} concurrent`)
  for (const r of rows) console.log(`  ${row(r)}`)
}

void main()
