import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { compileExpression, compileMapping, formatDiagnostic, T } from "../../dsl/index.js"
import { referenceEvaluate } from "../../dsl/referenceEval.js"
import { formatFixed, fromNumber, parseFixed } from "../../dsl/fixed.js"
import { normalize } from "./fixtures.js"
import { amount, decimalText, ruleArbitrary } from "./generators.js"

const compileOk = (source: string, inputs: Record<string, ReturnType<typeof T.list> | typeof T.int>) => {
  const c = compileExpression(source, { inputs })
  if (!c.ok) throw new Error(c.diagnostics.map((d) => formatDiagnostic(source, d)).join("\n"))
  return c
}

describe("decoding JSON numbers", () => {
  it("reads a double as the decimal its shortest text denotes, without going through strings", () => {
    fc.assert(fc.property(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }), fc.integer().map((n) => n / 100)), (n) => {
      expect(formatFixed(fromNumber(n)!)).toBe(formatFixed(parseFixed(String(n))!))
    }), { numRuns: 5000 })
  })
})

describe("money properties", () => {
  const rates = [0, 5, 7, 9, 15, 19, 21]
  it("vat_strip(vat_add(x, r)) rounds back to x for 2-decimal x and common rates, also after rounding the gross to cents", () => {
    const exact = compileOk("round(vat_strip(vat_add(x, r), r), 2)", { x: T.money("EUR"), r: T.percent })
    const viaCents = compileOk("round(vat_strip(round(vat_add(x, r), 2), r), 2)", { x: T.money("EUR"), r: T.percent })
    fc.assert(fc.property(amount(2), fc.constantFrom(...rates), (x, r) => {
      const want = { ok: true, value: x, fx: [] }
      expect(exact.fn({ x, r })).toEqual(want)
      expect(viaCents.fn({ x, r })).toEqual(want)
    }), { numRuns: 2000 })
  })

  it("allocate always sums to the total and never strays a unit from the exact share", () => {
    const c = compileOk("allocate(t, w) ?? []", { t: T.decimal, w: T.list(T.int) })
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 3 }), fc.bigInt({ min: -1_000_000n, max: 1_000_000n }),
      fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 12 }).filter((w) => w.some((x) => x > 0)),
      (places, units, w) => {
        const t = decimalText(units, places)
        const r = c.fn({ t, w })
        if (!r.ok) throw new Error(r.error)
        const parts = (r.value as Array<string>).map((s) => BigInt(s.replace(".", "")))
        expect(parts.reduce((a, b) => a + b, 0n)).toBe(units)
        const sum = BigInt(w.reduce((a, b) => a + b, 0))
        parts.forEach((p, i) => {
          const exactTimesSum = units * BigInt(w[i]!)
          const diff = p * sum - exactTimesSum
          expect(diff < 0n ? -diff : diff).toBeLessThan(sum)
        })
        expect(referenceEvaluate(c.checked, { t, w }).ok && normalize(referenceEvaluate(c.checked, { t, w }))).toEqual(normalize(r))
      },
    ), { numRuns: 1000 })
  })

  /**
   * An independent rounding oracle working on the decimal text digit by digit, the way one
   * rounds by hand: keep `places` digits, look at the dropped ones, maybe add one unit.
   */
  const roundByHand = (text: string, places: number, mode: string): string => {
    const neg = text.startsWith("-")
    const [whole, frac = ""] = (neg ? text.slice(1) : text).split(".") as [string, string?]
    const kept = frac.padEnd(places, "0").slice(0, places)
    const dropped = frac.slice(places)
    const nonZeroDropped = /[1-9]/.test(dropped)
    const first = dropped === "" ? 0 : Number(dropped[0])
    const restNonZero = /[1-9]/.test(dropped.slice(1))
    const lastKept = Number((whole + kept).slice(-1))
    let bump: boolean
    switch (mode) {
      case "down": bump = false; break
      case "up": bump = nonZeroDropped; break
      case "ceil": bump = !neg && nonZeroDropped; break
      case "floor": bump = neg && nonZeroDropped; break
      case "half_up": bump = first >= 5; break
      default: bump = first > 5 || (first === 5 && (restNonZero || lastKept % 2 === 1))
    }
    let units = BigInt(whole + kept) + (bump ? 1n : 0n)
    if (neg) units = -units
    return units === 0n ? decimalText(0n, places) : decimalText(units, places)
  }

  it("every rounding mode agrees with an independent digit-by-digit implementation", () => {
    const modes = ["half_up", "half_even", "up", "down", "ceil", "floor"] as const
    const compiled = new Map(modes.flatMap((m) => [0, 1, 2, 3].map((p) => [`${m}/${p}`, compileOk(`round(x, ${p}, mode: ${m})`, { x: T.decimal })] as const)))
    fc.assert(fc.property(fc.integer({ min: 0, max: 6 }).chain((s) => amount(s, 10n ** BigInt(s + 3))), fc.constantFrom(...modes), fc.integer({ min: 0, max: 3 }), (x, mode, places) => {
      const c = compiled.get(`${mode}/${places}`)!
      const fast = c.fn({ x })
      expect(fast).toEqual({ ok: true, value: roundByHand(x, places, mode), fx: [] })
      expect(normalize(referenceEvaluate(c.checked, { x }))).toEqual(normalize(fast))
    }), { numRuns: 3000 })
  })
})

