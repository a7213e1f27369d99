import { T, type Type } from "./types.js"

/**
 * Derives a DSL type from a JSON Schema (the canonical record schemas, a connector's target
 * schema). object → record, array → list, integer → int, number → decimal, string with
 * format date/date-time → date, enum → enum. The annotation
 * `"x-vortex-type": "decimal" | "money" | "percent" | "date"` overrides the JSON type, with
 * `"x-vortex-currency"` fixing a money field's currency. A property not in `required`, or a
 * schema allowing `null`, is nullable. `$ref` to `#/definitions/…` or `#/$defs/…` is followed.
 */
export type JsonSchema = { readonly [k: string]: unknown }

export const typeFromJsonSchema = (schema: JsonSchema, root: JsonSchema = schema, seen: ReadonlySet<string> = new Set()): Type => {
  const ref = schema["$ref"]
  if (typeof ref === "string") {
    if (seen.has(ref)) return T.error // a recursive schema: not representable, absorb uses
    const target = resolveRef(root, ref)
    return target === undefined ? T.error : typeFromJsonSchema(target, root, new Set([...seen, ref]))
  }
  const types = Array.isArray(schema["type"]) ? (schema["type"] as ReadonlyArray<string>) : typeof schema["type"] === "string" ? [schema["type"]] : []
  const allowsNull = types.includes("null")
  const base = baseType(schema, types.filter((t) => t !== "null"), root, seen)
  return allowsNull ? T.nullable(base) : base
}

const baseType = (schema: JsonSchema, types: ReadonlyArray<string>, root: JsonSchema, seen: ReadonlySet<string>): Type => {
  const vortex = schema["x-vortex-type"]
  if (vortex === "money") return T.money(typeof schema["x-vortex-currency"] === "string" ? schema["x-vortex-currency"] : undefined)
  if (vortex === "decimal") return T.decimal
  if (vortex === "percent") return T.percent
  if (vortex === "date") return T.date
  if (Array.isArray(schema["enum"])) {
    const values = (schema["enum"] as ReadonlyArray<unknown>).filter((v): v is string => typeof v === "string")
    const hasNull = (schema["enum"] as ReadonlyArray<unknown>).includes(null)
    if (values.length > 0) return hasNull ? T.nullable(T.enum(values)) : T.enum(values)
  }
  if (typeof schema["const"] === "string") return T.enum([schema["const"]])
  const type = types[0] ?? (schema["properties"] !== undefined ? "object" : schema["items"] !== undefined ? "array" : undefined)
  switch (type) {
    case "object": {
      const props = (schema["properties"] ?? {}) as Record<string, JsonSchema>
      const required = Array.isArray(schema["required"]) ? (schema["required"] as ReadonlyArray<string>) : []
      // fromEntries defines own properties: a property named "__proto__" stays a field.
      const fields: Record<string, Type> = Object.fromEntries(Object.entries(props).map(([k, sub]) => {
        const t = typeFromJsonSchema(sub, root, seen)
        return [k, required.includes(k) ? t : T.nullable(t)]
      }))
      return T.record(fields, required)
    }
    case "array": return T.list(schema["items"] !== undefined && typeof schema["items"] === "object" ? typeFromJsonSchema(schema["items"] as JsonSchema, root, seen) : T.error)
    case "integer": return T.int
    case "number": return T.decimal
    case "boolean": return T.bool
    case "null": return T.null
    case "string": return schema["format"] === "date" || schema["format"] === "date-time" ? T.date : T.string
    default: return T.error
  }
}

const resolveRef = (root: JsonSchema, ref: string): JsonSchema | undefined => {
  if (!ref.startsWith("#/")) return undefined
  let cur: unknown = root
  for (const part of ref.slice(2).split("/")) {
    const name = part.replace(/~1/g, "/").replace(/~0/g, "~")
    if (typeof cur !== "object" || cur === null || !Object.hasOwn(cur, name)) return undefined
    cur = (cur as Record<string, unknown>)[name]
  }
  return typeof cur === "object" && cur !== null ? (cur as JsonSchema) : undefined
}
