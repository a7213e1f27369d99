import { BigDecimal } from "effect"

/**
 * The simulator's checks of incoming payloads, returning lexoffice-style field violations.
 * Deliberately independent of the client's schemas: the simulator must catch what a buggy
 * client would send, so it re-states the rules from the reference instead of importing them.
 */
export interface Violation {
  readonly field: string
  readonly violation: string
  readonly message: string
}

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v)
const isString = (v: unknown): v is string => typeof v === "string"

export const decimal = (v: unknown): BigDecimal.BigDecimal | undefined =>
  typeof v === "number" && Number.isFinite(v) && !`${v}`.includes("e") ? BigDecimal.unsafeFromString(`${v}`) : undefined

const decimalPlaces = (v: unknown) => (typeof v === "number" ? (`${v}`.split(".")[1] ?? "").length : 0)

export const TAX_TYPES = new Set([
  "gross", "net", "vatfree", "intraCommunitySupply", "constructionService13b", "externalService13b",
  "thirdPartyCountryService", "thirdPartyCountryDelivery", "photovoltaicEquipment",
])
const VAT_FREE = new Set([
  "vatfree", "intraCommunitySupply", "constructionService13b", "externalService13b",
  "thirdPartyCountryService", "thirdPartyCountryDelivery", "photovoltaicEquipment",
])
/** "All other vat-free tax types are only usable in combination with a referenced contact" (DOC). */
const NEEDS_CONTACT = new Set([...VAT_FREE].filter((t) => t !== "vatfree"))
const SHIPPING_TYPES = new Set(["service", "serviceperiod", "delivery", "deliveryperiod", "none"])
const VALID_RATES = new Set(["0", "7", "19"])

/** `yyyy-MM-ddTHH:mm:ss.SSSXXX`; any other pattern is a 406 at lexoffice (DOC FAQ "Datetime format"). */
const DATE_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$/

export const validateDateTime = (value: unknown, field: string, out: Array<Violation>) => {
  if (!isString(value)) out.push({ field, violation: "NOTNULL", message: "darf nicht leer sein" })
  else if (!DATE_TIME_PATTERN.test(value)) out.push({ field, violation: "PATTERN", message: "must match yyyy-MM-ddTHH:mm:ss.SSSXXX" })
}

export const validateArticle = (body: Json): Array<Violation> => {
  const out: Array<Violation> = []
  if (!isString(body.title) || body.title.length === 0) out.push({ field: "title", violation: "NOTNULL", message: "darf nicht leer sein" })
  if (body.type !== "PRODUCT" && body.type !== "SERVICE") out.push({ field: "type", violation: "NOTNULL", message: "must be PRODUCT or SERVICE" })
  if (!isString(body.unitName) || body.unitName.length === 0) out.push({ field: "unitName", violation: "NOTNULL", message: "darf nicht leer sein" })
  if (body.gtin !== undefined && !(isString(body.gtin) && /^(\d{8}|\d{12,14})$/.test(body.gtin))) {
    out.push({ field: "gtin", violation: "PATTERN", message: "not a GTIN-8, -12, -13 or -14" })
  }
  const price = body.price
  if (!isObject(price)) {
    out.push({ field: "price", violation: "NOTNULL", message: "darf nicht leer sein" })
    return out
  }
  if (price.leadingPrice !== "NET" && price.leadingPrice !== "GROSS") out.push({ field: "price.leadingPrice", violation: "NOTNULL", message: "must be NET or GROSS" })
  const rate = decimal(price.taxRate)
  if (rate === undefined || !VALID_RATES.has(BigDecimal.format(BigDecimal.normalize(rate)))) {
    out.push({ field: "price.taxRate", violation: "INVALID", message: "possible values are 0, 7 and 19" })
  }
  const leading = price.leadingPrice === "GROSS" ? "grossPrice" : "netPrice"
  if (decimal(price[leading]) === undefined) out.push({ field: `price.${leading}`, violation: "NOTNULL", message: "darf nicht leer sein" })
  return out
}

