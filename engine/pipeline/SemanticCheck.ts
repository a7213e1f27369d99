import { connectorNames, connectors, flowRequirements, hasCapability, type Capability } from "../../connectors/capabilities.js"
import type { ProblemCode, Severity } from "./codes.js"
import { listExpressions } from "./ExpressionSites.js"
import { flowNames, flowTypes, isFlowName, type JsonSchema } from "./flowTypes.js"
import type { Position } from "./Problem.js"
import { checkPartialRecord } from "./SchemaCheck.js"
import { didYouMean } from "./Suggestion.js"
import type { ParsedYaml } from "./YamlDocument.js"
import { keyPosition, mappingPosition, valuePosition, type PathSegment } from "./YamlPosition.js"

export interface SemanticFinding {
  readonly code: ProblemCode
  readonly position: Position
  readonly message: string
  readonly severity?: Severity
}

/**
 * The shortest heartbeat the runtime runs (engine/runtime/LoadedPipelines.ts raises anything
 * shorter to this). Validation refuses a shorter one instead of letting it be changed silently.
 */
export const MIN_HEARTBEAT_SECONDS = 60

const DURATION = /^([1-9][0-9]*)(s|m|h)$/

type Rec = { readonly [key: string]: unknown }
const isRecord = (value: unknown): value is Rec => typeof value === "object" && value !== null && !Array.isArray(value)
const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined)
/**
 * Names from the file are looked up as own keys only: `connector: constructor` or a `__proto__`
 * map key must not find Object.prototype's members and pass as known.
 */
const own = <V>(table: Readonly<Record<string, V>>, key: string): V | undefined => (Object.hasOwn(table, key) ? table[key] : undefined)

/**
 * Checks that need more than the schema: connectors exist and can run the configured flows,
 * currencies fit, maps name real target fields, tests are unique and point at configured
 * flows. Written defensively: it runs even when the schema check found problems, so an author
 * sees everything in one go.
 */
