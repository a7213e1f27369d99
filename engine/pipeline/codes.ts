/**
 * Stable problem codes of `vortex validate`. CI scripts, editor integrations and people grep
 * for them, so a code never changes meaning; retire a code rather than reuse it.
 *
 * | code  | name                   | severity | meaning |
 * |-------|------------------------|----------|---------|
 * | VX001 | yaml-syntax            | error    | the file is not well-formed YAML |
 * | VX002 | duplicate-key          | error    | a mapping has the same key twice |
 * | VX003 | alias-limit            | error    | too many alias expansions (alias bomb) or an unresolved alias |
 * | VX004 | empty-file             | error    | no YAML document in the file |
 * | VX005 | file-too-large         | error    | larger than 1 MB; not parsed |
 * | VX006 | not-text               | error    | binary content or invalid UTF-8; not parsed |
 * | VX007 | unreadable             | error    | the path does not exist, cannot be read, is not a regular file (FIFO, device, socket), or holds no pipeline files |
 * | VX008 | multiple-documents     | error    | more than one YAML document (`---`) in one file |
 * | VX009 | too-deep               | error    | nested deeper than any pipeline needs (resource exhaustion guard) |
 * | VX010 | schema-unknown-key     | error    | a key the schema does not allow (with "did you mean") |
 * | VX011 | schema-missing-key     | error    | a required key is missing (points at the enclosing mapping) |
 * | VX012 | schema-wrong-type      | error    | a value of the wrong type |
 * | VX013 | schema-bad-value       | error    | not one of the allowed values (enum/const) |
 * | VX014 | schema-bad-format      | error    | string does not match the required pattern or format |
 * | VX015 | schema-out-of-range    | error    | number, length or item count outside the allowed range |
 * | VX016 | schema-invalid         | error    | any other schema violation |
 * | VX020 | duplicate-pipeline     | error    | two files declare the same pipeline name |
 * | VX021 | unknown-connector      | error    | a connector name Vortex does not know |
 * | VX022 | flow-not-supported     | error    | a connector lacks the capability a configured flow needs |
 * | VX023 | duplicate-test         | error    | two tests of one pipeline share a name |
 * | VX024 | test-flow-missing      | error    | a test names a flow the pipeline does not configure |
 * | VX025 | unsupported-currency   | error    | a connector does not accept the configured currency |
 * | VX026 | no-webhooks            | warning  | webhooks: true, but neither connector sends webhooks |
 * | VX027 | map-unknown-field      | error    | a map key that is not a field of the flow's target record |
 * | VX028 | map-missing-field      | error    | a map does not produce a field the target record requires |
 * | VX029 | map-shape              | error    | a nested record or `for` list where the target field is not a record or list |
 * | VX030 | test-input-mismatch    | error    | a test input does not fit the flow's source record |
 * | VX031 | test-expect-mismatch   | error    | a test expectation does not fit the flow's target record |
 * | VX032 | same-connector         | error    | source and target are the same connector |
 * | VX033 | contact-not-resolved   | error    | an expression uses `contact` but the flow does not set contact: find-or-create |
 * | VX034 | internal-error         | error    | a check failed unexpectedly on this file (a Vortex bug: report it with the file) |
 *
 * Expression checkers report their own codes: the DSL type checker (DslExpressionChecker.ts)
 * reports dsl/errorCodes.ts's DSLnnn codes at the character inside the YAML string.
 */
export const problemCodes = {
  VX001: { name: "yaml-syntax", severity: "error" },
  VX002: { name: "duplicate-key", severity: "error" },
  VX003: { name: "alias-limit", severity: "error" },
  VX004: { name: "empty-file", severity: "error" },
  VX005: { name: "file-too-large", severity: "error" },
  VX006: { name: "not-text", severity: "error" },
  VX007: { name: "unreadable", severity: "error" },
  VX008: { name: "multiple-documents", severity: "error" },
  VX009: { name: "too-deep", severity: "error" },
  VX010: { name: "schema-unknown-key", severity: "error" },
  VX011: { name: "schema-missing-key", severity: "error" },
  VX012: { name: "schema-wrong-type", severity: "error" },
  VX013: { name: "schema-bad-value", severity: "error" },
  VX014: { name: "schema-bad-format", severity: "error" },
  VX015: { name: "schema-out-of-range", severity: "error" },
  VX016: { name: "schema-invalid", severity: "error" },
  VX020: { name: "duplicate-pipeline", severity: "error" },
  VX021: { name: "unknown-connector", severity: "error" },
  VX022: { name: "flow-not-supported", severity: "error" },
  VX023: { name: "duplicate-test", severity: "error" },
  VX024: { name: "test-flow-missing", severity: "error" },
  VX025: { name: "unsupported-currency", severity: "error" },
  VX026: { name: "no-webhooks", severity: "warning" },
  VX027: { name: "map-unknown-field", severity: "error" },
  VX028: { name: "map-missing-field", severity: "error" },
  VX029: { name: "map-shape", severity: "error" },
  VX030: { name: "test-input-mismatch", severity: "error" },
  VX031: { name: "test-expect-mismatch", severity: "error" },
  VX032: { name: "same-connector", severity: "error" },
  VX033: { name: "contact-not-resolved", severity: "error" },
  VX034: { name: "internal-error", severity: "error" },
} as const satisfies Record<string, { readonly name: string; readonly severity: Severity }>

export type ProblemCode = keyof typeof problemCodes
export type Severity = "error" | "warning"
