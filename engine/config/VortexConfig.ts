import { Schema } from "effect"

/** Connectors a connection may name; `connectors/capabilities.ts` says what each can do. */
export const ConnectorName = Schema.Literal("lexoffice", "bigcommerce", "sharafdg", "celro", "dhl")

export const ConnectionConfig = Schema.Struct({
  name: Schema.String.pipe(Schema.pattern(/^[a-z][a-z0-9-]{0,62}$/, { message: () => "a connection name is lower-case letters, digits and dashes" })),
  connector: ConnectorName,
  /** The API's base URL; defaults to the vendor's production URL. The sandbox points it at a simulator. */
  baseUrl: Schema.optional(Schema.String),
  /** Secrets, usually `${ENV_VAR}` references; stored encrypted, never logged. */
  credentials: Schema.Record({ key: Schema.String, value: Schema.String }),
  settings: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Unknown }), { default: () => ({}) }),
})
export type ConnectionConfig = typeof ConnectionConfig.Type

export const PipelineBindingConfig = Schema.Struct({
  /** Path of the pipeline YAML, relative to the config file. */
  file: Schema.String,
  /** Connection names: the pipeline's `source.connector` / `target.connector` must match their connectors. */
  source: Schema.String,
  target: Schema.String,
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true }),
})

export const TenantConfig = Schema.Struct({
  slug: Schema.String.pipe(Schema.pattern(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: () => "a tenant slug is lower-case letters, digits and dashes" })),
  name: Schema.String,
  connections: Schema.Array(ConnectionConfig),
  pipelines: Schema.optionalWith(Schema.Array(PipelineBindingConfig), { default: () => [] }),
})
export type TenantConfig = typeof TenantConfig.Type

/** `vortex.yaml`: the tenants this installation serves, their connections and pipelines. */
export const VortexConfig = Schema.Struct({
  apiVersion: Schema.Literal("vortex/v1"),
  kind: Schema.Literal("Config"),
  tenants: Schema.Array(TenantConfig),
})
export type VortexConfig = typeof VortexConfig.Type
