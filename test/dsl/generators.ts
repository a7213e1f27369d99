import fc from "fast-check"

/** Decimal text with up to `places` fraction digits from an integer number of units. */
export const decimalText = (units: bigint, places: number): string => {
  const neg = units < 0n
  const digits = (neg ? -units : units).toString().padStart(places + 1, "0")
  const text = places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`
  return neg ? `-${text}` : text
}
export const amount = (places: number, max = 10_000_000n) => fc.bigInt({ min: -max, max }).map((u) => decimalText(u, places))

/** Well-typed rules by construction, over every numeric operator and built-in. */
export const ruleArbitrary = (extra: ReadonlyArray<(num: fc.Arbitrary<string>, pct: fc.Arbitrary<string>, lit: fc.Arbitrary<string>) => fc.Arbitrary<string>> = []) => {
  const { num } = fc.letrec<{ num: string; pct: string; bool: string; lit: string }>((tie) => ({
    lit: fc.oneof(fc.integer({ min: 0, max: 999 }).map(String), amount(3, 99_999n).map((s) => (s.startsWith("-") ? `(${s.replace("-", "- ")})` : s))),
    pct: fc.oneof(fc.constant("p"), fc.constantFrom("7%", "19%", "5.5%", "0%"), tie("lit").map((l) => `percent(abs(${l}))`)),
    bool: fc.oneof(
      fc.tuple(tie("num"), fc.constantFrom("<", "<=", ">", ">=", "==", "!="), tie("num")).map(([a, op, b]) => `(${a} ${op} ${b})`),
      fc.tuple(tie("bool"), fc.constantFrom("and", "or"), tie("bool")).map(([a, op, b]) => `(${a} ${op} ${b})`),
      tie("bool").map((b) => `(not ${b})`),
    ),
    num: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      tie("lit"), fc.constantFrom("a", "b", "d", "(n ?? 1.5)", "sum(xs)", "count(xs)"),
      fc.tuple(tie("num"), fc.constantFrom("+", "-", "*"), tie("num")).map(([a, op, b]) => `(${a} ${op} ${b})`),
      fc.tuple(tie("num"), tie("num"), tie("lit")).map(([a, b, l]) => `(${a} / ${b} ?? ${l})`),
      fc.tuple(tie("num"), fc.integer({ min: 0, max: 4 }), fc.constantFrom("half_up", "half_even", "up", "down", "ceil", "floor")).map(([x, p, m]) => `round(${x}, ${p}, mode: ${m})`),
      fc.tuple(tie("num"), tie("pct")).map(([x, r]) => `vat_add(${x}, ${r})`),
      fc.tuple(tie("num"), tie("pct")).map(([x, r]) => `vat_strip(${x}, ${r})`),
      fc.tuple(tie("num"), tie("pct")).map(([x, r]) => `(${x} * ${r})`),
      fc.tuple(tie("num"), tie("num")).map(([x, y]) => `min(${x}, ${y})`),
      fc.tuple(tie("num"), tie("num")).map(([x, y]) => `max(${x}, ${y})`),
      tie("num").map((x) => `abs(${x})`),
      tie("num").map((x) => `(- ${x})`),
      fc.tuple(tie("bool"), tie("num"), tie("num")).map(([c, x, y]) => `(if ${c} then ${x} else ${y})`),
      // Nested element functions name their variable; a name no inner one uses: e<inner arrows + 1>.
      fc.tuple(tie("num")).map(([x]) => ((v) => `sum(xs, ${v} -> ${v} * ${x})`)(`e${(x.match(/->/g) ?? []).length + 1}`)),
      fc.tuple(tie("num"), tie("num")).map(([x, y]) => `lookup("t", ${x}, default: ${y})`),
      ...extra.map((f) => f(tie("num"), tie("pct"), tie("lit"))),
    ),
  }))
  return num
}

