import { BigDecimal } from "effect"

/**
 * lexoffice computes every amount of a sales voucher itself. It sums line amounts per tax rate
 * and rounds the tax of each rate total half-up to 2 places (INFERENCE from the DOC samples:
 * 13.40 × 19 % = 2.546 → 2.55; 8.32 × 7 % = 0.5824 → 0.58). Gross vouchers are the mirror: sum
 * gross per rate, derive net by division, tax is the difference.
 */
export interface PricedLine {
  readonly quantity: BigDecimal.BigDecimal
  /** Net or gross unit amount, per the voucher's tax type. */
  readonly unitAmount: BigDecimal.BigDecimal
  readonly taxRatePercentage: BigDecimal.BigDecimal
  readonly discountPercentage: BigDecimal.BigDecimal
}

export interface RateTotal {
  readonly taxRatePercentage: BigDecimal.BigDecimal
  readonly netAmount: BigDecimal.BigDecimal
  readonly taxAmount: BigDecimal.BigDecimal
}

export interface VoucherTotals {
  readonly lineAmounts: ReadonlyArray<BigDecimal.BigDecimal>
  readonly byRate: ReadonlyArray<RateTotal>
  readonly totalNetAmount: BigDecimal.BigDecimal
  readonly totalTaxAmount: BigDecimal.BigDecimal
  readonly totalGrossAmount: BigDecimal.BigDecimal
}

const HUNDRED = BigDecimal.fromBigInt(100n)
export const roundMoney = (d: BigDecimal.BigDecimal) => BigDecimal.round(d, { scale: 2, mode: "half-from-zero" })

export const lineAmount = (line: PricedLine): BigDecimal.BigDecimal => {
  const gross = BigDecimal.multiply(line.quantity, line.unitAmount)
  const kept = BigDecimal.subtract(HUNDRED, line.discountPercentage)
  return roundMoney(BigDecimal.unsafeDivide(BigDecimal.multiply(gross, kept), HUNDRED))
}

export const computeTotals = (lines: ReadonlyArray<PricedLine>, pricesAreGross: boolean): VoucherTotals => {
  const lineAmounts = lines.map(lineAmount)
  const sums = new Map<string, { rate: BigDecimal.BigDecimal; sum: BigDecimal.BigDecimal }>()
  lines.forEach((line, i) => {
    const key = BigDecimal.format(BigDecimal.normalize(line.taxRatePercentage))
    const entry = sums.get(key) ?? { rate: line.taxRatePercentage, sum: BigDecimal.fromBigInt(0n) }
    sums.set(key, { rate: entry.rate, sum: BigDecimal.sum(entry.sum, lineAmounts[i]!) })
  })
  const byRate: Array<RateTotal> = [...sums.values()].map(({ rate, sum }) => {
    if (pricesAreGross) {
      const net = roundMoney(BigDecimal.unsafeDivide(BigDecimal.multiply(sum, HUNDRED), BigDecimal.sum(HUNDRED, rate)))
      return { taxRatePercentage: rate, netAmount: net, taxAmount: BigDecimal.subtract(sum, net) }
    }
    const tax = roundMoney(BigDecimal.unsafeDivide(BigDecimal.multiply(sum, rate), HUNDRED))
    return { taxRatePercentage: rate, netAmount: sum, taxAmount: tax }
  })
  const zero = BigDecimal.fromBigInt(0n)
  const totalNetAmount = byRate.reduce((acc, r) => BigDecimal.sum(acc, r.netAmount), zero)
  const totalTaxAmount = byRate.reduce((acc, r) => BigDecimal.sum(acc, r.taxAmount), zero)
  return { lineAmounts, byRate, totalNetAmount, totalTaxAmount, totalGrossAmount: BigDecimal.sum(totalNetAmount, totalTaxAmount) }
}
