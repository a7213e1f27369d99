import { Context, type Effect } from "effect"
import type { LexofficeDateTime } from "../../connectors/lexoffice/Wire.js"
import type { OrderConfirmationInput } from "../../connectors/lexoffice/schemas.js"
import type { ChannelOrder } from "./ChannelOrder.js"
import type { MappingFailed } from "./errors.js"
import type { OrderFx } from "./OrderFx.js"
import type { TaxTreatment } from "./TaxTreatment.js"

/** What the protocol has decided before mapping, for the mapping to use. */
export interface MappingContext {
  /** The lexoffice contact of the buyer; put it in `address.contactId`. */
  readonly contactId?: string
  /** EUR conversion at the order date; every amount in the payload must be EUR. */
  readonly fx: OrderFx
  /** Tax conditions by destination; `zeroRated` means 0 % on every line. */
  readonly tax: TaxTreatment
  /** The order's placement time as a lexoffice voucher date (Berlin time). */
  readonly voucherDate: LexofficeDateTime
}

/**
 * The pipeline's `map:` for the orders flow (canonical channel order → lexoffice order
 * confirmation), compiled from the DSL elsewhere and provided per pipeline. The protocol adds
 * the exactly-once marker to `remark` itself and refuses a payload that breaks the tax/contact
 * rules, so a mapping cannot defeat either.
 */
export class OrderMapper extends Context.Tag("engine/orders/OrderMapper")<OrderMapper, {
  readonly map: (order: ChannelOrder, context: MappingContext) => Effect.Effect<OrderConfirmationInput, MappingFailed>
}>() {}
