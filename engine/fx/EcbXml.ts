import { Either } from "effect"
import { isIsoDate } from "./CalendarDate.js"
import { EcbXmlMalformed } from "./errors.js"

/** One ECB publication day: units of `currency` per 1 EUR, as the exact decimal text published. */
export interface EcbDay {
  readonly date: string
  readonly rates: ReadonlyArray<{ readonly currency: string; readonly rate: string }>
}

/**
 * Reads the ECB euro reference rates in the eurofxref layout (eurofxref-daily.xml,
 * eurofxref-hist.xml, eurofxref-hist-90d.xml):
 *
 *   <gesmes:Envelope …><gesmes:subject>…</gesmes:subject><gesmes:Sender>…</gesmes:Sender>
 *     <Cube>
 *       <Cube time='2026-03-13'><Cube currency='USD' rate='1.0842'/>…</Cube>
 *       …
 *     </Cube>
 *   </gesmes:Envelope>
 *
 * A small well-formedness checker plus the layout rules, not a general XML parser: no DTDs
 * (so no entity expansion attacks), no CDATA, only the five predefined entities and character
 * references. Anything else is rejected with the line and column where it was found.
 */
export const decodeEcbXml = (text: string): Either.Either<ReadonlyArray<EcbDay>, EcbXmlMalformed> => {
  const reader = new Reader(text)
  // The scanner aborts by throwing its own error type from deep inside; this is the one place
  // that turns it into a value. Any other exception is a bug and keeps propagating.
  try {
    return Either.right(layout(reader, reader.document()))
  } catch (e) {
    if (e instanceof EcbXmlMalformed) return Either.left(e)
    throw e
  }
}

interface Element {
  readonly name: string
  readonly offset: number
  readonly attributes: ReadonlyMap<string, { readonly value: string; readonly offset: number }>
  readonly children: Array<Element>
}

const localName = (name: string) => name.slice(name.indexOf(":") + 1)

const layout = (reader: Reader, root: Element): ReadonlyArray<EcbDay> => {
  if (localName(root.name) !== "Envelope") {
    return reader.fail(`the root element is <${root.name}>, expected <gesmes:Envelope>`, root.offset)
  }
  const cubes = root.children.filter((c) => c.name === "Cube")
  if (cubes.length !== 1) {
    return reader.fail(`<${root.name}> must hold exactly one <Cube>, found ${cubes.length}`, root.offset)
  }
  const outer = cubes[0]!
  if (outer.children.length === 0) return reader.fail("the outer <Cube> holds no <Cube time=…> day", outer.offset)
  const seenDates = new Set<string>()
  return outer.children.map((day) => {
    if (day.name !== "Cube") return reader.fail(`unexpected <${day.name}> inside <Cube>, expected <Cube time=…>`, day.offset)
    const time = reader.attribute(day, "time")
    if (!isIsoDate(time.value)) return reader.fail(`time='${time.value}' is not a yyyy-mm-dd date`, time.offset)
    if (seenDates.has(time.value)) return reader.fail(`the day ${time.value} appears twice`, day.offset)
    seenDates.add(time.value)
    const seenCurrencies = new Set<string>()
    const rates = day.children.map((rate) => {
      if (rate.name !== "Cube") return reader.fail(`unexpected <${rate.name}> inside <Cube time='${time.value}'>`, rate.offset)
      if (rate.children.length > 0) return reader.fail(`<Cube currency=…> must be empty`, rate.offset)
      const currency = reader.attribute(rate, "currency")
      if (!/^[A-Z]{3}$/.test(currency.value) || currency.value === "EUR") {
        return reader.fail(`currency='${currency.value}' is not a three-letter ISO 4217 code other than EUR`, currency.offset)
      }
      if (seenCurrencies.has(currency.value)) {
        return reader.fail(`${currency.value} appears twice on ${time.value}`, rate.offset)
      }
      seenCurrencies.add(currency.value)
      const value = reader.attribute(rate, "rate")
      // Plain positive decimal text only: no exponent, no sign, no thousands separator, not zero.
      if (!/^(0|[1-9]\d*)(\.\d+)?$/.test(value.value) || /^[0.]+$/.test(value.value)) {
        return reader.fail(`rate='${value.value}' for ${currency.value} on ${time.value} is not a positive decimal`, value.offset)
      }
      return { currency: currency.value, rate: value.value }
    })
    return { date: time.value, rates }
  })
}

// XML whitespace (space, tab, CR, LF); charCodeAt past the end is NaN, which is not space.
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d

const NAME = /[A-Za-z_][A-Za-z0-9_.:-]*/y
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'" }

class Reader {
  private pos = 0
  constructor(private readonly text: string) {}

  fail(reason: string, offset: number = this.pos): never {
    const before = this.text.slice(0, offset)
    const line = before.split("\n").length
    const column = offset - (before.lastIndexOf("\n") + 1) + 1
    throw new EcbXmlMalformed({ reason, line, column })
  }

  attribute(element: Element, name: string) {
    const found = element.attributes.get(name)
    return found ?? this.fail(`<${element.name}> lacks the ${name}= attribute`, element.offset)
  }

