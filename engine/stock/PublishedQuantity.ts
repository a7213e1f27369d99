/**
 * What a channel is shown: `max(0, floor(available − buffer))` (ARCHITECTURE.md §7). The buffer comes
 * from the pipeline's rule and may be a decimal (a percentage of stock), so the subtraction is
 * exact: `floor(available − b) = available − ceil(b)` for an integer `available`.
 */
import { BigDecimal, Either, Option } from "effect"
import { InvalidBuffer } from "./errors.js"
import { MAX_ON_HAND } from "./StockCsv.js"

export interface StockRow {
  readonly sku: string
  readonly available: number
  readonly onHand: number
  readonly reserved: number
}

/** The compiled buffer rule of a pipeline: a number of units, or a decimal as text. */
export type BufferRule = (row: StockRow) => number | string

export const noBuffer: BufferRule = () => 0

const ceilToInt = (d: BigDecimal.BigDecimal): bigint => BigDecimal.scale(BigDecimal.ceil(d), 0).value

export const publishedQuantity = (row: StockRow, buffer: BufferRule): Either.Either<number, InvalidBuffer> => {
  const raw = buffer(row)
  const parsed = typeof raw === "number"
    ? (Number.isFinite(raw) ? Option.some(BigDecimal.unsafeFromNumber(raw)) : Option.none())
    // BigDecimal reads "" as zero; an empty rule result is a broken rule, not "no buffer".
    : raw.trim() === "" ? Option.none() : BigDecimal.fromString(raw.trim())
  if (Option.isNone(parsed)) return Either.left(new InvalidBuffer({ sku: row.sku, value: String(raw) }))
  // A negative buffer would show more than is available: it counts as none.
  const b = ceilToInt(parsed.value)
  const shown = BigInt(row.available) - (b > 0n ? b : 0n)
  return Either.right(shown <= 0n ? 0 : Number(shown > BigInt(MAX_ON_HAND) ? BigInt(MAX_ON_HAND) : shown))
}
