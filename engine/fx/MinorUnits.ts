/**
 * ISO 4217 minor units (decimal places) of the currencies Vortex converts into: the ECB list and
 * the USD-pegged Gulf currencies (reference/channels.md §9 "Minor units"). Anything not listed
 * here has 2, which is what ISO 4217 assigns to all other currencies the ECB quotes.
 */
const EXCEPTIONS: ReadonlyMap<string, number> = new Map([
  ["BHD", 3], ["OMR", 3], ["KWD", 3], ["JOD", 3], ["TND", 3],
  ["JPY", 0], ["KRW", 0], ["ISK", 0],
])

export const minorUnits = (currency: string): number => EXCEPTIONS.get(currency) ?? 2
