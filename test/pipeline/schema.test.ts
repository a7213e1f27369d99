import { assert, describe, it } from "@effect/vitest"
import { Ajv } from "ajv"
import { Ajv2020 } from "ajv/dist/2020.js"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { capabilities, connectors, flowRequirements } from "../../connectors/capabilities.js"
import { flowNames, flowTypes } from "../../engine/pipeline/flowTypes.js"

type Schema = { readonly [k: string]: unknown }
const load = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Schema
const pipelineSchema = load("schemas/pipeline.schema.json")
const canonical = readdirSync("schemas/canonical").filter((f) => f.endsWith(".schema.json")).map((f) => ({ f, schema: load(`schemas/canonical/${f}`) }))

/** Every (path, subschema) pair of a schema, depth first. */
const walk = (schema: unknown, path = "#"): Array<[string, Schema]> => {
  if (schema === null || typeof schema !== "object") return []
  const out: Array<[string, Schema]> = Array.isArray(schema) ? [] : [[path, schema as Schema]]
  for (const [k, v] of Object.entries(schema)) if (k !== "examples" && k !== "default" && k !== "const") out.push(...walk(v, `${path}/${k}`))
  return out
}

const ajv = () => {
  const a = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true, validateFormats: false })
  a.addVocabulary(["x-vortex-type", "x-vortex-currency", "x-vortex-currency-field", "x-vortex-message"])
  return a
}

describe("schemas", () => {
  for (const [name, schema] of [["pipeline.schema.json", pipelineSchema], ...canonical.map(({ f, schema }) => [f, schema] as const)] as const) {
    it(`${name}: every property has a description and every object with properties is closed`, () => {
      const undocumented: Array<string> = []
      const open: Array<string> = []
      for (const [path, node] of walk(schema)) {
        const props = node["properties"]
        if (props !== undefined && typeof props === "object" && !path.endsWith("/properties")) {
          if (node["additionalProperties"] !== false) open.push(path)
          for (const [key, prop] of Object.entries(props as Schema)) {
            if (typeof (prop as Schema)["description"] !== "string") undocumented.push(`${path}/properties/${key}`)
          }
        }
      }
      assert.deepStrictEqual(undocumented, [])
      assert.deepStrictEqual(open, [])
    })

    it(`${name}: compiles under ajv strict mode`, () => {
      assert.isFunction(ajv().compile(schema))
    })
  }

  it("the pipeline schema's own examples are valid pipelines", () => {
    const validate = ajv().compile(pipelineSchema)
    for (const example of pipelineSchema["examples"] as ReadonlyArray<unknown>) assert.isTrue(validate(example), JSON.stringify(validate.errors))
  })

  it("money fields name their currency; exact-decimal fields are never plain integers", () => {
    for (const { f, schema } of canonical) {
      for (const [path, node] of walk(schema)) {
        const kind = node["x-vortex-type"]
        if (kind === "money") {
          const fixed = node["x-vortex-currency"]
          const field = node["x-vortex-currency-field"]
          assert.isTrue(typeof fixed === "string" ? /^[A-Z]{3}$/.test(fixed) : typeof field === "string", `${f} ${path}`)
        }
        if (kind === "money" || kind === "decimal" || kind === "percent") assert.notStrictEqual(node["type"], "integer", `${f} ${path}`)
      }
    }
  })
})

/** Every *.schema.json under schemas/, canonical, pipeline and lexoffice alike. */
const allSchemaFiles = (dir = "schemas"): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? allSchemaFiles(join(dir, e.name)) : e.name.endsWith(".schema.json") ? [join(dir, e.name)] : [])

/**
 * ajv as the project builds it (SchemaCheck for 2020-12, the lexoffice contract test for draft-07),
 * but with every strict check that is on there logging instead of throwing, so one compile
 * reports every warning (strictTypes: "missing type ... for keyword ...") rather than the first.
 * strictRequired stays off, as in both loaders: `if`/`anyOf` branches name keys declared elsewhere.
 */
const collectingAjv = (dialect: "2020-12" | "draft-07", warnings: Array<string>) => {
  const logger = { log: () => {}, warn: (...a: Array<unknown>) => warnings.push(a.join(" ")), error: (...a: Array<unknown>) => warnings.push(a.join(" ")) }
  const options = { strict: "log", strictRequired: false, allErrors: true, validateFormats: false, logger } as const
  const a = dialect === "2020-12" ? new Ajv2020({ ...options, allowUnionTypes: true }) : new Ajv({ ...options, multipleOfPrecision: 8 })
  a.addVocabulary(["x-vortex-type", "x-vortex-currency", "x-vortex-currency-field", "x-vortex-message"])
  return a
}

describe("schemas compile without ajv strict-mode warnings", () => {
  it("the warning collector sees a warning (so an empty list means something)", () => {
    const warnings: Array<string> = []
    collectingAjv("draft-07", warnings).compile({ properties: { a: { items: { type: "string" } } } })
    assert.isNotEmpty(warnings)
    assert.match(warnings[0]!, /strictTypes/)
  })

  it("no schema under schemas/ logs a strict-mode warning", () => {
    const files = allSchemaFiles()
    const schemas = files.map((f) => ({ f, schema: load(f) }))
    assert.isAtLeast(schemas.length, 30)
    const warnings: Array<string> = []
    const byDialect = {
      "2020-12": collectingAjv("2020-12", warnings),
      "draft-07": collectingAjv("draft-07", warnings),
    }
    const dialectOf = (s: Schema) => (String(s["$schema"]).includes("2020-12") ? "2020-12" : "draft-07")
    // all first, so cross-file $refs (lexoffice's common.schema.json) resolve; then compile each
    for (const { schema } of schemas) byDialect[dialectOf(schema)].addSchema(schema)
    for (const { f, schema } of schemas) {
      const validate = byDialect[dialectOf(schema)].getSchema(String(schema["$id"]))
      assert.isFunction(validate, f)
    }
    assert.deepStrictEqual(warnings, [])
  })
})

describe("flow types and capabilities", () => {
  it("every flow has record types and a capability requirement", () => {
    for (const flow of flowNames) {
      assert.match(String(flowTypes[flow].source["$id"]), /^urn:vortex:canonical:/)
      assert.match(String(flowTypes[flow].target["$id"]), /^urn:vortex:canonical:/)
      assert.isDefined(flowRequirements[flow], flow)
    }
  })

  it("the stock buffer sees available and sku as variables", () => {
    assert.deepInclude(flowTypes.stock.variables["available"], { type: "integer" })
    assert.deepInclude(flowTypes.stock.variables["sku"], { type: "string" })
    assert.notProperty(flowTypes.stock.variables, "src")
  })

  it("connectors only claim capabilities that exist", () => {
    for (const info of Object.values(connectors)) {
      for (const c of info.capabilities) assert.include(capabilities, c, info.name)
    }
  })
})
