import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { readFileSync } from "node:fs"
import { dslExpressionChecker } from "../../engine/pipeline/DslExpressionChecker.js"
import type { ExpressionChecker } from "../../engine/pipeline/ExpressionChecker.js"
import { listExpressions } from "../../engine/pipeline/ExpressionSites.js"
import { validateText } from "../../engine/pipeline/Validate.js"
import { parseYaml } from "../../engine/pipeline/YamlDocument.js"
import { closest, editDistance } from "../../engine/pipeline/Suggestion.js"

const parse = (text: string) => parseYaml(text).parsed

const pipeline = (flows: string) => `apiVersion: vortex/v1
kind: Pipeline
name: sites
version: 1
source: { connector: lexoffice }
target: { connector: bigcommerce }
flows:
${flows}`

describe("DSL expression sites", () => {
  it("lists every expression with flow, role, target field, bindings and position", () => {
    const parsed = parse(pipeline(`  catalog:
    when: 'not src.archived'
    map:
      sku: src.articleNumber
      price: "round(src.price.netPrice, 2)"
  stock: { buffer: 'max(1, available)' }
  orders:
    map:
      lineItems:
        for: src.lines
        as: line
        when: line.quantity > 0
        map:
          unitPrice: { grossAmount: line.unitPriceGross }
        append:
          - when: src.shippingGross > 0
            map: { name: '"Shipping"' }
      address: { rule: bc-address }
    refuse:
      - { when: 'out.lineItems == []', reason: empty }
`))
    const sites = listExpressions(parsed)
    assert.deepStrictEqual(
      sites.map((s) => [s.flow, s.role, s.field.join("."), s.expression, `${s.position.line}:${s.position.column}`, s.bindings.map((b) => `${b.name}<-${b.over}`).join()]),
      [
        ["catalog", "when", "", "not src.archived", "9:12", ""],
        ["catalog", "map", "sku", "src.articleNumber", "11:12", ""],
        ["catalog", "map", "price", "round(src.price.netPrice, 2)", "12:15", ""],
        ["stock", "buffer", "", "max(1, available)", "13:21", ""],
        ["orders", "for", "lineItems", "src.lines", "17:14", ""],
        ["orders", "when", "", "line.quantity > 0", "19:15", "line<-src.lines"],
        ["orders", "map", "lineItems.unitPrice.grossAmount", "line.unitPriceGross", "21:37", "line<-src.lines"],
        ["orders", "when", "", "src.shippingGross > 0", "23:19", ""],
        ["orders", "map", "lineItems.name", '"Shipping"', "24:27", ""],
        ["orders", "refuse", "", "out.lineItems == []", "27:18", ""],
      ],
    )
    assert.strictEqual(sites[6]!.pointer, "/flows/orders/map/lineItems/map/unitPrice/grossAmount")
  })

  it("maps an offset inside plain, quoted and literal-block strings to the file", () => {
    const text = pipeline(`  catalog:
    when: src.type == "PRODUCT"
    map:
      sku: 'src.articleNumber'
      name: "src.title"
      description: |
        coalesce(
          src.description, "")
`)
    const sites = listExpressions(parse(text))
    const at = (expr: string, needle: string) => {
      const site = sites.find((s) => s.expression.startsWith(expr))!
      const p = site.positionAt(site.expression.indexOf(needle))
      return `${p.line}:${p.column}`
    }
    assert.strictEqual(at("src.type", "PRODUCT"), "9:24")
    assert.strictEqual(at("src.article", "article"), "11:17")
    assert.strictEqual(at("src.title", "title"), "12:18")
    assert.strictEqual(at("coalesce", "description"), "15:15")
  })

  it("an expression checker's findings land on the YAML position of the offending character", () => {
    const text = readFileSync("pipelines/lexoffice-bigcommerce.yaml", "utf8")
    // stands in for the DSL type checker: flags every reference to `src.gtin`
    const checker: ExpressionChecker = {
      name: "gtin-spotter",
      check: (site, { flowType }) => {
        const offset = site.expression.indexOf("src.gtin")
        return offset < 0 || !("src" in flowType.variables) ? [] : [{ code: "X150", message: `${site.flow} uses gtin`, offset }]
      },
    }
    const { problems } = validateText("bc.yaml", text, { expressionCheckers: [checker] })
    const lineNo = text.split("\n").findIndex((l) => l.includes("gtin: src.gtin")) + 1
    const column = text.split("\n")[lineNo - 1]!.indexOf("src.gtin") + 1
    assert.deepStrictEqual(problems, [{ file: "bc.yaml", line: lineNo, column, code: "X150", severity: "error", message: "catalog uses gtin" }])
  })
})

