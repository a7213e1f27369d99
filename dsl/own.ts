/**
 * Property access that no prototype name can reach. Records arrive as plain JSON objects, so
 * `o.constructor` or `o.__proto__` would find Object.prototype's members where the data has no
 * such field. Names that Object.prototype does not have cannot be inherited from a JSON object,
 * so only those few are read through hasOwn: the common read stays a plain property load.
 */
const inherited = (name: string): boolean => name in Object.prototype

/** Is reading `name` from a plain object unsafe without an own-property check? */
export const isPrototypeName = inherited

export const ownValue = (o: object, name: string): unknown =>
  inherited(name) ? (Object.hasOwn(o, name) ? (o as Record<string, unknown>)[name] : undefined) : (o as Record<string, unknown>)[name]

/** A reader for one field name, decided once: a plain load unless the name is a prototype name. */
export const fieldReader = (name: string): ((o: object) => unknown) =>
  inherited(name)
    ? (o) => (Object.hasOwn(o, name) ? (o as Record<string, unknown>)[name] : undefined)
    : (o) => (o as Record<string, unknown>)[name]

/** Sets an own data property, also for `__proto__` (an assignment would set the prototype). */
export const setOwn = (o: Record<string, unknown>, name: string, value: unknown): void => {
  if (name === "__proto__") Object.defineProperty(o, name, { value, enumerable: true, writable: true, configurable: true })
  else o[name] = value
}
