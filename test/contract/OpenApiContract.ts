/**
 * Validates concrete HTTP requests and responses against official OpenAPI 3.0 documents.
 *
 * Each YAML document is registered whole with ajv under its own `$id`, after a pass that turns
 * OpenAPI 3.0 dialect into JSON Schema draft-07 (`nullable`, boolean `exclusiveMinimum`), so every
 * internal `$ref` (`#/components/...`) — recursive ones included — is resolved by ajv itself
 * against that document. An operation's body schema is then just a `$ref` to its JSON pointer.
 */
import { readFileSync } from "node:fs"
import { basename } from "node:path"
import { Ajv, type ValidateFunction } from "ajv"
import { parse as parseYaml } from "yaml"

export interface ContractDocument {
  readonly file: string
  /** Path prefix of the `servers` URL after the store hash, e.g. `/v3`. */
  readonly base: string
}

export interface Exchange {
  readonly method: string
  /** Path without the `/stores/{hash}` prefix, with the version: `/v3/catalog/products?x=1`. */
  readonly path: string
  readonly requestBody?: unknown
  readonly status: number
  readonly responseContentType?: string
  readonly responseBody?: unknown
}

export interface Violation {
  readonly exchange: string
  readonly where: "request" | "response" | "operation"
  readonly message: string
}

interface Operation {
  readonly docId: string
  readonly doc: any
  readonly template: string
  readonly regex: RegExp
  readonly params: number
  readonly method: string
  readonly pointer: string
  readonly node: any
  /** Path-level parameters, which apply to every method of the path. */
  readonly pathParameters: ReadonlyArray<any>
}

const pointerEscape = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1")

/** OpenAPI 3.0 schema keywords that JSON Schema draft-07 spells differently. */
const toDraft7 = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(toDraft7)
  if (node === null || typeof node !== "object") return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) out[k] = toDraft7(v)
  // Some BigCommerce documents still spell it the Swagger 2 way, `x-nullable`.
  if (out.nullable === true || out["x-nullable"] === true) {
    delete out.nullable
    delete out["x-nullable"]
    if (typeof out.type === "string") out.type = [out.type, "null"]
    else if (Array.isArray(out.type) && !out.type.includes("null")) out.type = [...out.type, "null"]
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null]
    // `nullable` without `type` (e.g. beside allOf/$ref): null is allowed as an alternative.
    if (out.type === undefined) {
      const rest = { ...out }
      for (const key of Object.keys(out)) delete out[key]
      out.anyOf = [rest, { type: "null" }]
    }
  }
  for (const bound of ["exclusiveMinimum", "exclusiveMaximum"] as const) {
    if (typeof out[bound] === "boolean") {
      const plain = bound === "exclusiveMinimum" ? "minimum" : "maximum"
      if (out[bound] === true && typeof out[plain] === "number") {
        out[bound] = out[plain]
        delete out[plain]
      } else delete out[bound]
    }
  }
  return out
}

/** Rewrites `required` so that readOnly properties are not demanded of requests (and writeOnly of responses). */
const forDirection = (node: unknown, skip: "readOnly" | "writeOnly"): unknown => {
  if (Array.isArray(node)) return node.map((n) => forDirection(n, skip))
  if (node === null || typeof node !== "object") return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) out[k] = forDirection(v, skip)
  const props = out.properties as Record<string, any> | undefined
  if (Array.isArray(out.required) && props !== undefined && typeof props === "object") {
    out.required = (out.required as Array<string>).filter((name) => props[name]?.[skip] !== true)
  }
  return out
}

export class OpenApiContract {
  private readonly ajv: Ajv
  private readonly operations: Array<Operation> = []
  private readonly compiled = new Map<string, ValidateFunction>()
  private readonly docs = new Map<string, any>()

