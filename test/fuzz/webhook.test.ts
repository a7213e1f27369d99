import { HttpServer } from "@effect/platform"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import fc from "fast-check"
import { generateKeyPairSync, randomBytes, randomUUID, sign } from "node:crypto"
import { ApiServer } from "../../engine/api/ApiServer.js"
import { CatalogDirtyIds } from "../../engine/catalog/CatalogDirtyIds.js"
import { applyConfig } from "../../engine/config/ApplyConfig.js"
import type { VortexConfig } from "../../engine/config/VortexConfig.js"
import type { FlowJob } from "../../engine/jobs/FlowJob.js"
import { JobQueue } from "../../engine/jobs/JobQueue.js"
import { EngineServices } from "../../engine/runtime/Engine.js"
import { SecretBoxFromKey } from "../../engine/tenancy/SecretBox.js"
import { LEXOFFICE_EVENT_MAX_AGE_MS } from "../../engine/webhooks/WebhookChecks.js"
import { WebhookEvents } from "../../engine/webhooks/WebhookEvents.js"
import { BIGCOMMERCE_SECRET_HEADER, WebhookRoutes } from "../../engine/webhooks/WebhookRoutes.js"
import { TestDatabase } from "../support/TestDatabase.js"

const SECRET = "hook-secret-for-fuzz"
const PIPELINE = "lexoffice-bigcommerce"
const keys = generateKeyPairSync("rsa", { modulusLength: 2048 })
const signed = (body: string) => sign("sha512", Buffer.from(body), keys.privateKey).toString("base64")

/** Every job the intake queues, instead of pg-boss: the tests count wake-ups exactly. */
const queued: Array<FlowJob> = []
const CountingQueue = Layer.succeed(JobQueue, {
  enqueue: (job) => Effect.sync(() => { queued.push(job); return `job-${queued.length}` }),
  work: () => Effect.void,
  onHeartbeat: () => Effect.void,
  failed: () => Effect.succeed([]),
  pending: (flow) => Effect.sync(() => queued.filter((j) => j.flow === flow).length),
  orphaned: () => Effect.succeed([]),
  abandon: () => Effect.void,
})

// No outside system is called: events are only recorded and queued here.
const config: VortexConfig = {
  apiVersion: "vortex/v1",
  kind: "Config",
  tenants: [{
    slug: "webhook-fuzz",
    name: "Webhook fuzz",
    connections: [
      { name: "lexoffice", connector: "lexoffice", baseUrl: "http://127.0.0.1:9", credentials: { apiKey: "k" }, settings: { webhookPublicKey: keys.publicKey.export({ type: "spki", format: "pem" }).toString() } },
      { name: "shop", connector: "bigcommerce", baseUrl: "http://127.0.0.1:9", credentials: { storeHash: "s", accessToken: "t", webhookSecret: SECRET }, settings: {} },
    ],
    pipelines: [{ file: "pipelines/lexoffice-bigcommerce.yaml", source: "lexoffice", target: "shop", enabled: true }],
  }],
}

const Env = ApiServer({ port: 0, host: "127.0.0.1", logRequests: false }, WebhookRoutes).pipe(
  Layer.provideMerge(Layer.provideMerge(CountingQueue, EngineServices)),
  Layer.provideMerge(SecretBoxFromKey(randomBytes(32))),
  Layer.provideMerge(TestDatabase("pglite")),
)

const articleEvent = (over: Partial<Record<string, string>> = {}) => JSON.stringify({
  organizationId: "5ef0a2d7-0c27-4a39-a3a2-4d5a1b8b1f01", eventType: "article.changed", resourceId: randomUUID(),
  eventDate: new Date().toISOString().replace("Z", "+00:00"), ...over,
})

