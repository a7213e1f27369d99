import { Effect, Option } from "effect"
import { LexofficeClient } from "../../connectors/lexoffice/LexofficeClient.js"
import { MAX_PAGE_SIZE } from "../../connectors/lexoffice/schemas.js"
import { LexofficeBusy } from "./errors.js"
import { carriesMarker } from "./OrderMarker.js"
import { shiftDay } from "./OrderDay.js"

export interface VoucherSearch {
  /** The contact the voucher was addressed to; narrows the list to one buyer. */
  readonly contactId: string | null
  /** `yyyy-mm-dd` of the voucher date sent (Berlin). */
  readonly voucherDay: string
  readonly marker: string
  /** Ids some other order already owns: never that order's voucher, so never read. */
  readonly owned: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlySet<string>>
}

export interface FoundVoucher {
  readonly id: string
  readonly voucherNumber: string | null
}

/**
 * Looks for the order confirmation an earlier attempt may have created (ARCHITECTURE.md §6.4).
 * lexoffice cannot search voucher texts (lexoffice-dhl.md §7), so: the voucherlist narrowed to
 * order confirmations of this contact dated within a day of the voucher date (the day filters
 * are CET days; ±1 absorbs any offset a mapping used), newest first, then GET each candidate and
 * read its remark. Each call goes through the same paced client (2 req/s), which is why the
 * window is this small and owned ids are skipped without a read.
 */
export const findVoucherByMarker = (search: VoucherSearch): Effect.Effect<Option.Option<FoundVoucher>, LexofficeBusy, LexofficeClient> =>
  Effect.gen(function* () {
    const client = yield* LexofficeClient
    for (let page = 0; ; page++) {
      const list = yield* client.queryVoucherlist({
        voucherType: "orderconfirmation",
        voucherStatus: "any",
        ...(search.contactId === null ? {} : { contactId: search.contactId }),
        voucherDateFrom: shiftDay(search.voucherDay, -1),
        voucherDateTo: shiftDay(search.voucherDay, 1),
        sort: "createdDate,DESC",
      }, { page, size: MAX_PAGE_SIZE })
      const owned = yield* search.owned(list.content.map((v) => v.id))
      for (const candidate of list.content) {
        if (owned.has(candidate.id)) continue
        const voucher = yield* client.getOrderConfirmation(candidate.id).pipe(
          Effect.map(Option.some),
          // Deleted in the app between the list and the read: not ours to adopt.
          Effect.catchTag("LexofficeNotFound", () => Effect.succeed(Option.none())),
        )
        if (Option.isSome(voucher) && carriesMarker(voucher.value, search.marker)) {
          return Option.some({ id: candidate.id, voucherNumber: voucher.value.voucherNumber ?? candidate.voucherNumber ?? null })
        }
      }
      if (list.last || list.content.length === 0) return Option.none<FoundVoucher>()
    }
  }).pipe(
    Effect.mapError((e) => new LexofficeBusy({ operation: e.operation, message: `reconciliation: ${e.message}` })),
    Effect.withSpan("VoucherReconciliation.findVoucherByMarker"),
  )
