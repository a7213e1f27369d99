import type { Expr } from "../ast.js"
import type { Closure } from "../context.js"
import type { Diagnostic, Span } from "../diagnostics.js"
import type { ErrorCode } from "../errorCodes.js"
import type { FxUse, Runtime } from "../runtime.js"
import type { TExpr } from "../typedAst.js"
import type { Type } from "../types.js"

/**
 * A built-in function, declared once: its type rule, its generic closure, optionally its
 * allocation-free code, and its reference semantics side by side. The checker, both tiers
 * and the reference interpreter look it up by name in the registry (builtins/index.ts) and
 * call back into themselves only through the small interfaces below, so a built-in module
 * imports none of them and adding a function touches its own module and one registry line.
 */
export interface Builtin {
  /** Positional arguments accepted. */
  readonly min: number
  readonly max: number
  /** Named arguments accepted (`mode:`, `default:`, `on:`). */
  readonly named: ReadonlyArray<string>
  /** Argument positions that take an element function (`l -> …`, or a bare body over `item`). */
  readonly lambdas?: ReadonlyArray<number>
  /** The type rule: checks the arguments and resolves what it can statically (into `opts`). */
  readonly check: (c: Checking, e: CallExpr, named: ReadonlyMap<string, Expr>) => TExpr
  /** The generic tier: a closure over `Fixed` values, given the arguments' closures. */
  readonly generic: (e: CallT, args: ReadonlyArray<Closure>, g: Generic) => Closure
  /** The allocation-free tier, for the calls it `applies` to (else the generic closure runs there too). */
  readonly fast?: { readonly applies: (e: CallT) => boolean; readonly gen: (e: CallT, f: Fast) => Code }
  /** The reference semantics over BigDecimal, given a way to evaluate argument i. */
  readonly reference: (e: CallT, arg: (i: number) => unknown, r: Reference) => unknown
}

export type CallExpr = Extract<Expr, { kind: "call" }>
export type CallT = Extract<TExpr, { k: "call" }>

/** What a type rule may ask of the checker. */
export interface Checking {
  /** The lookup tables in scope and their value types. */
  readonly tables: ReadonlyMap<string, Type>
  readonly diagnostics: Array<Diagnostic>
  check(e: Expr): TExpr
  /** A nullable operand used as a value: marks the node as failing when null. */
  value(e: TExpr): TExpr
  error(code: ErrorCode, message: string, span: Span, hint?: string): TExpr
  /** Propagates the first run-time failure point of the children to `node`. */
  fail(node: TExpr, ...kids: ReadonlyArray<TExpr | undefined>): TExpr
  /**
   * An element function argument: `x -> body` binds x, a bare body binds `item`, each to
   * `element`. A name already bound (shadowing) and a bare body nested where `item` is already
   * bound are compile errors. Returns the checked body and the bound name.
   */
  lambda(e: Expr, element: Type): { readonly body: TExpr; readonly bind: string }
}

/** What a generic closure builder may ask of the generic compiler. */
export interface Generic {
  compile(e: TExpr): Closure
}

/** Units and scale of a value in generated code: JS expressions (locals or constants). */
export type Code = readonly [u: string, s: string]

/** What allocation-free code generation may ask of the generator (fastNum.ts). */
export interface Fast {
  /** Statements emitted so far for this value; push more. */
  readonly out: Array<string>
  /** The locals this call's result goes to. */
  readonly u: string
  readonly s: string
  /** Code computing a numeric argument. */
  num(e: TExpr): Code
  /** A string or date argument as a JS expression. */
  text(e: TExpr): string
  /** 1 + rate (vat_add, vat_strip), computed once per evaluation per rate expression. */
  onePlus(rate: TExpr): Code
  /** Code computing `then` only on some paths (what it computes is not known after it). */
  branch<A>(f: () => A): A
  temp(prefix: string): string
  /** A value passed to generated code by reference (generated code holds only constants). */
  ref(x: unknown): string
}

/** What the reference semantics of a built-in may ask of the interpreter. */
export interface Reference {
  readonly rt: Runtime
  readonly fx: Array<FxUse>
  ev(e: TExpr): unknown
  /** The body evaluated once per element with `bind` bound to it. */
  each(list: ReadonlyArray<unknown>, body: TExpr, bind: string): Array<unknown>
}
