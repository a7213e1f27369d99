/**
 * The string built-ins, on JS strings (no numbers involved, so both evaluators share them).
 * Indices are UTF-16 code units, like every JS string API; out-of-range indices clamp.
 */
export const upper = (s: string): string => s.toUpperCase()
export const lower = (s: string): string => s.toLowerCase()
export const trim = (s: string): string => s.trim()
export const substr = (s: string, start: number, length?: number): string => {
  const from = Math.max(0, Math.min(s.length, start))
  return length === undefined ? s.slice(from) : s.slice(from, from + Math.max(0, length))
}
/** Replaces every occurrence (literal text, not a pattern). An empty `find` changes nothing. */
export const replace = (s: string, find: string, by: string): string => (find === "" ? s : s.split(find).join(by))
