/**
 * Every diagnostic the rules language can produce, with a stable code. Codes never change
 * meaning once published: config authors, the panel and CI scripts match on them.
 * DSL1xx syntax and limits, DSL2xx types, DSL3xx record mappings.
 */
export const ErrorCodes = {
  DSL101: "unexpected character",
  DSL102: "syntax error",
  DSL103: "expression nested too deeply",
  DSL104: "expression too large",
  DSL105: "invalid literal",
  DSL106: "duplicate key or named argument",
  DSL199: "internal parser failure",
  DSL201: "unknown name",
  DSL202: "unknown field",
  DSL203: "field access on a value that is not a record",
  DSL204: "operator cannot be applied to these types",
  DSL205: "argument has the wrong type",
  DSL206: "unknown function",
  DSL207: "wrong number of arguments",
  DSL208: "unknown or missing named argument",
  DSL209: "fallible expression not handled",
  DSL210: "condition is not a bool",
  DSL211: "unknown lookup table",
  DSL212: "value is not a member of the enum",
  DSL213: "currency mismatch",
  DSL214: "unknown rounding mode or currency",
  DSL215: "number given where a percent is expected",
  DSL216: "branches have incompatible types",
  DSL217: "element variable hides another or is not named where it must be",
  DSL301: "unknown target field",
  DSL302: "required target field not mapped",
  DSL303: "value not assignable to the target field",
  DSL304: "invalid mapping entry",
} as const

export type ErrorCode = keyof typeof ErrorCodes