describe("did you mean", () => {
  it("counts an adjacent transposition as one edit", () => {
    assert.strictEqual(editDistance("catlaog", "catalog"), 1)
    assert.strictEqual(editDistance("", "abc"), 3)
  })

  it("suggests only plausible typos", () => {
    assert.strictEqual(closest("flowz", ["flows", "fixtures", "tests"]), "flows")
    assert.strictEqual(closest("banana", ["flows", "fixtures", "tests"]), undefined)
  })

  it("edit distance is a metric: symmetric, zero only on equality, triangle inequality", () => {
    const word = fc.string({ maxLength: 8 })
    fc.assert(fc.property(word, word, word, (a, b, c) => {
      assert.strictEqual(editDistance(a, b), editDistance(b, a))
      assert.strictEqual(editDistance(a, b) === 0, a === b)
      // OSA distance breaks the triangle inequality only through transpositions; bound by Levenshtein + 1
      assert.isAtMost(editDistance(a, c), editDistance(a, b) + editDistance(b, c) + 1)
    }))
  })
})

describe("the DSL type checker inside vortex validate", () => {
  const check = (flows: string, extra = "") =>
    validateText("p.yaml", pipeline(flows) + extra, { expressionCheckers: [dslExpressionChecker] }).problems
      .map((p) => `${p.line}:${p.column} ${p.code} ${p.severity}: ${p.message}`)

  it("a misspelt field inside a map string is reported at its character, with a suggestion", () => {
    const [problem, ...rest] = check(`  catalog:
    map:
      sku: src.articleNumber
      name: src.title
      price: 'round(src.price.netPrce, 2)'
      currency: '"EUR"'
`)
    assert.deepStrictEqual(rest, [])
    assert.match(problem!, /^12:31 DSL202 error: .*netPrce.*netPrice/)
  })

  it("a string literal must name a member of an enum target field", () => {
    const problems = check(`  catalog:
    map: { sku: src.articleNumber, name: src.title, price: src.price.grossPrice, currency: '"EUR"' }
  orders:
    map:
      voucherDate: src.placedAt
      address: { name: src.billing.name, countryCode: src.billing.countryCode }
      lineItems:
        for: src.lines
        map: { type: '"custom"', name: item.name }
      totalPrice: { currency: '"EUR"' }
      taxConditions: { taxType: '"gros"' }
      shippingConditions: { shippingType: '"none"' }
`)
    assert.deepStrictEqual(problems.map((p) => p.split(":").slice(0, 2).join(":").split(" ").slice(0, 2).join(" ")), ["18:34 DSL212"])
  })

  it("an order amount in the order's currency fills a EUR field only through fx", () => {
    const orders = (amount: string) => check(`  orders:
    map:
      voucherDate: src.placedAt
      address: { name: src.billing.name, countryCode: src.billing.countryCode }
      lineItems:
        for: src.lines
        map:
          type: '"custom"'
          name: item.name
          unitPrice: { currency: '"EUR"', grossAmount: '${amount}', taxRatePercentage: item.taxRate }
      totalPrice: { currency: '"EUR"' }
      taxConditions: { taxType: '"gross"' }
      shippingConditions: { shippingType: '"none"' }
`)
    const [problem, ...rest] = orders("item.unitPriceGross")
    assert.deepStrictEqual(rest, [])
    assert.match(problem!, /^17:\d+ DSL213 error: money in a currency known only at run time .*money\(EUR\).*fx\(/)
    assert.deepStrictEqual(orders(`round(fx(item.unitPriceGross, src.currency, "EUR", on: src.placedAt) ?? 0, 4)`), [])
  })

  it("a when that is not a bool, and a lookup table no fixture defines, are reported", () => {
    const problems = check(`  catalog:
    when: src.title
    map:
      sku: src.articleNumber
      name: src.title
      price: src.price.grossPrice
      currency: '"EUR"'
      tax_class_id: 'lookup("tax_classes", src.price.taxRate, default: 0)'
`)
    assert.deepStrictEqual(problems.map((p) => p.split(" ").slice(0, 3).join(" ")), ["9:11 DSL210 error:", "15:29 DSL211 warning:"])
  })

  it("the three seed pipelines type-check clean", () => {
    for (const file of ["lexoffice-bigcommerce", "lexoffice-sharafdg", "lexoffice-celro"]) {
      const { problems } = validateText(file, readFileSync(`pipelines/${file}.yaml`, "utf8"), { expressionCheckers: [dslExpressionChecker] })
      assert.deepStrictEqual(problems, [], file)
    }
  })
})
