import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { MAX_COMMENT_LENGTH, MAX_DESCRIPTION_LENGTH } from "../rules/RuleLimits.js"
import { Note, PageLimit, VersionNumber, VersionParam } from "./ApiSchemas.js"
import { Authentication } from "./Authentication.js"
import {
  RuleInvalid, RuleSetExists, RuleSetNotFound, RuleTestsFailed, RuleVersionNotFound, StaleRuleVersion,
} from "../rules/errors.js"

const NamePath = Schema.Struct({ name: Schema.String })
const VersionPath = Schema.Struct({ name: Schema.String, version: VersionParam })
const Comment = Note(MAX_COMMENT_LENGTH)

const RuleSetSummary = Schema.Struct({
  name: Schema.String,
  kind: Schema.Literal("expression", "table"),
  description: Schema.String,
  publishedVersion: Schema.NullOr(Schema.Int),
})

const RuleVersion = Schema.Struct({
  version: Schema.Int,
  baseVersion: Schema.NullOr(Schema.Int),
  body: Schema.Unknown,
  checksum: Schema.String,
  author: Schema.String,
  comment: Schema.String,
  createdAt: Schema.DateFromSelf.pipe(Schema.annotations({ jsonSchema: { type: "string", format: "date-time" } })),
})

const AuditEntry = Schema.Struct({
  action: Schema.Literal("draft", "publish", "rollback"),
  fromVersion: Schema.NullOr(Schema.Int),
  toVersion: Schema.Int,
  author: Schema.String,
  comment: Schema.String,
  at: Schema.DateFromSelf.pipe(Schema.annotations({ jsonSchema: { type: "string", format: "date-time" } })),
})

const VersionRef = Schema.Struct({ name: Schema.String, version: Schema.Int })
const PointerMove = Schema.Struct({ name: Schema.String, version: Schema.Int, previous: Schema.NullOr(Schema.Int) })

const Diff = Schema.Struct({
  lines: Schema.Array(Schema.Struct({ op: Schema.Literal("same", "add", "remove"), text: Schema.String })),
  rows: Schema.Array(Schema.Unknown),
})

const PreviewRow = Schema.Struct({
  input: Schema.Unknown,
  before: Schema.optional(Schema.Unknown),
  after: Schema.Unknown,
  differences: Schema.Array(Schema.String),
})

// text/* so the server hands the handler a string (application/yaml arrives as bytes)
const Yaml = HttpApiSchema.Text({ contentType: "text/yaml" })

/** Rule sets of the calling tenant (ARCHITECTURE.md §5); every route acts for that tenant only. */
export class RulesApi extends HttpApiGroup.make("rules")
  .add(HttpApiEndpoint.get("list", "/rules")
    .setUrlParams(Schema.Struct({ limit: Schema.optional(PageLimit(500)), after: Schema.optional(Schema.String) }))
    .addSuccess(Schema.Array(RuleSetSummary))
    .annotate(OpenApi.Description, "Rule sets by name, a page at a time (limit, default 100; the next page starts after the last name)"))
  .add(HttpApiEndpoint.post("create", "/rules")
    .setPayload(Schema.Struct({
      name: Schema.String,
      description: Schema.optional(Note(MAX_DESCRIPTION_LENGTH)),
      body: Schema.Unknown,
      comment: Schema.optional(Comment),
    }))
    .addSuccess(VersionRef, { status: 201 })
    .addError(RuleSetExists).addError(RuleInvalid))
  .add(HttpApiEndpoint.get("show", "/rules/:name").setPath(NamePath)
    .addSuccess(Schema.Struct({ set: RuleSetSummary, versions: Schema.Array(RuleVersion), audit: Schema.Array(AuditEntry) }))
    .addError(RuleSetNotFound))
  .add(HttpApiEndpoint.get("version", "/rules/:name/versions/:version").setPath(VersionPath)
    .addSuccess(RuleVersion)
    .addError(RuleSetNotFound).addError(RuleVersionNotFound))
  .add(HttpApiEndpoint.get("diff", "/rules/:name/diff").setPath(NamePath)
    .setUrlParams(Schema.Struct({ from: VersionParam, to: VersionParam }))
    .addSuccess(Diff)
    .addError(RuleSetNotFound).addError(RuleVersionNotFound).addError(RuleInvalid))
  .add(HttpApiEndpoint.post("draft", "/rules/:name/drafts").setPath(NamePath)
    .setPayload(Schema.Struct({ baseVersion: Schema.NullOr(VersionNumber), body: Schema.Unknown, comment: Schema.optional(Comment) }))
    .addSuccess(VersionRef, { status: 201 })
    .addError(RuleSetNotFound).addError(RuleVersionNotFound).addError(RuleInvalid))
  .add(HttpApiEndpoint.post("validate", "/rules/:name/versions/:version/validate").setPath(VersionPath)
    .addSuccess(Schema.Struct({ valid: Schema.Literal(true) }))
    .addError(RuleSetNotFound).addError(RuleVersionNotFound).addError(RuleInvalid).addError(RuleTestsFailed))
  .add(HttpApiEndpoint.post("preview", "/rules/:name/versions/:version/preview").setPath(VersionPath)
    .setPayload(Schema.Struct({ records: Schema.Array(Schema.Unknown).pipe(Schema.maxItems(1000)) }))
    .addSuccess(Schema.Array(PreviewRow))
    .addError(RuleSetNotFound).addError(RuleVersionNotFound).addError(RuleInvalid))
  .add(HttpApiEndpoint.post("publish", "/rules/:name/publish").setPath(NamePath)
    .setPayload(Schema.Struct({ version: VersionNumber, comment: Schema.optional(Comment) }))
    .addSuccess(PointerMove)
    .addError(RuleSetNotFound).addError(RuleVersionNotFound).addError(StaleRuleVersion).addError(RuleInvalid).addError(RuleTestsFailed))
  .add(HttpApiEndpoint.post("rollback", "/rules/:name/rollback").setPath(NamePath)
    .setPayload(Schema.Struct({ version: VersionNumber, comment: Schema.optional(Comment) }))
    .addSuccess(PointerMove)
    .addError(RuleSetNotFound).addError(RuleVersionNotFound).addError(StaleRuleVersion).addError(RuleInvalid).addError(RuleTestsFailed))
  .add(HttpApiEndpoint.get("export", "/rules/:name/export").setPath(NamePath)
    .setUrlParams(Schema.Struct({ version: Schema.optional(VersionParam) }))
    .addSuccess(Yaml)
    .addError(RuleSetNotFound).addError(RuleVersionNotFound))
  .add(HttpApiEndpoint.post("import", "/rules/import")
    .setPayload(Yaml)
    .addSuccess(VersionRef, { status: 201 })
    .addError(RuleSetNotFound).addError(RuleVersionNotFound).addError(RuleSetExists).addError(RuleInvalid))
  .middleware(Authentication)
  .annotate(OpenApi.Description, "Versioned mapping rules and lookup tables: drafts, validation, preview, publish, rollback") {}
