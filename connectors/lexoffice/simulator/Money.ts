import { BigDecimal } from "effect"

/** lexoffice carries amounts as JSON numbers; the simulator computes them exactly, then writes them so. */
export const money = (d: BigDecimal.BigDecimal): number => Number(BigDecimal.format(BigDecimal.normalize(d)))
