/**
 * Secrets never reach a log line or an error message. Three kinds of leak are covered: auth
 * headers, secret-looking keys in JSON bodies and query strings, and the literal secret values
 * themselves wherever they appear in text (lexoffice's 403 body echoes the access token back).
 */
const SENSITIVE_HEADERS = new Set([
  "authorization", "proxy-authorization", "x-auth-token", "x-auth-client", "x-api-key", "cookie", "set-cookie",
])

const SENSITIVE_KEY = /token|secret|password|passwd|authorization|api[-_]?key|signature|credential/i

export const REDACTED = "[redacted]"

export const redactHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    out[name] = SENSITIVE_HEADERS.has(name.toLowerCase()) ? REDACTED : value
  }
  return out
}

/** Replaces every occurrence of a known secret value (shorter than 6 chars is ignored: too many false hits). */
export const redactText = (text: string, secrets: ReadonlyArray<string>): string => {
  let out = text
  for (const secret of secrets) {
    if (secret.length >= 6) out = out.split(secret).join(REDACTED)
  }
  return out
}

const redactValue = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(redactValue)
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {}
    for (const [key, inner] of Object.entries(value)) {
      out[key] = SENSITIVE_KEY.test(key) ? REDACTED : redactValue(inner)
    }
    return out
  }
  return value
}

/** A body as it may be logged: JSON with secret keys masked, other text masked of known secrets, truncated. */
export const redactBody = (text: string, secrets: ReadonlyArray<string>, maxLength = 2000): string => {
  let out: string
  try {
    out = JSON.stringify(redactValue(JSON.parse(text)))
  } catch {
    out = text
  }
  out = redactText(out, secrets)
  return out.length > maxLength ? `${out.slice(0, maxLength)}…(${out.length} chars)` : out
}

export const redactUrl = (url: string, secrets: ReadonlyArray<string>): string => {
  let out = url
  const queryStart = url.indexOf("?")
  if (queryStart >= 0) {
    const params = new URLSearchParams(url.slice(queryStart + 1))
    for (const key of [...params.keys()]) {
      if (SENSITIVE_KEY.test(key)) params.set(key, REDACTED)
    }
    out = `${url.slice(0, queryStart)}?${params.toString()}`
  }
  return redactText(out, secrets)
}
