/**
 * Which lexoffice tax conditions an order gets, decided by where the goods go (the shipping
 * country is the place of supply of a shipped sale). Sources: lexoffice-dhl.md §1 ("Tax rates:
 * 7 and 19, plus EU destination-country rates for distanceSales/OSS"), §4 (taxType, taxSubType,
 * "All other vat-free tax types are only usable in combination with a referenced contact"),
 * channels.md §9 (destination rates).
 */

/** The EU-27 by ISO 3166-1 alpha-2 (Greece is GR here; "EL" is only its VAT prefix). */
export const EU_MEMBER_STATES: ReadonlySet<string> = new Set([
  "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT",
  "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
])

export interface TaxPolicy {
  /** Where the merchant's lexoffice organisation is established. lexoffice is German: DE. */
  readonly homeCountry: string
  /** Whether domestic and OSS prices go to lexoffice as gross or net unit prices. */
  readonly priceMode: "gross" | "net"
  /**
   * EU B2C distance sales: "oss" = registered for the One-Stop-Shop, destination-country VAT;
   * "origin" = below the EU-wide 10 000 EUR threshold and not opted in, home VAT applies.
   */
  readonly euDistanceSales: "oss" | "origin"
}

export const defaultTaxPolicy: TaxPolicy = { homeCountry: "DE", priceMode: "gross", euDistanceSales: "oss" }

export type TaxType = "gross" | "net" | "thirdPartyCountryDelivery"

export interface TaxTreatment {
  readonly destination: "domestic" | "eu-distance-sale" | "third-country"
  readonly taxType: TaxType
  readonly taxSubType?: "distanceSales"
  /** Whose VAT rates the lines carry; undefined for the zero-rated export. */
  readonly vatCountry: string | undefined
  /** Every line must carry taxRatePercentage 0 (vat-free voucher). */
  readonly zeroRated: boolean
  /** lexoffice refuses this tax type with a one-time address: a contact must be referenced. */
  readonly requiresContact: boolean
}

/**
 * lexoffice's vat-free tax types other than plain `vatfree` need `address.contactId`
 * (DOC #Order Confirmations, taxType). A payload breaking this is never sent.
 */
export const REQUIRES_REFERENCED_CONTACT: ReadonlySet<string> = new Set([
  "intraCommunitySupply", "constructionService13b", "externalService13b", "thirdPartyCountryService", "thirdPartyCountryDelivery",
])

/**
 * Consumer sales only: the canonical channel order carries no buyer VAT id, so a B2B
 * intra-community supply (`intraCommunitySupply`, 0 %, reverse charge) cannot be recognised and is
 * not produced here; an EU order is always a distance sale to a consumer.
 */
export const taxTreatment = (shippingCountry: string, policy: TaxPolicy): TaxTreatment => {
  const country = shippingCountry.toUpperCase()
  if (country === policy.homeCountry) {
    return { destination: "domestic", taxType: policy.priceMode, vatCountry: country, zeroRated: false, requiresContact: false }
  }
  if (EU_MEMBER_STATES.has(country)) {
    // OSS: the sale is taxed at the destination's rates. lexoffice models it as the ordinary
    // gross/net voucher with taxSubType "distanceSales" and the destination rate on each line;
    // which rates it accepts per country is documented only as "EU destination-country rates"
    // (UNCONFIRMED: the exact validation lexoffice applies; built to the documented contract).
    return policy.euDistanceSales === "oss"
      ? { destination: "eu-distance-sale", taxType: policy.priceMode, taxSubType: "distanceSales", vatCountry: country, zeroRated: false, requiresContact: false }
      : { destination: "eu-distance-sale", taxType: policy.priceMode, vatCountry: policy.homeCountry, zeroRated: false, requiresContact: false }
  }
  // Export of goods to a third country (UAE, KSA, …): tax-free delivery, 0 % lines, and lexoffice
  // accepts it only with a referenced contact.
  return { destination: "third-country", taxType: "thirdPartyCountryDelivery", vatCountry: undefined, zeroRated: true, requiresContact: true }
}

/** The treatment as the orders/returns map sees it: the `tax` variable (flowTypes.ts). */
export const taxVariable = (t: TaxTreatment) => ({
  destination: t.destination,
  taxType: t.taxType,
  taxSubType: t.taxSubType ?? null,
  zeroRated: t.zeroRated,
  vatCountry: t.vatCountry ?? null,
})

/**
 * Why mapped tax conditions do not fit the destination, or undefined when they do. A domestic
 * or EU sale may be booked gross or net (the merchant's price mode), but never as a tax-free
 * type; an OSS sale must say distanceSales and a domestic one must not; an export must be the
 * tax-free delivery. Checked before any lexoffice call, so a pipeline with a hard-coded
 * `taxType: "gross"` cannot book a Swiss order with German VAT.
 */
export const taxConditionsMismatch = (
  t: TaxTreatment,
  mapped: { readonly taxType: string; readonly taxSubType?: string | undefined },
): string | undefined => {
  const wanted = t.destination === "third-country"
    ? `taxType ${t.taxType}`
    : `taxType gross or net${t.taxSubType === undefined ? " without taxSubType" : ` with taxSubType ${t.taxSubType}`}`
  const typeFits = t.destination === "third-country" ? mapped.taxType === t.taxType : mapped.taxType === "gross" || mapped.taxType === "net"
  const subTypeFits = t.destination === "third-country" || (mapped.taxSubType ?? undefined) === t.taxSubType
  if (typeFits && subTypeFits) return undefined
  const got = `taxType ${mapped.taxType}${mapped.taxSubType === undefined ? "" : `, taxSubType ${mapped.taxSubType}`}`
  return `a ${t.destination} order (shipped to ${t.vatCountry ?? "outside the EU"}) needs ${wanted}; the mapping gave ${got} — map taxConditions from the tax variable (tax.taxType, tax.taxSubType)`
}
