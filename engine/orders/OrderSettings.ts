import { Context, Layer } from "effect"
import { defaultTaxPolicy, type TaxPolicy } from "./TaxTreatment.js"

/** Per pipeline: how its orders go to lexoffice. */
export interface OrderSettingsShape {
  readonly taxPolicy: TaxPolicy
  /**
   * Create order confirmations finalized (`open`, numbered). An invoice can only be pursued from
   * a non-draft order confirmation (DOC #Invoices: a draft predecessor gives 406).
   */
  readonly finalize: boolean
  /**
   * How long after an attempt began before an unknown outcome is reconciled. lexoffice may still
   * be processing a request it answered 504 to ("possibly processed"), and our own request may
   * have waited in the 2 req/s queue: looking too early could miss a voucher that is about to
   * appear and create a second one. Gateway 30 s + client timeout 35 s + queueing ⇒ 2 minutes.
   */
  readonly reconcileGraceMs: number
  /**
   * The orders flow's `contact:` option. `find-or-create`: every buyer becomes a lexoffice contact
   * (found by e-mail or created, cached per tenant). `one-time`: the voucher carries the buyer's
   * address, and a contact is resolved only for a tax type lexoffice refuses without one
   * (TaxTreatment `requiresContact`) — each resolution costs lexoffice calls at 2 req/s.
   */
  readonly contact: ContactMode
}

export type ContactMode = "one-time" | "find-or-create"

export class OrderSettings extends Context.Tag("engine/orders/OrderSettings")<OrderSettings, OrderSettingsShape>() {
  // `find-or-create` where no pipeline says otherwise: resolving is never wrong, only costlier.
  // A pipeline that leaves `contact:` out gets the schema's default, one-time (OrdersFlow).
  static readonly defaults: OrderSettingsShape = { taxPolicy: defaultTaxPolicy, finalize: true, reconcileGraceMs: 120_000, contact: "find-or-create" }
  static readonly layer = (overrides: Partial<OrderSettingsShape> = {}) =>
    Layer.succeed(OrderSettings, { ...OrderSettings.defaults, ...overrides })
}
