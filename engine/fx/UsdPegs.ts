/**
 * Currencies fixed to the US dollar, as units per 1 USD (reference/channels.md §9 "USD pegs";
 * secondary sources, well attested). The ECB publishes none of them, so their euro rates go
 * through the ECB's EUR→USD rate. Pegs do not change day to day, so they live here, not in the
 * rate table: a conversion records the peg as part of its path and source.
 */
export const USD_PEGS: ReadonlyMap<string, string> = new Map([
  ["AED", "3.6725"], // UAE dirham
  ["SAR", "3.75"], // Saudi riyal, since 1986
  ["BHD", "0.376"], // Bahraini dinar
  ["OMR", "0.3845"], // Omani rial, since 1986
])

export const USD_PEG_SOURCE = "USD-peg"
