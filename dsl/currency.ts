/**
 * ISO 4217 minor units of the currencies Vortex trades in (reference/channels.md §9).
 * A currency not listed is an error at check time, not a silent 2.
 */
export const minorUnits: Readonly<Record<string, number>> = {
  EUR: 2, USD: 2, AED: 2, SAR: 2, RON: 2, GBP: 2, CHF: 2, PLN: 2, CZK: 2, HUF: 2, SEK: 2, DKK: 2,
  BHD: 3, OMR: 3, KWD: 3,
  JPY: 0,
}

export const currencyPlaces = (code: string): number | undefined => minorUnits[code]