export const checkSemantics = (parsed: ParsedYaml): ReadonlyArray<SemanticFinding> => {
  const root = parsed.value
  if (!isRecord(root)) return []
  const findings: Array<SemanticFinding> = []
  const push = (code: ProblemCode, position: Position, message: string, severity?: Severity) =>
    findings.push(severity === undefined ? { code, position, message } : { code, position, message, severity })

  const flows = isRecord(root["flows"]) ? root["flows"] : {}
  const side = (name: "source" | "target"): string | undefined => {
    const endpoint = root[name]
    return isRecord(endpoint) ? str(endpoint["connector"]) : undefined
  }

  const known = (path: ReadonlyArray<PathSegment>, name: string | undefined): name is string => {
    if (name === undefined) return false
    if (own(connectors, name) !== undefined) return true
    push("VX021", valuePosition(parsed, path), `unknown connector "${name}"${didYouMean(name, connectorNames)}; known: ${connectorNames.join(", ")}`)
    return false
  }

  const source = side("source")
  const target = side("target")
  const sourceKnown = known(["source", "connector"], source)
  const targetKnown = known(["target", "connector"], target)
  if (sourceKnown && targetKnown && source === target) {
    push("VX032", valuePosition(parsed, ["target", "connector"]), `source and target are both "${source}"; a pipeline connects two different systems`)
  }

  for (const [sideName, connector] of [["source", source], ["target", target]] as const) {
    const endpoint = root[sideName]
    const currency = isRecord(endpoint) ? str(endpoint["currency"]) : undefined
    const accepted = connector === undefined ? undefined : own(connectors, connector)?.currencies
    if (currency !== undefined && accepted !== undefined && !accepted.includes(currency)) {
      push("VX025", valuePosition(parsed, [sideName, "currency"]), `${connector} does not accept ${currency}; it accepts ${accepted.join(", ")}`)
    }
  }

  const need = (flow: string, role: "source" | "target" | "courier", connector: string, capability: Capability) => {
    if (hasCapability(connector, capability)) return
    const info = own(connectors, connector)
    const has = info === undefined ? "" : ` (${connector} has: ${info.capabilities.join(", ")})`
    push(
      "VX022",
      keyPosition(parsed, ["flows", flow]),
      `flow "${flow}" needs capability "${capability}" on the ${role} connector, but ${connector} lacks it${has}`,
    )
  }

  for (const flow of Object.keys(flows)) {
    const requirement = own(flowRequirements, flow)
    if (requirement === undefined) continue
    if (requirement.source !== undefined && sourceKnown) need(flow, "source", source, requirement.source)
    if (requirement.target !== undefined && targetKnown) need(flow, "target", target, requirement.target)
    const config = flows[flow]
    if (requirement.courier !== undefined && isRecord(config) && isRecord(config["courier"])) {
      const courier = str(config["courier"]["connector"])
      if (known(["flows", flow, "courier", "connector"], courier)) need(flow, "courier", courier, requirement.courier)
    }
  }

  const schedule = root["schedule"]
  const heartbeat = isRecord(schedule) ? str(schedule["heartbeat"]) : undefined
  const duration = heartbeat === undefined ? null : DURATION.exec(heartbeat)
  if (duration !== null) {
    const seconds = Number(duration[1]) * (duration[2] === "h" ? 3600 : duration[2] === "m" ? 60 : 1)
    if (seconds < MIN_HEARTBEAT_SECONDS) {
      push("VX015", valuePosition(parsed, ["schedule", "heartbeat"]), `schedule.heartbeat: ${heartbeat} is shorter than the minimum heartbeat of 1m (${MIN_HEARTBEAT_SECONDS} s); the runtime would run it every minute`)
    }
  }
  const webhooks = isRecord(schedule) ? schedule["webhooks"] : undefined
  if (webhooks === true && sourceKnown && targetKnown && !hasCapability(source, "webhook-source") && !hasCapability(target, "webhook-source")) {
    push("VX026", valuePosition(parsed, ["schedule", "webhooks"]), `neither ${source} nor ${target} sends webhooks; flows run on the heartbeat only`, "warning")
  }

  for (const flow of flowNames) {
    const config = flows[flow]
    if (isRecord(config) && isRecord(config["map"])) {
      checkMapRecord(parsed, config["map"], flowTypes[flow].target, ["flows", flow, "map"], push)
    }
  }

  // `contact` exists only once the engine has resolved it (flowTypes.ts); the DSL checker sees
  // it always in scope, so the option dependency is checked here.
  for (const site of listExpressions(parsed)) {
    const config = flows[site.flow]
    if (site.flow !== "orders" && site.flow !== "returns") continue
    if (isRecord(config) && config["contact"] === "find-or-create") continue
    const use = /(^|[^.\w])contact\./.exec(site.expression)
    if (use === null) continue
    push("VX033", site.positionAt(use.index + use[1]!.length), `${site.flow}: "contact" is only available with contact: find-or-create`)
  }

  const tests = Array.isArray(root["tests"]) ? root["tests"] : []
  const firstByName = new Map<string, number>()
  tests.forEach((test, i) => {
    if (!isRecord(test)) return
    const name = str(test["name"])
    if (name !== undefined) {
      const first = firstByName.get(name)
      if (first === undefined) firstByName.set(name, i)
      else push("VX023", valuePosition(parsed, ["tests", i, "name"]), `test name "${name}" is already used by tests[${first}]; names must be unique`)
    }
    const flow = str(test["flow"])
    if (flow === undefined || !isFlowName(flow)) return
    if (!Object.hasOwn(flows, flow)) {
      const configured = Object.keys(flows).filter(isFlowName)
      push("VX024", valuePosition(parsed, ["tests", i, "flow"]), `test "${name ?? i}" runs flow "${flow}", which this pipeline does not configure (configured: ${configured.join(", ") || "none"})`)
      return
    }
    const types = flowTypes[flow]
    if (isRecord(test["input"])) {
      findings.push(...checkPartialRecord(parsed, types.source, test["input"], ["tests", i, "input"], "VX030"))
    }
    if (isRecord(test["expect"])) {
      findings.push(...checkPartialRecord(parsed, types.target, test["expect"], ["tests", i, "expect"], "VX031"))
    }
  })
  return findings
}