// Webhooks are a machine-to-machine surface: the answers are in the intake's own `{ status, message }`.
describe("webhook intake under hostile input", () => {
  layer(Env, { timeout: 180_000 })((it) => {
    const setup = Effect.gen(function* () {
      const [tenant] = yield* applyConfig(`${process.cwd()}/vortex.test.yaml`, config)
      return { tenantId: tenant!.tenantId, shop: tenant!.connections.get("shop")!, books: tenant!.connections.get("lexoffice")! }
    })

    const post = (path: string, body: string, headers: Record<string, string>) => Effect.gen(function* () {
      const { address } = yield* HttpServer.HttpServer
      if (address._tag !== "TcpAddress") throw new Error("expected TCP")
      const started = Date.now()
      return yield* Effect.promise(() => fetch(`http://127.0.0.1:${address.port}${path}`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } })
        .then(async (r) => {
          const text = await r.text()
          let json: { status: number; message: string } | undefined
          try { json = JSON.parse(text) } catch { json = undefined }
          return { status: r.status, text, body: json, ms: Date.now() - started }
        }))
    })
    const lexoffice = (books: string, body: string, signature = signed(body)) => post(`/webhooks/lexoffice/${books}`, body, { "x-lxo-signature": signature })

    const catalogWakeUps = () => queued.filter((j) => j.flow === "catalog").length

    it.effect("a signed lexoffice event replayed 10 times is stored once and wakes the catalog once", () =>
      Effect.gen(function* () {
        const { books, tenantId } = yield* setup
        const events = yield* WebhookEvents
        const dirty = yield* CatalogDirtyIds
        const [stored, wakeUps] = [yield* events.count(books), catalogWakeUps()]
        const event = articleEvent()
        const answers = []
        for (let i = 0; i < 10; i++) answers.push((yield* lexoffice(books, event)).body?.message)
        assert.deepStrictEqual(answers, ["accepted", ...Array(9).fill("duplicate ignored")])
        assert.strictEqual((yield* events.count(books)) - stored, 1)
        assert.strictEqual(catalogWakeUps() - wakeUps, 1)
        // the run takes the mark; a replay afterwards marks nothing again
        const taken = yield* dirty.take(tenantId, PIPELINE)
        yield* dirty.clear(tenantId, PIPELINE, [...taken.ids.keys()], taken.takenAt)
        assert.strictEqual((yield* lexoffice(books, event)).body?.message, "duplicate ignored")
        assert.strictEqual(yield* dirty.count(tenantId, PIPELINE), 0)
        assert.strictEqual(catalogWakeUps() - wakeUps, 1)
      }))

    it.effect("one event spelled with an upper-case resource id or another offset is the same event", () =>
      Effect.gen(function* () {
        const { books } = yield* setup
        const id = randomUUID()
        const at = new Date(Date.now() - 60_000)
        const a = yield* lexoffice(books, articleEvent({ resourceId: id, eventDate: at.toISOString().replace("Z", "+00:00") }))
        const localDate = new Date(at.getTime() + 2 * 3_600_000).toISOString().replace("Z", "+02:00")
        const b = yield* lexoffice(books, articleEvent({ resourceId: id.toUpperCase(), eventDate: localDate }))
        assert.strictEqual(a.body?.message, "accepted")
        assert.strictEqual(b.body?.message, "duplicate ignored")
      }))

    it.effect("a signed lexoffice event older than the window is refused and queues nothing", () =>
      Effect.gen(function* () {
        const { books } = yield* setup
        const events = yield* WebhookEvents
        const [stored, wakeUps] = [yield* events.count(books), catalogWakeUps()]
        const old = new Date(Date.now() - LEXOFFICE_EVENT_MAX_AGE_MS - 60_000).toISOString().replace("Z", "+00:00")
        const answer = yield* lexoffice(books, articleEvent({ eventDate: old }))
        assert.strictEqual(answer.status, 422)
        assert.match(answer.body!.message, /older than the 48 hours accepted/)
        const future = new Date(Date.now() + 3_600_000).toISOString().replace("Z", "+00:00")
        assert.strictEqual((yield* lexoffice(books, articleEvent({ eventDate: future }))).status, 422)
        assert.strictEqual((yield* events.count(books)) - stored, 0)
        assert.strictEqual(catalogWakeUps() - wakeUps, 0)
      }))

    it.effect("a valid signature with junk appended or in the URL-safe alphabet is refused", () =>
      Effect.gen(function* () {
        const { books } = yield* setup
        const events = yield* WebhookEvents
        const stored = yield* events.count(books)
        const body = articleEvent()
        const signature = signed(body)
        assert.match(signature, /[+/]/, "a 2048-bit signature in base64 almost surely holds + or /")
        for (const variant of [`${signature}junk`, `${signature}==`, signature.replace(/\+/g, "-").replace(/\//g, "_"), signature.replace(/=+$/, "")]) {
          assert.strictEqual((yield* lexoffice(books, body, variant)).status, 401, variant)
        }
        assert.strictEqual(yield* events.count(books), stored)
        assert.strictEqual((yield* lexoffice(books, body, signature)).status, 200)
      }))

    it.effect("NUL in an authenticated payload is a 422 (not retried), never a 500 asking for a retry", () =>
      Effect.gen(function* () {
        const { books, shop } = yield* setup
        const events = yield* WebhookEvents
        const [shopBefore, booksBefore] = [yield* events.count(shop), yield* events.count(books)]
        const bc = JSON.stringify({ scope: "store/order/created", store_id: "1\u0000", data: { type: "order", id: 5 }, hash: "h\u0000", created_at: 1767000000, producer: "stores/x" })
        const shopAnswer = yield* post(`/webhooks/bigcommerce/${shop}`, bc, { [BIGCOMMERCE_SECRET_HEADER]: SECRET })
        assert.strictEqual(shopAnswer.status, 422)
        const booksAnswer = yield* lexoffice(books, articleEvent({ organizationId: "org\u0000" }))
        assert.strictEqual(booksAnswer.status, 422)
        assert.deepStrictEqual([yield* events.count(shop), yield* events.count(books)], [shopBefore, booksBefore])
      }))

    it.effect("an upper-case connection id in the URL names the same connection and wakes its pipelines", () =>
      Effect.gen(function* () {
        const { shop } = yield* setup
        const before = queued.filter((j) => j.flow === "orders").length
        const bc = JSON.stringify({ scope: "store/order/created", store_id: "1", data: { type: "order", id: 9001 }, hash: "h9001", created_at: 1767000000, producer: "stores/x" })
        const answer = yield* post(`/webhooks/bigcommerce/${shop.toUpperCase()}`, bc, { [BIGCOMMERCE_SECRET_HEADER]: SECRET })
        assert.strictEqual(answer.body?.message, "accepted")
        assert.strictEqual(queued.filter((j) => j.flow === "orders").length - before, 1)
      }))

    it.effect("a BigCommerce rejection says why in words, not as a serialized object", () =>
      Effect.gen(function* () {
        const { shop } = yield* setup
        const missing = yield* post(`/webhooks/bigcommerce/${shop}`, "{}", {})
        assert.strictEqual(missing.status, 401)
        assert.match(missing.body!.message, /^the webhook secret header is missing/)
        assert.notMatch(missing.text, /reason|\\"/)
      }))

    // fuzz: ≥ 100 hostile deliveries per endpoint, each answered with a 4xx JSON body quickly, none stored
    const hostileBody = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.json({ maxDepth: 4 }),
      fc.constantFrom("", "null", "[]", "{", "\u0000", "{\"scope\":\"\u0000\"}", "[".repeat(100_000), "x".repeat(70_000), "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}"),
      fc.record({
        scope: fc.oneof(fc.string(), fc.constant("store/order/created")), store_id: fc.oneof(fc.string(), fc.integer()),
        data: fc.oneof(fc.record({ type: fc.string(), id: fc.oneof(fc.integer(), fc.double(), fc.string()) }), fc.anything()),
        hash: fc.string(), created_at: fc.oneof(fc.integer(), fc.double(), fc.string()), producer: fc.string(),
      }).map((o) => JSON.stringify(o)),
    )

    it.effect("fuzz: hostile BigCommerce deliveries without the secret get a 4xx and store nothing", () =>
      Effect.gen(function* () {
        const { shop } = yield* setup
        const events = yield* WebhookEvents
        const stored = yield* events.count(shop)
        const samples = fc.sample(fc.tuple(hostileBody, fc.oneof(fc.constant(undefined), fc.string({ maxLength: 50 }).filter((s) => s !== SECRET && /^[\x21-\x7e]*$/.test(s)))), { numRuns: 120, seed: 12 })
        for (const [body, secret] of samples) {
          const answer = yield* post(`/webhooks/bigcommerce/${shop}`, body, secret === undefined || secret === "" ? {} : { [BIGCOMMERCE_SECRET_HEADER]: secret })
          assert.isTrue(answer.status >= 400 && answer.status < 500, `${answer.status} for ${body.slice(0, 80)}`)
          assert.isString(answer.body?.message)
          assert.isBelow(answer.ms, 2_000)
        }
        assert.strictEqual(yield* events.count(shop), stored)
      }))

    it.effect("fuzz: hostile BigCommerce deliveries with the secret are a clear 4xx or accepted, never a 500", () =>
      Effect.gen(function* () {
        const { shop } = yield* setup
        const samples = fc.sample(hostileBody, { numRuns: 120, seed: 13 })
        for (const body of samples) {
          const answer = yield* post(`/webhooks/bigcommerce/${shop}`, body, { [BIGCOMMERCE_SECRET_HEADER]: SECRET })
          assert.isTrue(answer.status === 200 || (answer.status >= 400 && answer.status < 500), `${answer.status} for ${body.slice(0, 80)}: ${answer.text}`)
          assert.isString(answer.body?.message)
          assert.isBelow(answer.ms, 2_000)
        }
      }))

    it.effect("fuzz: hostile signed lexoffice bodies are refused with a 4xx, stored and queued only when a real current event", () =>
      Effect.gen(function* () {
        const { books } = yield* setup
        const events = yield* WebhookEvents
        const [stored, wakeUps] = [yield* events.count(books), catalogWakeUps()]
        const lexofficeish = fc.record({
          organizationId: fc.string(), eventType: fc.oneof(fc.string(), fc.constantFrom("article.changed", "ARTICLE.CHANGED", "article.", ".x")),
          resourceId: fc.oneof(fc.string(), fc.uuid().map((u) => `${u}\u0000`), fc.constant("../../etc")),
          eventDate: fc.oneof(fc.string(), fc.constantFrom("2026-13-45T99:00:00Z", "1970-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "yesterday")),
        }).map((o) => JSON.stringify(o))
        const samples = fc.sample(fc.oneof(hostileBody, lexofficeish), { numRuns: 120, seed: 14 })
        for (const body of samples) {
          const answer = yield* lexoffice(books, body)
          assert.isTrue(answer.status >= 400 && answer.status < 500, `${answer.status} for ${body.slice(0, 80)}: ${answer.text}`)
          assert.isString(answer.body?.message)
          assert.isBelow(answer.ms, 2_000)
        }
        // and unsigned or badly signed ones
        for (const signature of fc.sample(fc.string({ maxLength: 700 }).filter((s) => /^[\x20-\x7e]*$/.test(s)), { numRuns: 100, seed: 15 })) {
          const answer = yield* lexoffice(books, articleEvent(), signature)
          assert.isTrue(answer.status >= 400 && answer.status < 500, `${answer.status} for signature ${signature.slice(0, 40)}`)
        }
        assert.strictEqual(yield* events.count(books), stored)
        assert.strictEqual(catalogWakeUps(), wakeUps)
      }))

    it.effect("fuzz: hostile connection ids in the URL are a 4xx", () =>
      Effect.gen(function* () {
        const ids = fc.sample(fc.oneof(fc.string({ maxLength: 80 }).map(encodeURIComponent), fc.constantFrom("%00", "..%2F..", "%E0%A4%A", "x".repeat(5000), "00000000-0000-4000-8000-00000000000%00")), { numRuns: 100, seed: 16 })
        for (const id of ids) {
          for (const kind of ["bigcommerce", "lexoffice"]) {
            const answer = yield* post(`/webhooks/${kind}/${id}`, "{}", { [BIGCOMMERCE_SECRET_HEADER]: SECRET })
            assert.isTrue(answer.status >= 400 && answer.status < 500, `${answer.status} for ${kind}/${id.slice(0, 60)}`)
          }
        }
      }))
  })
})
