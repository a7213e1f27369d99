import type { Span } from "./diagnostics.js"
import type { Fixed, RoundingMode } from "./fixed.js"
import type { Type } from "./types.js"

/**
 * The checked tree both evaluators consume. `failAt`/`failWhy` mark an expression that can
 * fail at run time (a division, a lookup without default, a nullable value used as a value);
 * the checker refuses a root that still carries them.
 */
export type TExpr = TNode & { readonly type: Type; readonly span: Span; readonly failAt?: Span; readonly failWhy?: string }

export type TNode =
  /** A number literal; percent literals hold the fraction (19% → 0.19). */
  | { readonly k: "num"; readonly value: Fixed; readonly text: string }
  | { readonly k: "str"; readonly value: string }
  | { readonly k: "bool"; readonly value: boolean }
  | { readonly k: "null" }
  | { readonly k: "date"; readonly value: string }
  | { readonly k: "var"; readonly name: string }
  | { readonly k: "field"; readonly target: TExpr; readonly name: string }
  /** Asserts a nullable value is present; fails (caught by `??`) when it is null. */
  | { readonly k: "need"; readonly arg: TExpr }
  | { readonly k: "neg"; readonly arg: TExpr }
  | { readonly k: "not"; readonly arg: TExpr }
  | { readonly k: "arith"; readonly op: "+" | "-" | "*" | "/"; readonly left: TExpr; readonly right: TExpr }
  | { readonly k: "cmp"; readonly op: "==" | "!=" | "<" | "<=" | ">" | ">="; readonly numeric: boolean; readonly left: TExpr; readonly right: TExpr }
  | { readonly k: "in"; readonly numeric: boolean; readonly left: TExpr; readonly right: TExpr }
  | { readonly k: "and" | "or" | "coalesce"; readonly left: TExpr; readonly right: TExpr }
  | { readonly k: "if"; readonly cond: TExpr; readonly then: TExpr; readonly else: TExpr }
  | { readonly k: "list"; readonly items: ReadonlyArray<TExpr> }
  | { readonly k: "record"; readonly fields: ReadonlyArray<readonly [string, TExpr]> }
  | { readonly k: "call"; readonly fn: string; readonly args: ReadonlyArray<TExpr>; readonly opts: CallOptions }

/** What the checker resolved statically about a call, so evaluators do no type dispatch. */
export interface CallOptions {
  readonly scale?: number
  readonly mode?: RoundingMode
  readonly table?: string
  readonly currency?: string
  readonly fallback?: TExpr
  /** Decode a percent-typed table value or list element from its JSON percent number. */
  readonly percentValues?: boolean
  /** A percent-typed lookup key: rows are keyed by the percent number ("19" for 19 %). */
  readonly percentKey?: boolean
  /** The variable a list built-in binds each element to (`item` unless named: `l -> …`). */
  readonly bind?: string
}
