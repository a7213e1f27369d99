import { Effect, ParseResult, Schema } from "effect"
import { readFileSync } from "node:fs"
import { parseDocument } from "yaml"
import { VortexConfig } from "./VortexConfig.js"

export class ConfigInvalid extends Schema.TaggedError<ConfigInvalid>()("ConfigInvalid", {
  file: Schema.String,
  problems: Schema.Array(Schema.String),
}) {
  override get message() { return `${this.file} is not a valid Vortex config:\n` + this.problems.map((p) => `  ${p}`).join("\n") }
}

const REFERENCE = /\$\{([A-Z_][A-Z0-9_]*)\}/g

/**
 * Replaces `${NAME}` in every string value by the environment variable, after YAML parsing so
 * that a secret's characters can never change the document's structure. Every missing
 * variable is reported, not just the first.
 */
export const substituteEnv = (value: unknown, env: Readonly<Record<string, string | undefined>>, path = "", missing: Array<string> = []): unknown => {
  if (typeof value === "string") {
    return value.replace(REFERENCE, (whole, name: string) => {
      const found = env[name]
      if (found === undefined) { missing.push(`${path}: environment variable ${name} is not set`); return whole }
      return found
    })
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, `${path}[${i}]`, missing))
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, path === "" ? k : `${path}.${k}`, missing)]))
  }
  return value
}

export const parseConfig = (file: string, text: string, env: Readonly<Record<string, string | undefined>> = process.env) =>
  Effect.gen(function* () {
    const doc = parseDocument(text, { uniqueKeys: true })
    if (doc.errors.length > 0) {
      return yield* Effect.fail(new ConfigInvalid({
        file,
        problems: doc.errors.map((e) => `${e.linePos?.[0] ? `${e.linePos[0].line}:${e.linePos[0].col} ` : ""}${e.message.split("\n")[0]}`),
      }))
    }
    const raw = yield* Effect.try({
      try: () => doc.toJS({ maxAliasCount: 50 }) as unknown,
      catch: (e) => new ConfigInvalid({ file, problems: [String(e)] }),
    })
    const missing: Array<string> = []
    const resolved = substituteEnv(raw, env, "", missing)
    if (missing.length > 0) return yield* Effect.fail(new ConfigInvalid({ file, problems: missing }))
    return yield* Schema.decodeUnknown(VortexConfig)(resolved, { errors: "all", onExcessProperty: "error" }).pipe(
      Effect.mapError((error) => new ConfigInvalid({
        file,
        problems: ParseResult.ArrayFormatter.formatErrorSync(error).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`),
      })),
    )
  })

export const readConfigFile = (file: string) =>
  Effect.try({
    try: () => readFileSync(file, "utf8"),
    catch: (e) => new ConfigInvalid({ file, problems: [`cannot read: ${e instanceof Error ? e.message : String(e)}`] }),
  }).pipe(Effect.flatMap((text) => parseConfig(file, text)))