/** Legacy-format issues (contacts answer in the IssueList format). */
export interface Issue {
  readonly i18nKey: string
  readonly source: string
  readonly type: string
}

export const validateContact = (body: Json): Array<Issue> => {
  const out: Array<Issue> = []
  if (body.version !== 0) out.push({ i18nKey: "invalid_value", source: "version", type: "validation_failure" })
  const roles = body.roles
  if (!isObject(roles) || (!isObject(roles.customer) && !isObject(roles.vendor))) {
    out.push({ i18nKey: "missing_entity", source: "roles", type: "validation_failure" })
  }
  const hasCompany = body.company !== undefined
  const hasPerson = body.person !== undefined
  if (hasCompany === hasPerson) out.push({ i18nKey: hasCompany ? "invalid_value" : "missing_entity", source: "company", type: "validation_failure" })
  if (hasCompany && !(isObject(body.company) && isString(body.company.name) && body.company.name.length > 0)) {
    out.push({ i18nKey: "missing_entity", source: "company.name", type: "validation_failure" })
  }
  if (hasPerson && !(isObject(body.person) && isString(body.person.lastName) && body.person.lastName.length > 0)) {
    out.push({ i18nKey: "missing_entity", source: "person.lastName", type: "validation_failure" })
  }
  if (isObject(body.addresses)) {
    for (const kind of ["billing", "shipping"] as const) {
      const list = body.addresses[kind]
      if (list === undefined) continue
      if (!Array.isArray(list) || list.length > 1) out.push({ i18nKey: "invalid_value", source: `addresses.${kind}`, type: "validation_failure" })
      else if (list.length === 1 && !(isObject(list[0]) && isString(list[0].countryCode))) {
        out.push({ i18nKey: "missing_entity", source: `addresses.${kind}[0].countryCode`, type: "validation_failure" })
      }
    }
  }
  if (isObject(body.emailAddresses)) {
    for (const [kind, list] of Object.entries(body.emailAddresses)) {
      if (!Array.isArray(list) || list.length > 1) out.push({ i18nKey: "invalid_value", source: `emailAddresses.${kind}`, type: "validation_failure" })
    }
  }
  if (isString(body.note) && body.note.length > 1000) out.push({ i18nKey: "invalid_value", source: "note", type: "validation_failure" })
  return out
}

export interface VoucherRules {
  readonly requireShipping: boolean
  readonly contactIsCustomer: (id: string) => boolean | undefined
}