describe("the fast evaluator agrees with the BigDecimal reference", () => {
  it("on generated rules and inputs", () => {
    const inputs = { a: T.int, b: T.int, d: T.decimal, n: T.nullable(T.decimal), p: T.percent, xs: T.list(T.decimal) }
    const data = fc.record({
      a: fc.integer({ min: -50, max: 50 }), b: fc.integer({ min: -3, max: 3 }),
      d: fc.integer({ min: 0, max: 4 }).chain((s) => amount(s, 100_000n)),
      n: fc.option(amount(2, 10_000n), { nil: null }),
      p: fc.integer({ min: 0, max: 300 }).map((x) => decimalText(BigInt(x), 1)),
      xs: fc.array(amount(2, 10_000n), { maxLength: 4 }),
    })
    let compiled = 0
    fc.assert(fc.property(ruleArbitrary(), fc.array(data, { minLength: 1, maxLength: 4 }), (source, rows) => {
      const c = compileExpression(source, { inputs, tables: { t: T.decimal } })
      if (!c.ok) {
        // Only the size limits may refuse a generated rule; anything else is a checker bug.
        expect(c.diagnostics.every((d) => d.code === "DSL103" || d.code === "DSL104"), c.diagnostics.map((d) => formatDiagnostic(source, d)).join("\n")).toBe(true)
        return
      }
      compiled++
      const rt = { tables: { t: { "0": "0.5", "1": 2, "7": "-3.25" } } }
      for (const row of rows) {
        const fast = c.fn(row, rt)
        const ref = referenceEvaluate(c.checked, row, rt)
        expect(fast.ok, `${source} on ${JSON.stringify(row)}: ${JSON.stringify(fast)} vs ${JSON.stringify(ref)}`).toBe(ref.ok)
        if (fast.ok && ref.ok) expect(normalize(fast.value), source).toEqual(normalize(ref.value))
      }
    }), { numRuns: 400 })
    expect(compiled).toBeGreaterThan(300)
  })
})

describe("a whole mapping record (one generated function) agrees with the BigDecimal reference", () => {
  it("field by field, on records whose fields share record reads and subexpressions", () => {
    const inputs = {
      a: T.int, d: T.decimal, n: T.nullable(T.decimal), p: T.percent, xs: T.list(T.decimal), b: T.int,
      src: T.record({ price: T.record({ net: T.money("EUR"), rate: T.percent }, ["net", "rate"]), qty: T.int }, ["price", "qty"]),
    }
    const src = fc.record({
      price: fc.record({
        net: fc.integer({ min: 0, max: 3 }).chain((s) => amount(s, 1_000_000n)).map((t) => (t.length % 2 === 0 ? Number(t) : t)),
        rate: fc.oneof(fc.constantFrom(19, 7, 5.25, "7.5"), fc.integer({ min: 0, max: 30 })),
      }),
      qty: fc.integer({ min: -5, max: 50 }),
    })
    const data = fc.record({
      a: fc.integer({ min: -50, max: 50 }), b: fc.integer({ min: -3, max: 3 }),
      d: fc.integer({ min: 0, max: 4 }).chain((s) => amount(s, 100_000n)),
      n: fc.option(amount(2, 10_000n), { nil: null }),
      p: fc.integer({ min: 0, max: 300 }).map((x) => decimalText(BigInt(x), 1)),
      xs: fc.array(amount(2, 10_000n), { maxLength: 3 }),
      src,
    })
    const rt = { tables: { t: { "0": "0.5", "1": 2, "7": "-3.25" } } }
    const gross = "vat_add(src.price.net, src.price.rate)"
    let compared = 0
    fc.assert(fc.property(ruleArbitrary(), fc.array(data, { minLength: 1, maxLength: 3 }), (rule, rows) => {
      const block: Record<string, string> = {
        gross: `round(${gross}, 2)`,
        scaled: `round(${gross} * ${rule}, 3, mode: half_even)`,
        either: `if ${rule} > src.qty then src.price.net - ${gross} else ${gross}`,
        net: "src.price.net",
        cheap: `src.price.net < ${rule}`,
      }
      const env = { inputs, tables: { t: T.decimal } }
      const m = compileMapping(block, env)
      if (!m.ok) return
      const checked = Object.entries(block).map(([field, source]) => {
        const c = compileExpression(source, env)
        if (!c.ok) throw new Error(source)
        return [field, source, c.checked] as const
      })
      for (const row of rows) {
        const out = m.fn(row, rt)
        const refs = checked.map(([field, source, e]) => [field, source, referenceEvaluate(e, row, rt)] as const)
        // The record fails exactly when some field fails.
        expect(out.ok, `${JSON.stringify(block)} on ${JSON.stringify(row)}`).toBe(refs.every(([, , r]) => r.ok))
        if (!out.ok) continue
        for (const [field, source, ref] of refs) {
          compared++
          expect(normalize((out.value as Record<string, unknown>)[field]), `${field}: ${source} on ${JSON.stringify(row)}`).toEqual(ref.ok && normalize(ref.value))
        }
      }
    }), { numRuns: 200 })
    expect(compared).toBeGreaterThan(500)
  })
})
