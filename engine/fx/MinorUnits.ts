import { minorUnitsOf } from "../../dsl/iso4217.js"

/**
 * Minor units for the FX module: the one ISO 4217 table the DSL also uses (dsl/iso4217.ts).
 * There is no default: a code outside the list is refused where it enters (FxRates.convert
 * fails with UnknownCurrency), so reaching `minorUnits` with one is a bug, not a 2.
 */
export { minorUnitsOf }

export const minorUnits = (currency: string): number => {
  const places = minorUnitsOf(currency)
  if (places === undefined) throw new RangeError(`minorUnits: "${currency}" is not an ISO 4217 currency`)
  return places
}
