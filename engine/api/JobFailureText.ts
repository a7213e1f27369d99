/**
 * A failed job's reason as one line a merchant can read (issue #12). pg-boss keeps whatever the
 * worker threw, serialized: for an Effect run that is a FiberFailure, serialized through its
 * `toJSON` as `{ _id: "FiberFailure", cause: { _tag: "Fail", error: {…} } }`, or an error whose
 * message is the failure's fields as JSON text. Both are taken apart here; nothing of the
 * framework's wrapping reaches the answer.
 */
type Rec = Record<string, unknown>
const isRecord = (x: unknown): x is Rec => typeof x === "object" && x !== null && !Array.isArray(x)

const MAX_LENGTH = 500
const GENERIC = new Set(["", "An error has occurred", "An unknown error occurred"])

const bounded = (text: string) => {
  const line = text.split("\n").filter((l) => !/^\s+at /.test(l)).join(" ").replace(/\s+/g, " ").trim()
  return line.length > MAX_LENGTH ? `${line.slice(0, MAX_LENGTH)}…` : line
}

const fieldText = (fields: Rec) =>
  Object.entries(fields).filter(([k]) => k !== "_tag" && k !== "stack" && k !== "name")
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`).join(", ")

/** A tagged error as "Tag: message" or "Tag (field: value, …)". */
const errorText = (error: unknown): string | undefined => {
  if (typeof error === "string") return error
  if (!isRecord(error)) return undefined
  const tag = typeof error["_tag"] === "string" ? error["_tag"] : typeof error["name"] === "string" ? error["name"].replace(/^\(FiberFailure\)\s*/, "") : undefined
  const message = typeof error["message"] === "string" && !GENERIC.has(error["message"]) ? error["message"] : undefined
  if (message !== undefined) {
    const parsed = message.startsWith("{") ? safeParse(message) : undefined
    const shown = isRecord(parsed) ? fieldText(parsed) : message
    return tag === undefined || tag === "Error" ? shown : `${tag}: ${shown}`
  }
  const fields = fieldText(error)
  if (tag !== undefined) return fields === "" ? tag : `${tag} (${fields})`
  return fields === "" ? undefined : fields
}

const safeParse = (text: string): unknown => {
  try { return JSON.parse(text) } catch { return undefined }
}

/** The first failure or defect in a serialized Cause tree. */
const causeText = (cause: unknown): string | undefined => {
  const stack: Array<unknown> = [cause]
  while (stack.length > 0) {
    const c = stack.shift()
    if (!isRecord(c)) continue
    if (c["_tag"] === "Fail") return errorText(c["error"]) ?? "the job failed"
    if (c["_tag"] === "Die") return errorText(c["defect"]) ?? "an internal error in the worker; its log has the details"
    if (c["_tag"] === "Interrupt") return "the run was interrupted (the worker stopped)"
    stack.push(c["left"], c["right"])
  }
  return undefined
}

export const jobFailureText = (output: unknown): string => {
  if (isRecord(output) && output["_id"] === "FiberFailure") return bounded(causeText(output["cause"]) ?? "the job failed")
  if (isRecord(output) && isRecord(output["cause"]) && output["cause"]["_id"] === "Cause") {
    const fromCause = causeText(output["cause"])
    if (fromCause !== undefined) return bounded(fromCause)
  }
  return bounded(errorText(output) ?? (output === null || output === undefined ? "the job failed without a reason" : JSON.stringify(output)))
}
