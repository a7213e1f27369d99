import { assert, describe, it } from "@effect/vitest"
import { backoffDelayMs, classifyStatus, redactBody, redactHeaders, redactUrl, serverRequestedDelayMs } from "../../../connectors/http/index.js"

describe("redaction", () => {
  it("masks auth headers whatever their case", () => {
    const out = redactHeaders({ Authorization: "Bearer abc", "X-Auth-Token": "t", accept: "application/json" })
    assert.deepStrictEqual(out, { Authorization: "[redacted]", "X-Auth-Token": "[redacted]", accept: "application/json" })
  })

  it("masks secret keys at any depth of a JSON body and literal secrets in text", () => {
    const body = JSON.stringify({ hook: { headers: { "X-Secret": "s3cret!" }, client_secret: "x" }, note: "key supersecrettoken here" })
    const out = redactBody(body, ["supersecrettoken"])
    assert.notInclude(out, "s3cret!")
    assert.notInclude(out, "supersecrettoken")
    assert.include(out, "key [redacted] here")
  })

  it("masks the token lexoffice echoes in a 403 body even when it is not JSON-keyed", () => {
    const out = redactBody(`{"message":"'abcdef123456' not a valid key=value pair"}`, ["abcdef123456"])
    assert.notInclude(out, "abcdef123456")
  })

  it("masks secret query parameters", () => {
    assert.notInclude(redactUrl("https://x/y?access_token=zzz&page=1", []), "zzz")
  })
})

describe("classification and backoff", () => {
  it("treats a 504 on a create as unknown outcome but retries it on a read", () => {
    assert.strictEqual(classifyStatus(504, false), "unknown-outcome")
    assert.strictEqual(classifyStatus(504, true), "retryable")
    assert.strictEqual(classifyStatus(429, false), "retryable")
    assert.strictEqual(classifyStatus(406, true), "permanent")
    assert.strictEqual(classifyStatus(409, true), "permanent")
  })

  it("grows exponentially, stays within [step/2, step], and never undercuts the server's wait", () => {
    const policy = { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 1_000 }
    assert.strictEqual(backoffDelayMs(policy, 1, 0, undefined), 50)
    assert.strictEqual(backoffDelayMs(policy, 3, 0.999999, undefined), 400)
    assert.strictEqual(backoffDelayMs(policy, 10, 0, undefined), 500)
    assert.strictEqual(backoffDelayMs(policy, 1, 0, 7_000), 7_000)
  })

  it("reads Retry-After in seconds and a reset-ms header", () => {
    assert.strictEqual(serverRequestedDelayMs({ "retry-after": "2" }, 0, undefined), 2_000)
    assert.strictEqual(serverRequestedDelayMs({ "x-rate-limit-time-reset-ms": "750" }, 0, "x-rate-limit-time-reset-ms"), 750)
    assert.isUndefined(serverRequestedDelayMs({}, 0, undefined))
  })
})
