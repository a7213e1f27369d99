import { describe, expect, it } from "vitest"
import { jobFailureText } from "../../engine/api/JobFailureText.js"

// The outputs below are what pg-boss stores (serialize-error) for what an Effect worker throws.
describe("GET /api/jobs/failed shows a readable reason, not serialized framework objects", () => {
  it("a FiberFailure serialized through toJSON gives the tagged error and its fields", () => {
    expect(jobFailureText({ _id: "FiberFailure", cause: { _id: "Cause", _tag: "Fail", error: { reason: "missing-secret", _tag: "WebhookRejected" } } }))
      .toBe("WebhookRejected (reason: missing-secret)")
  })

  it("an error whose message is the failure's fields as JSON text reads as fields", () => {
    expect(jobFailureText({ name: "(FiberFailure) WebhookRejected", message: "{ \"reason\": \"missing-secret\" }", stack: "x\n    at y" }))
      .toBe("WebhookRejected: reason: missing-secret")
  })

  it("a tagged error with a message gives that message", () => {
    expect(jobFailureText({ _id: "FiberFailure", cause: { _id: "Cause", _tag: "Sequential", left: { _tag: "Empty" }, right: { _tag: "Fail", error: { _tag: "StockTargetFailed", message: "BigCommerce answered 401", outcome: "permanent", operation: "push" } } } }))
      .toBe("StockTargetFailed: BigCommerce answered 401")
  })

  it("a defect says it is internal instead of printing an empty object", () => {
    expect(jobFailureText({ _id: "FiberFailure", cause: { _id: "Cause", _tag: "Die", defect: {} } })).toBe("an internal error in the worker; its log has the details")
    expect(jobFailureText({ name: "(FiberFailure) Error", message: "boom", stack: "Error: boom\n    at x (y.js:1:1)" })).toBe("boom")
  })

  it("a long reason is cut to one bounded line", () => {
    const text = jobFailureText({ message: `${"x".repeat(2000)}\nsecond line` })
    expect(text.length).toBeLessThanOrEqual(501)
    expect(text).not.toContain("\n")
  })
})
