import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

// Status annotations let the HTTP API answer each domain error with its own code and body.

export class RuleSetNotFound extends Schema.TaggedError<RuleSetNotFound>()("RuleSetNotFound", {
  name: Schema.String,
}, HttpApiSchema.annotations({ status: 404 })) {
  override get message() { return `rule set "${this.name}" does not exist` }
}

export class RuleVersionNotFound extends Schema.TaggedError<RuleVersionNotFound>()("RuleVersionNotFound", {
  name: Schema.String,
  version: Schema.Int,
}, HttpApiSchema.annotations({ status: 404 })) {
  override get message() { return `rule set "${this.name}" has no version ${this.version}` }
}

export class RuleSetExists extends Schema.TaggedError<RuleSetExists>()("RuleSetExists", {
  name: Schema.String,
}, HttpApiSchema.annotations({ status: 409 })) {
  override get message() { return `rule set "${this.name}" already exists` }
}

/** Optimistic locking: the draft was edited from a version that is no longer the published one. */
export class StaleRuleVersion extends Schema.TaggedError<StaleRuleVersion>()("StaleRuleVersion", {
  name: Schema.String,
  version: Schema.Int,
  basedOn: Schema.NullOr(Schema.Int),
  published: Schema.NullOr(Schema.Int),
}, HttpApiSchema.annotations({ status: 409 })) {
  override get message() {
    return `rule set "${this.name}" version ${this.version} was edited from ${this.basedOn === null ? "nothing" : `version ${this.basedOn}`}, ` +
      `but version ${this.published} has been published since: merge its changes into a new draft and publish that`
  }
}

export const RuleProblem = Schema.Struct({
  code: Schema.String,
  message: Schema.String,
  /** 1-based position inside the rule source, when the problem has one */
  line: Schema.optional(Schema.Int),
  column: Schema.optional(Schema.Int),
  /** where in the body: "source", "rows[3].key", "tests[0]" */
  path: Schema.String,
})
export type RuleProblem = typeof RuleProblem.Type

export class RuleInvalid extends Schema.TaggedError<RuleInvalid>()("RuleInvalid", {
  name: Schema.String,
  problems: Schema.Array(RuleProblem),
}, HttpApiSchema.annotations({ status: 422 })) {
  override get message() {
    return `rule set "${this.name}" is invalid:\n` + this.problems.map((p) =>
      `  ${p.path}${p.line !== undefined ? `:${p.line}:${p.column ?? 1}` : ""}  ${p.code}  ${p.message}`).join("\n")
  }
}

export const RuleTestFailure = Schema.Struct({
  test: Schema.String,
  expected: Schema.Unknown,
  actual: Schema.Unknown,
})

export class RuleTestsFailed extends Schema.TaggedError<RuleTestsFailed>()("RuleTestsFailed", {
  name: Schema.String,
  failures: Schema.Array(RuleTestFailure),
}, HttpApiSchema.annotations({ status: 422 })) {
  override get message() {
    return `rule set "${this.name}": ${this.failures.length} test(s) failed, so it cannot be published:\n` +
      this.failures.map((f) => `  ${f.test}: expected ${JSON.stringify(f.expected)}, got ${JSON.stringify(f.actual)}`).join("\n")
  }
}
