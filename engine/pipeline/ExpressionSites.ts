import { isScalar } from "yaml"
import type { Scalar } from "yaml"
import { defaultItemName, flowNames, type FlowName } from "./flowTypes.js"
import type { Position } from "./Problem.js"
import { positionOf, type ParsedYaml } from "./YamlDocument.js"
import { locate, positionInScalar, toPointer, type PathSegment } from "./YamlPosition.js"

/**
 * Where a DSL expression sits in a pipeline and what it means there.
 *
 * - `when`     bool filter of a flow, of a `for` list's elements (`bindings` non-empty) or of an
 *              `append`ed extra element
 * - `map`      one target field's value; `field` is its path in the target record
 * - `for`      the list a target list is built from; `field` is the target list's path
 * - `buffer`   the stock flow's safety buffer (int)
 * - `refuse`   a refusal rule's bool condition; sees `out` (the mapped record) too
 */
export type ExpressionRole = "when" | "map" | "for" | "buffer" | "refuse"

/** An element variable bound by an enclosing `for`, outermost first. */
export interface ItemBinding {
  /** Variable name inside the list's `map` (`as`, default `item`). */
  readonly name: string
  /** The `for` expression whose element type the variable has. */
  readonly over: string
  /** JSON pointer of that `for` expression in the file. */
  readonly overPointer: string
  /** Path of the target list in the target record, e.g. ["lineItems"]. */
  readonly field: ReadonlyArray<string>
}

export interface ExpressionSite {
  readonly flow: FlowName
  readonly role: ExpressionRole
  /** Target-record path for `map` and `for`, e.g. ["lineItems", "unitPrice", "netAmount"]; [] otherwise. */
  readonly field: ReadonlyArray<string>
  /** JSON pointer of the string in the YAML document, e.g. "/flows/catalog/map/price". */
  readonly pointer: string
  readonly expression: string
  readonly bindings: ReadonlyArray<ItemBinding>
  /** Position of the string's first character (inside the quotes). */
  readonly position: Position
  /** Maps an offset inside `expression` to its line:column in the file. */
  readonly positionAt: (offset: number) => Position
  /**
   * When the string is reached through an alias, `positionAt` is where the alias is used (the
   * context the expression is checked in) and this maps the offset into the anchored string.
   */
  readonly anchoredAt?: (offset: number) => Position
}

type Record_ = { readonly [key: string]: unknown }
const isRecord = (value: unknown): value is Record_ => typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * Every DSL expression string of a pipeline with its YAML position and the flow/field it
 * belongs to, flow by flow (in flowNames order). Works on whatever part of the document is well-formed: a
 * value that is not a string where an expression belongs is the schema check's business.
 */
export const listExpressions = (parsed: ParsedYaml): ReadonlyArray<ExpressionSite> => {
  const sites: Array<ExpressionSite> = []
  const root = parsed.value
  if (!isRecord(root) || !isRecord(root["flows"])) return sites
  const flows = root["flows"]

  const add = (
    flow: FlowName,
    role: ExpressionRole,
    path: ReadonlyArray<PathSegment>,
    value: unknown,
    field: ReadonlyArray<string>,
    bindings: ReadonlyArray<ItemBinding>,
  ) => {
    if (typeof value !== "string") return
    const { node, target } = locate(parsed.doc, path)
    const scalar = isScalar(target) ? (target as Scalar) : undefined
    const inScalar = (offset: number): Position =>
      scalar !== undefined ? positionInScalar(parsed, scalar, offset) : positionOf(parsed.lineCounter, node?.range?.[0] ?? 0)
    const pointer = toPointer(path)
    if (node !== target && node?.range != null) {
      // reached through an alias: the problem is reported where the alias puts the string to use
      const used = positionOf(parsed.lineCounter, node.range[0])
      sites.push({ flow, role, field, pointer, expression: value, bindings, position: used, positionAt: () => used, anchoredAt: inScalar })
      return
    }
    sites.push({ flow, role, field, pointer, expression: value, bindings, position: inScalar(0), positionAt: inScalar })
  }

  const walkRecord = (
    flow: FlowName,
    record: unknown,
    path: ReadonlyArray<PathSegment>,
    field: ReadonlyArray<string>,
    bindings: ReadonlyArray<ItemBinding>,
  ) => {
    if (!isRecord(record)) return
    for (const [key, value] of Object.entries(record)) walkValue(flow, value, [...path, key], [...field, key], bindings)
  }

  const walkValue = (
    flow: FlowName,
    value: unknown,
    path: ReadonlyArray<PathSegment>,
    field: ReadonlyArray<string>,
    bindings: ReadonlyArray<ItemBinding>,
  ) => {
    if (typeof value === "string") return add(flow, "map", path, value, field, bindings)
    if (!isRecord(value)) return
    if ("for" in value) {
      add(flow, "for", [...path, "for"], value["for"], field, bindings)
      if (typeof value["for"] !== "string") return
      const binding: ItemBinding = {
        name: typeof value["as"] === "string" ? value["as"] : defaultItemName,
        over: value["for"],
        overPointer: toPointer([...path, "for"]),
        field,
      }
      const inner = [...bindings, binding]
      add(flow, "when", [...path, "when"], value["when"], [], inner)
      walkRecord(flow, value["map"], [...path, "map"], field, inner)
      const append = value["append"]
      if (Array.isArray(append)) {
        append.forEach((extra, i) => {
          if (!isRecord(extra)) return
          add(flow, "when", [...path, "append", i, "when"], extra["when"], [], bindings)
          walkRecord(flow, extra["map"], [...path, "append", i, "map"], field, bindings)
        })
      }
      return
    }
    // `{ rule: name }` takes its expression from the rule store; nothing to list here
    if ("rule" in value) return
    walkRecord(flow, value, path, field, bindings)
  }

  for (const flow of flowNames) {
    const config = flows[flow]
    if (!isRecord(config)) continue
    const at: ReadonlyArray<PathSegment> = ["flows", flow]
    add(flow, "when", [...at, "when"], config["when"], [], [])
    if (flow === "stock") add(flow, "buffer", [...at, "buffer"], config["buffer"], [], [])
    walkRecord(flow, config["map"], [...at, "map"], [], [])
    const refuse = config["refuse"]
    if (Array.isArray(refuse)) {
      refuse.forEach((rule, i) => {
        if (isRecord(rule)) add(flow, "refuse", [...at, "refuse", i, "when"], rule["when"], [], [])
      })
    }
  }
  return sites
}