  document(): Element {
    if (this.text.startsWith("\uFEFF")) this.pos = 1
    // The XML declaration, if any, must be the very first thing (XML 1.0 §2.8).
    if (this.text.startsWith("<?xml", this.pos)) {
      const end = this.text.indexOf("?>", this.pos)
      if (end < 0) this.fail("the XML declaration is not closed")
      this.pos = end + 2
    }
    this.misc()
    if (this.pos >= this.text.length) this.fail("the document is empty: no root element")
    if (this.text[this.pos] !== "<") this.fail("text before the root element")
    const root = this.element()
    this.misc()
    if (this.pos < this.text.length) this.fail("content after the root element")
    return root
  }

  /** Whitespace and comments, allowed between elements. */
  private misc() {
    for (;;) {
      while (isSpace(this.text.charCodeAt(this.pos))) this.pos++
      if (this.text.startsWith("<!--", this.pos)) {
        const end = this.text.indexOf("-->", this.pos + 4)
        if (end < 0) this.fail("a comment is not closed")
        this.pos = end + 3
      } else if (this.text.startsWith("<!", this.pos) || this.text.startsWith("<?", this.pos)) {
        this.fail("DOCTYPE, CDATA and processing instructions are not part of the ECB layout")
      } else {
        return
      }
    }
  }

  private name(what: string): string {
    NAME.lastIndex = this.pos
    const m = NAME.exec(this.text)
    if (m === null) return this.fail(`expected ${what}`)
    this.pos += m[0].length
    return m[0]
  }

  private skipSpace() {
    const start = this.pos
    while (isSpace(this.text.charCodeAt(this.pos))) this.pos++
    return this.pos > start
  }

  /** At `<name`: the element, its attributes and its content up to the matching end tag. */
  private element(): Element {
    const offset = this.pos
    this.pos++ // "<"
    const name = this.name("an element name after <")
    const attributes = new Map<string, { value: string; offset: number }>()
    for (;;) {
      const spaced = this.skipSpace()
      if (this.text.startsWith("/>", this.pos)) {
        this.pos += 2
        return { name, offset, attributes, children: [] }
      }
      if (this.text[this.pos] === ">") {
        this.pos++
        break
      }
      if (this.pos >= this.text.length) this.fail(`<${name}> is not closed`, offset)
      if (!spaced) this.fail(`expected whitespace, > or /> in <${name}>`)
      const attributeOffset = this.pos
      const attribute = this.name(`an attribute name, > or /> in <${name}>`)
      this.skipSpace()
      if (this.text[this.pos] !== "=") this.fail(`expected = after the attribute ${attribute}`)
      this.pos++
      this.skipSpace()
      const quote = this.text[this.pos]
      if (quote !== "'" && quote !== "\"") this.fail(`the value of ${attribute} must be quoted`)
      const end = this.text.indexOf(quote, this.pos + 1)
      if (end < 0) this.fail(`the value of ${attribute} is not closed`)
      const raw = this.text.slice(this.pos + 1, end)
      if (raw.includes("<")) this.fail(`the value of ${attribute} contains <`)
      if (attributes.has(attribute)) this.fail(`the attribute ${attribute} appears twice in <${name}>`, attributeOffset)
      attributes.set(attribute, { value: this.unescape(raw, this.pos + 1), offset: attributeOffset })
      this.pos = end + 1
    }
    const children: Array<Element> = []
    for (;;) {
      const textStart = this.pos
      const next = this.text.indexOf("<", this.pos)
      if (next < 0) this.fail(`<${name}> is never closed`, offset)
      // Text content only matters in the descriptive gesmes elements; it is checked, then ignored.
      this.unescape(this.text.slice(textStart, next), textStart)
      this.pos = next
      if (this.text.startsWith("<!--", this.pos)) {
        this.misc()
      } else if (this.text.startsWith("</", this.pos)) {
        const closeOffset = this.pos
        this.pos += 2
        const closing = this.name("an element name after </")
        this.skipSpace()
        if (this.text[this.pos] !== ">") this.fail(`expected > to end </${closing}`)
        this.pos++
        if (closing !== name) this.fail(`</${closing}> closes <${name}>`, closeOffset)
        return { name, offset, attributes, children }
      } else if (this.text.startsWith("<!", this.pos) || this.text.startsWith("<?", this.pos)) {
        this.misc()
      } else {
        children.push(this.element())
      }
    }
  }

  private unescape(raw: string, offset: number): string {
    if (!raw.includes("&")) return raw
    return raw.replace(/&([^;\s<&]*);?/g, (whole, ref: string, at: number) => {
      const where = offset + at
      if (!whole.endsWith(";")) return this.fail("a & that does not start an entity reference", where)
      if (ref in ENTITIES) return ENTITIES[ref]!
      const numeric = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(ref)
      if (numeric === null) return this.fail(`unknown entity &${ref};`, where)
      const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : parseInt(numeric[2]!, 10)
      if (code > 0x10ffff) return this.fail(`character reference &${ref}; is out of range`, where)
      return String.fromCodePoint(code)
    })
  }
}
