import { Schema } from "effect"

/** Flows a rule can belong to; the same names as pipeline `flows:` keys. */
export const FlowName = Schema.Literal("catalog", "stock", "orders", "invoices", "tracking", "returns")
export type FlowName = typeof FlowName.Type

/** A JSON value as it arrives in a request or a YAML file; amounts stay strings. */
const Json = Schema.Unknown

export const ExpressionTest = Schema.Struct({
  name: Schema.NonEmptyTrimmedString,
  /** The record the rule sees as `src` (and `available`, `sku` in the stock flow). */
  input: Schema.Record({ key: Schema.String, value: Json }),
  expect: Json,
})

/**
 * An expression bound to a flow, optionally overriding one field of a pipeline's `map:`
 * (`field: price` replaces the inline `price:` expression of every pipeline that names this
 * rule set). Written as DSL text or as JSON Logic, which compile to the same AST.
 */
export const ExpressionBody = Schema.Struct({
  kind: Schema.Literal("expression"),
  flow: FlowName,
  field: Schema.optional(Schema.String.pipe(Schema.pattern(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/))),
  language: Schema.Literal("dsl", "jsonlogic"),
  source: Json,
  tests: Schema.Array(ExpressionTest),
})
export type ExpressionBody = typeof ExpressionBody.Type

export const TableValueType = Schema.Literal("string", "int", "decimal", "bool")

export const TableRow = Schema.Struct({
  key: Schema.String,
  value: Json,
})

export const TableTest = Schema.Struct({
  name: Schema.NonEmptyTrimmedString,
  key: Schema.String,
  expect: Json,
})

/** A lookup table (tax classes, category and status maps, country codes) used by `lookup()`. */
export const TableBody = Schema.Struct({
  kind: Schema.Literal("table"),
  keyType: Schema.Literal("string", "int", "decimal"),
  valueType: TableValueType,
  rows: Schema.Array(TableRow),
  tests: Schema.Array(TableTest),
})
export type TableBody = typeof TableBody.Type

export const RuleBody = Schema.Union(ExpressionBody, TableBody)
export type RuleBody = typeof RuleBody.Type
