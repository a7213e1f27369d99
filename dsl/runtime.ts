import type { Span } from "./diagnostics.js"

/**
 * What the engine hands an evaluation: lookup tables by name (rows keyed by the key's text,
 * e.g. "19" for 19 or 19.00) and the FX rate provider. Both evaluators share these shapes.
 */
export interface Runtime {
  readonly tables?: Readonly<Record<string, Readonly<Record<string, unknown>>>>
  readonly rates?: RateProvider
}

/** A dated rate: `rate` is a decimal string (or JSON number) converting 1 `from` into `to`. */
export interface Rate { readonly rate: string | number; readonly date: string; readonly source: string }
export type RateProvider = (from: string, to: string, on: string) => Rate | undefined

/** The rates an evaluation used, so the engine can store them with the order (ARCHITECTURE.md §8). */
export interface FxUse { readonly from: string; readonly to: string; readonly on: string; readonly rate: string; readonly date: string; readonly source: string }

export type EvalResult =
  | { readonly ok: true; readonly value: unknown; readonly fx: ReadonlyArray<FxUse> }
  | { readonly ok: false; readonly error: string; readonly span?: Span }

/**
 * Thrown inside an evaluation only, caught by the nearest `??`/`default:` or by the evaluation
 * boundary. The checker guarantees every failure a well-typed rule can raise on well-formed
 * input is handled; what reaches the boundary is input that does not match its schema.
 */
export class DslFailure {
  constructor(readonly why: string, readonly span?: Span) {}
}

/** A table by name: an own property of the runtime's tables only (no `constructor` table by accident). */
export const tableOf = (rt: Runtime, name: string): Readonly<Record<string, unknown>> | undefined =>
  rt.tables !== undefined && Object.hasOwn(rt.tables, name) ? rt.tables[name] : undefined

/** Table keys are texts; numbers use their shortest decimal form so 19, 19.0 and "19" meet. */
export const tableRow = (table: Readonly<Record<string, unknown>> | undefined, key: string): unknown =>
  typeof table === "object" && table !== null && Object.hasOwn(table, key) ? table[key] : undefined

export const DATE = /^\d{4}-\d{2}-\d{2}/