type Push = (code: ProblemCode, position: Position, message: string) => void

const titleOf = (schema: JsonSchema): string => str(schema["title"]) ?? str(schema["description"]) ?? "record"
const typesOf = (schema: JsonSchema): ReadonlyArray<string> => {
  const t = schema["type"]
  return Array.isArray(t) ? t.map(String) : typeof t === "string" ? [t] : []
}

/** Compares a map block with the target record schema: unknown fields, missing required ones, wrong shapes. */
const checkMapRecord = (
  parsed: ParsedYaml,
  record: Rec,
  schema: JsonSchema,
  path: ReadonlyArray<PathSegment>,
  push: Push,
): void => {
  const properties = (isRecord(schema["properties"]) ? schema["properties"] : {}) as Readonly<Record<string, JsonSchema>>
  for (const [key, value] of Object.entries(record)) {
    const property = own(properties, key)
    if (property === undefined) {
      push("VX027", keyPosition(parsed, [...path, key]), `"${key}" is not a field of ${titleOf(schema)}${didYouMean(key, Object.keys(properties))}`)
      continue
    }
    checkMapValue(parsed, value, property, [...path, key], key, push)
  }
  const required = Array.isArray(schema["required"]) ? schema["required"].map(String) : []
  for (const field of required) {
    if (!Object.hasOwn(record, field)) push("VX028", mappingPosition(parsed, path), `map does not produce "${field}", which ${titleOf(schema)} requires`)
  }
}

const checkMapValue = (
  parsed: ParsedYaml,
  value: unknown,
  property: JsonSchema,
  path: ReadonlyArray<PathSegment>,
  field: string,
  push: Push,
): void => {
  if (!isRecord(value) || "rule" in value) return
  const types = typesOf(property)
  if ("for" in value) {
    const items = property["items"]
    if (!types.includes("array") || !isRecord(items)) {
      push("VX029", keyPosition(parsed, path), `"${field}" is not a list in the target record, so it cannot be built with "for"`)
    } else {
      if (isRecord(value["map"])) checkMapRecord(parsed, value["map"], items, [...path, "map"], push)
      const append = Array.isArray(value["append"]) ? value["append"] : []
      append.forEach((extra, i) => {
        if (isRecord(extra) && isRecord(extra["map"])) checkMapRecord(parsed, extra["map"], items, [...path, "append", i, "map"], push)
      })
    }
    return
  }
  if (!types.includes("object")) {
    push("VX029", keyPosition(parsed, path), `"${field}" is a ${types.join(" or ") || "value"} in the target record, not a nested record; give one expression`)
    return
  }
  checkMapRecord(parsed, value, property, path, push)
}

/** Pipelines whose `name` another file already declared: [file, position, message] per later file. */
export const duplicateNames = (
  files: ReadonlyArray<{ readonly file: string; readonly parsed: ParsedYaml }>,
): ReadonlyArray<{ readonly file: string; readonly finding: SemanticFinding }> => {
  const firstFile = new Map<string, string>()
  const out: Array<{ file: string; finding: SemanticFinding }> = []
  for (const { file, parsed } of files) {
    const root = parsed.value
    const name = isRecord(root) ? str(root["name"]) : undefined
    if (name === undefined) continue
    const first = firstFile.get(name)
    if (first === undefined) {
      firstFile.set(name, file)
      continue
    }
    out.push({
      file,
      finding: { code: "VX020", position: valuePosition(parsed, ["name"]), message: `pipeline name "${name}" is already declared in ${first}; names must be unique` },
    })
  }
  return out
}
