import { assert, describe, it } from "@effect/vitest"
import { Either } from "effect"
import { readFileSync } from "node:fs"
import { decodeEcbXml } from "../../engine/fx/EcbXml.js"

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ecb/${name}`, import.meta.url), "utf8")

const envelope = (cubes: string) => `<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<gesmes:subject>Reference rates</gesmes:subject>
<Cube>
${cubes}
</Cube>
</gesmes:Envelope>`

/** The error of a file that must be rejected; fails the test if it was accepted. */
const rejection = (xml: string) => {
  const result = decodeEcbXml(xml)
  if (Either.isRight(result)) return assert.fail(`accepted malformed input: ${JSON.stringify(result.right)}`)
  return result.left
}

describe("ECB eurofxref XML", () => {
  it("reads every day and rate of the hist sample as the exact published text", () => {
    const days = Either.getOrThrow(decodeEcbXml(fixture("eurofxref-hist-sample.xml")))
    assert.deepStrictEqual(days.map((d) => d.date), ["2026-04-07", "2026-04-02", "2026-03-16", "2026-03-13", "2026-03-12"])
    for (const day of days) assert.strictEqual(day.rates.length, 12)
    const friday = days.find((d) => d.date === "2026-03-13")!
    assert.deepStrictEqual(friday.rates.find((r) => r.currency === "RON"), { currency: "RON", rate: "5.0951" })
    // Trailing zeros are kept: the text is the published decimal, not a re-formatted number.
    assert.deepStrictEqual(friday.rates.find((r) => r.currency === "GBP"), { currency: "GBP", rate: "0.86790" })
  })

  it("reads the daily layout with single-quoted attributes", () => {
    const days = Either.getOrThrow(decodeEcbXml(fixture("eurofxref-daily-sample.xml")))
    assert.strictEqual(days.length, 1)
    assert.strictEqual(days[0]!.date, "2026-04-08")
    assert.deepStrictEqual(days[0]!.rates[0], { currency: "USD", rate: "1.1563" })
  })

  it("rejects a rate with a decimal comma, naming the rate and where it is", () => {
    const error = rejection(envelope(`<Cube time='2026-03-13'>\n  <Cube currency='RON' rate='5,0951'/>\n</Cube>`))
    assert.strictEqual(error._tag, "EcbXmlMalformed")
    assert.strictEqual(error.line, 6)
    assert.strictEqual(error.column, 24) // "  <Cube currency='RON' " is 23 characters
    assert.strictEqual(error.message, "ECB rates XML, line 6 column 24: rate='5,0951' for RON on 2026-03-13 is not a positive decimal")
  })

  it("rejects an exponent, a sign and a zero rate", () => {
    for (const rate of ["1e3", "-1.1", "0.0000", ""]) {
      const error = rejection(envelope(`<Cube time='2026-03-13'><Cube currency='USD' rate='${rate}'/></Cube>`))
      assert.include(error.reason, `rate='${rate}'`)
    }
  })

  it("rejects an element that is never closed, pointing at its start tag", () => {
    const error = rejection(envelope(`<Cube time='2026-03-13'>\n<Cube currency='USD' rate='1.1612'/>`).replace("</Cube>\n</gesmes:Envelope>", ""))
    assert.include(error.message, "is never closed")
  })

  it("rejects a mismatched end tag where it stands", () => {
    const error = rejection(envelope(`<Cube time='2026-03-13'><Cube currency='USD' rate='1.1612'/></Cub>`))
    assert.strictEqual(error.line, 5)
    assert.strictEqual(error.column, 61) // after the 24 + 36 characters of the two start tags
    assert.include(error.reason, "</Cub> closes <Cube>")
  })

  it("rejects a day without a date, an impossible date and a repeated day", () => {
    assert.include(rejection(envelope(`<Cube><Cube currency='USD' rate='1.1'/></Cube>`)).reason, "lacks the time= attribute")
    assert.include(rejection(envelope(`<Cube time='2026-02-30'></Cube>`)).reason, "time='2026-02-30' is not a yyyy-mm-dd date")
    const twice = `<Cube time='2026-03-13'><Cube currency='USD' rate='1.1'/></Cube>\n<Cube time='2026-03-13'></Cube>`
    assert.include(rejection(envelope(twice)).reason, "the day 2026-03-13 appears twice")
  })

  it("rejects a currency quoted twice on one day and a malformed currency code", () => {
    const twice = `<Cube time='2026-03-13'><Cube currency='USD' rate='1.1'/><Cube currency='USD' rate='1.2'/></Cube>`
    assert.include(rejection(envelope(twice)).reason, "USD appears twice on 2026-03-13")
    assert.include(rejection(envelope(`<Cube time='2026-03-13'><Cube currency='usd' rate='1.1'/></Cube>`)).reason, "currency='usd'")
  })

  it("rejects DOCTYPE declarations (no entity expansion) and unknown entities", () => {
    const doctype = `<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<gesmes:Envelope/>`
    const error = rejection(doctype)
    assert.strictEqual(error.line, 2)
    assert.include(error.reason, "DOCTYPE")
    assert.include(rejection(envelope(`<Cube time='2026-03-13'>&a;</Cube>`)).reason, "unknown entity &a;")
  })

  it("rejects a file that is not an ECB rates file, and an empty one", () => {
    assert.include(rejection(`<rates><Cube/></rates>`).reason, "the root element is <rates>")
    assert.include(rejection("").reason, "the document is empty")
    assert.include(rejection(envelope("")).reason, "holds no <Cube time=…> day")
    assert.include(rejection(`<gesmes:Envelope></gesmes:Envelope>`).reason, "exactly one <Cube>, found 0")
  })
})