  constructor(files: ReadonlyArray<string>) {
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, validateFormats: false, logger: false })
    for (const file of files) {
      const raw = parseYaml(readFileSync(file, "utf8")) as any
      const converted = toDraft7(raw) as any
      const name = basename(file)
      const base = new URL(String(raw.servers?.[0]?.url ?? "https://x/").replace(/\{store_hash\}/g, "h")).pathname
        .replace(/^\/stores\/h/, "")
        .replace(/\/$/, "")
      for (const dir of ["request", "response"] as const) {
        const docId = `bc:${dir}:${name}`
        const doc = forDirection(converted, dir === "request" ? "readOnly" : "writeOnly") as any
        this.ajv.addSchema({ ...doc, $id: docId })
        this.docs.set(docId, doc)
      }
      for (const [template, item] of Object.entries<any>(converted.paths ?? {})) {
        for (const method of ["get", "put", "post", "delete", "patch"]) {
          if (item?.[method] === undefined) continue
          const full = base + template
          const pattern = full.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")
          this.operations.push({
            docId: `bc:%DIR%:${name}`,
            doc: converted,
            template: full,
            regex: new RegExp(`^${pattern}$`),
            params: (template.match(/\{/g) ?? []).length,
            method: method.toUpperCase(),
            pointer: `/paths/${pointerEscape(template)}/${method}`,
            node: item[method],
            pathParameters: item.parameters ?? [],
          })
        }
      }
    }
  }

  /** The operation a concrete path addresses; literal segments win over templated ones (`/orders/count`). */
  findOperation(method: string, path: string): Operation | undefined {
    const bare = path.split("?")[0]!
    return this.operations
      .filter((op) => op.method === method.toUpperCase() && op.regex.test(bare))
      .sort((a, b) => a.params - b.params)[0]
  }

  /** Follows a `$ref` to another node of the same document, returning the node and its pointer. */
  private deref(doc: any, node: any, pointer: string): { node: any; pointer: string } {
    let current = node
    let at = pointer
    while (current !== undefined && typeof current.$ref === "string" && current.$ref.startsWith("#/")) {
      at = current.$ref.slice(1)
      current = at.split("/").slice(1).reduce((n: any, seg: string) => n?.[seg.replace(/~1/g, "/").replace(/~0/g, "~")], doc)
    }
    return { node: current, pointer: at }
  }

  private validator(docId: string, pointer: string): ValidateFunction {
    const key = `${docId}#${pointer}`
    let fn = this.compiled.get(key)
    if (fn === undefined) {
      fn = this.ajv.compile({ $ref: key })
      this.compiled.set(key, fn)
    }
    return fn
  }

  private pickJson(content: Record<string, any> | undefined, contentType: string | undefined): string | undefined {
    if (content === undefined) return undefined
    const wanted = contentType?.split(";")[0]?.trim()
    if (wanted !== undefined && content[wanted] !== undefined) return wanted
    return Object.keys(content).find((k) => /json/.test(k))
  }

  /** Every way the exchange departs from the documents; empty when it conforms. */
  check(ex: Exchange): Array<Violation> {
    const label = `${ex.method} ${ex.path} -> ${ex.status}`
    const op = this.findOperation(ex.method, ex.path)
    if (op === undefined) return [{ exchange: label, where: "operation", message: "no such operation in the specs" }]
    const out: Array<Violation> = []
    const query = new URLSearchParams(ex.path.split("?")[1] ?? "")
    if ([...query.keys()].length > 0) {
      const documented = new Set(
        [...op.pathParameters, ...(op.node.parameters ?? [])]
          .map((p: any) => this.deref(op.doc, p, "").node)
          .filter((p: any) => p?.in === "query")
          .map((p: any) => String(p.name)),
      )
      for (const name of new Set(query.keys())) {
        if (!documented.has(name)) out.push({ exchange: label, where: "request", message: `query parameter "${name}" is not documented` })
      }
    }
    const run = (where: "request" | "response", pointer: string, body: unknown) => {
      const fn = this.validator(op.docId.replace("%DIR%", where), pointer)
      if (!fn(body)) {
        for (const e of fn.errors ?? []) out.push({ exchange: label, where, message: `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}` })
      }
    }
    if (ex.requestBody !== undefined) {
      const rb = this.deref(op.doc, op.node.requestBody, `${op.pointer}/requestBody`)
      const media = this.pickJson(rb.node?.content, "application/json")
      if (media === undefined) out.push({ exchange: label, where: "request", message: "the operation documents no JSON request body" })
      else run("request", `${rb.pointer}/content/${pointerEscape(media)}/schema`, ex.requestBody)
    }
    const responses = op.node.responses ?? {}
    const key = String(ex.status) in responses ? String(ex.status) : `${String(ex.status)[0]}XX` in responses ? `${String(ex.status)[0]}XX` : "default" in responses ? "default" : undefined
    if (key === undefined) {
      out.push({ exchange: label, where: "response", message: `status ${ex.status} is not documented for ${op.method} ${op.template}` })
      return out
    }
    const resp = this.deref(op.doc, responses[key], `${op.pointer}/responses/${key}`)
    const media = this.pickJson(resp.node?.content, ex.responseContentType)
    if (media === undefined || resp.node.content[media]?.schema === undefined) {
      // Error answers carry a body even where a spec forgot to describe it (e.g. catalog 413).
      if (ex.responseBody !== undefined && ex.status < 400) out.push({ exchange: label, where: "response", message: "a body was returned where the spec documents none" })
      return out
    }
    if (ex.responseBody === undefined) {
      out.push({ exchange: label, where: "response", message: "no body returned where the spec documents one" })
      return out
    }
    run("response", `${resp.pointer}/content/${pointerEscape(media)}/schema`, ex.responseBody)
    return out
  }

  /** Whether the spec documents this status for the operation at all (401/429/5xx usually are not). */
  documents(method: string, path: string, status: number): boolean {
    const op = this.findOperation(method, path)
    const responses = op?.node.responses ?? {}
    return String(status) in responses || `${String(status)[0]}XX` in responses || "default" in responses
  }
}
