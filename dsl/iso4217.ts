/**
 * ISO 4217 minor units: the one currency table of Vortex, shared by the DSL (round, allocate,
 * money, fx) and the FX module (engine/fx/MinorUnits.ts). A code not listed here is an error
 * wherever it enters, never a default number of places (ARCHITECTURE.md §8).
 *
 * Source: ISO 4217 "List one: Currency, fund and precious metal codes" (maintained by SIX on
 * behalf of ISO), active codes as of 2025-06 (amendments through the Caribbean guilder XCG and
 * the Zimbabwe Gold ZWG; HRK, ZWL and the withdrawn codes before them are not listed; ANG and
 * BGN are still listed during their transition). Transcribed from the standard; check it
 * against the current list when SIX publishes an amendment.
 *
 * Codes whose minor unit ISO gives as "N.A." (precious metals XAU/XAG/XPD/XPT, the bond-market
 * units XBA–XBD, XDR, XSU, XUA, the test code XTS and XXX) are left out on purpose: they have no
 * number of places to round an amount to, so they cannot be the currency of money here.
 */
const byPlaces: ReadonlyArray<readonly [places: number, codes: string]> = [
  [0, "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"],
  [3, "BHD IQD JOD KWD LYD OMR TND"],
  [4, "CLF UYW"],
  [2, [
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN",
    "BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP",
    "GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK",
    "LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK",
    "NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP",
    "STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER",
    "ZAR ZMW ZWG",
  ].join(" ")],
]

/** Code → minor units. A Map, so no name (`constructor`, `__proto__`) is found by accident. */
const table: ReadonlyMap<string, number> = new Map(byPlaces.flatMap(([places, codes]) => codes.split(" ").map((c) => [c, places] as const)))

/** The minor units (decimal places) of an ISO 4217 currency, or undefined for a code not in the list. */
export const minorUnitsOf = (code: string): number | undefined => table.get(code)

/** Every listed code, for did-you-mean hints and tests. */
export const currencyCodes = (): ReadonlyArray<string> => [...table.keys()]