export const validateVoucher = (body: Json, rules: VoucherRules): Array<Violation> => {
  const out: Array<Violation> = []
  validateDateTime(body.voucherDate, "voucherDate", out)
  const taxConditions = body.taxConditions
  const taxType = isObject(taxConditions) ? taxConditions.taxType : undefined
  if (!isString(taxType) || !TAX_TYPES.has(taxType)) out.push({ field: "taxConditions.taxType", violation: "NOTNULL", message: "invalid or missing tax type" })

  const address = body.address
  if (!isObject(address)) out.push({ field: "address", violation: "NOTNULL", message: "darf nicht leer sein" })
  else if (isString(address.contactId)) {
    const customer = rules.contactIsCustomer(address.contactId)
    if (customer === undefined) out.push({ field: "address.contactId", violation: "INVALID", message: "contact does not exist" })
    else if (!customer) out.push({ field: "address.contactId", violation: "INVALID", message: "contact has no customer role" })
  } else {
    if (!isString(address.name)) out.push({ field: "address.name", violation: "NOTNULL", message: "darf nicht leer sein" })
    if (!isString(address.countryCode)) out.push({ field: "address.countryCode", violation: "NOTNULL", message: "darf nicht leer sein" })
    if (isString(taxType) && NEEDS_CONTACT.has(taxType)) {
      out.push({ field: "address.contactId", violation: "NOTNULL", message: `tax type ${taxType} requires a referenced contact` })
    }
  }

  const totalPrice = body.totalPrice
  if (!isObject(totalPrice) || totalPrice.currency !== "EUR") out.push({ field: "totalPrice.currency", violation: "INVALID", message: "only EUR is supported" })

  if (rules.requireShipping) {
    const shipping = body.shippingConditions
    if (!isObject(shipping) || !isString(shipping.shippingType) || !SHIPPING_TYPES.has(shipping.shippingType)) {
      out.push({ field: "shippingConditions.shippingType", violation: "NOTNULL", message: "invalid or missing shipping type" })
    } else if (shipping.shippingType !== "none") {
      validateDateTime(shipping.shippingDate, "shippingConditions.shippingDate", out)
      if (shipping.shippingType.endsWith("period")) validateDateTime(shipping.shippingEndDate, "shippingConditions.shippingEndDate", out)
    }
  } else if (body.shippingConditions !== undefined) {
    out.push({ field: "shippingConditions", violation: "INVALID", message: "not allowed on this voucher type" })
  }

  for (const [field, max] of [["title", 25], ["introduction", 2000], ["remark", 2000], ["deliveryTerms", 255]] as const) {
    const value = body[field]
    if (value !== undefined && (!isString(value) || value.length > max)) out.push({ field, violation: "SIZE", message: `size must be between 0 and ${max}` })
  }

  const lines = body.lineItems
  if (!Array.isArray(lines) || lines.length === 0) {
    out.push({ field: "lineItems", violation: "NOTNULL", message: "darf nicht leer sein" })
    return out
  }
  if (lines.length > 300) out.push({ field: "lineItems", violation: "SIZE", message: "at most 300 line items" })
  const gross = taxType === "gross"
  lines.forEach((line, i) => {
    const at = `lineItems[${i}]`
    if (!isObject(line)) return out.push({ field: at, violation: "NOTNULL", message: "darf nicht leer sein" })
    if (!isString(line.name) || line.name.length === 0 || line.name.length > 255) out.push({ field: `${at}.name`, violation: "SIZE", message: "size must be between 1 and 255" })
    if (line.type === "text") return
    if (!["custom", "material", "service"].includes(line.type as string)) return out.push({ field: `${at}.type`, violation: "INVALID", message: "unknown line item type" })
    if ((line.type === "material" || line.type === "service") && !isString(line.id)) out.push({ field: `${at}.id`, violation: "NOTNULL", message: "darf nicht leer sein" })
    if (decimal(line.quantity) === undefined || decimalPlaces(line.quantity) > 4) out.push({ field: `${at}.quantity`, violation: "NOTNULL", message: "up to 4 decimal places" })
    if (!isString(line.unitName)) out.push({ field: `${at}.unitName`, violation: "NOTNULL", message: "darf nicht leer sein" })
    if (!rules.requireShipping && line.discountPercentage !== undefined) out.push({ field: `${at}.discountPercentage`, violation: "INVALID", message: "no line discounts on credit notes" })
    const price = line.unitPrice
    if (!isObject(price)) return out.push({ field: `${at}.unitPrice`, violation: "NOTNULL", message: "darf nicht leer sein" })
    if (price.currency !== "EUR") out.push({ field: `${at}.unitPrice.currency`, violation: "INVALID", message: "only EUR is supported" })
    const amountField = gross ? "grossAmount" : "netAmount"
    if (decimal(price[amountField]) === undefined || decimalPlaces(price[amountField]) > 4) {
      out.push({ field: `${at}.unitPrice.${amountField}`, violation: "NOTNULL", message: "darf nicht leer sein" })
    }
    const rate = decimal(price.taxRatePercentage)
    if (rate === undefined) out.push({ field: `${at}.unitPrice.taxRatePercentage`, violation: "NOTNULL", message: "darf nicht leer sein" })
    else if (isString(taxType) && VAT_FREE.has(taxType) && !BigDecimal.isZero(rate)) {
      out.push({ field: `${at}.unitPrice.taxRatePercentage`, violation: "INVALID", message: "must be 0 for vat-free vouchers" })
    } else if (!VALID_RATES.has(BigDecimal.format(BigDecimal.normalize(rate)))) {
      out.push({ field: `${at}.unitPrice.taxRatePercentage`, violation: "INVALID", message: "tax rate not valid on the relevant date" })
    }
  })
  return out
}
