/**
 * What each outside system can do, as data. A pipeline names flows; the validator refuses a
 * flow whose connector lacks the capability the flow needs (ARCHITECTURE.md §2), so a config author
 * learns at `vortex validate` time — not at 3 a.m. in a failing sync — that Sharaf DG has no
 * seller webhooks or that BigCommerce has no order-document endpoint.
 *
 * The flow → capability table sits here too, as plain data keyed by flow name, so one file
 * answers "can this pair run this flow?"; the engine's pipeline validator applies it.
 */

export const capabilities = [
  "catalog-source",
  "catalog-target",
  "stock-target",
  "order-source",
  "order-target",
  "invoice-source",
  "document-target",
  "shipment-target",
  "return-source",
  "credit-note-target",
  "webhook-source",
] as const

export type Capability = (typeof capabilities)[number]

/** The part a system plays: the merchant's books, a place that sells, or a carrier. */
export type ConnectorRole = "system-of-record" | "channel" | "courier"

export interface ConnectorInfo {
  readonly name: string
  readonly title: string
  readonly role: ConnectorRole
  readonly capabilities: ReadonlyArray<Capability>
  /** ISO 4217 codes the system accepts for prices and vouchers; absent = any. */
  readonly currencies?: ReadonlyArray<string>
  /** Why a capability is present or absent, with the contract fact behind it. */
  readonly notes: ReadonlyArray<string>
}

export const connectors: Readonly<Record<string, ConnectorInfo>> = {
  lexoffice: {
    name: "lexoffice",
    title: "lexoffice / Lexware Office",
    role: "system-of-record",
    capabilities: ["catalog-source", "order-target", "invoice-source", "credit-note-target", "webhook-source"],
    currencies: ["EUR"],
    notes: [
      "articles are the catalog; no stock field exists (lexoffice-dhl.md §2)",
      "sales vouchers accept EUR only (lexoffice-dhl.md §4)",
      "event subscriptions deliver article/invoice/credit-note events (lexoffice-dhl.md §8)",
    ],
  },
  bigcommerce: {
    name: "bigcommerce",
    title: "BigCommerce",
    role: "channel",
    capabilities: ["catalog-target", "stock-target", "order-source", "shipment-target", "return-source", "webhook-source"],
    notes: [
      "no order-document endpoint in the BigCommerce docs snapshot, so invoices cannot be attached (channels.md §4)",
      "returns are read as refunds (v3 payment_actions/refunds); no public Returns API (channels.md §4)",
    ],
  },
  sharafdg: {
    name: "sharafdg",
    title: "Sharaf DG marketplace (Mirakl MMP seller API, assumed)",
    role: "channel",
    capabilities: ["catalog-target", "stock-target", "order-source", "document-target", "shipment-target", "return-source"],
    currencies: ["AED", "SAR", "BHD", "OMR"],
    notes: [
      "Mirakl seller API has no seller-facing webhooks: orders are polled with OR11 (channels.md §7)",
      "invoices are attached with OR74, tracking set with OR23 (channels.md §7)",
    ],
  },
  celro: {
    name: "celro",
    title: "Cel.ro marketplace",
    role: "channel",
    capabilities: ["catalog-target", "stock-target", "order-source", "document-target", "shipment-target", "return-source"],
    currencies: ["RON"],
    notes: [
      "no webhooks: orders are polled with orders/getOrders (channels.md §8)",
      "invoices attached with orders/addOrderInvoice, AWBs with orders/generateAwb (channels.md §8)",
      "returns are read from returned order/product statuses (assumption; channels.md §8)",
    ],
  },
  dhl: {
    name: "dhl",
    title: "DHL (Parcel DE Shipping / MyDHL Express)",
    role: "courier",
    capabilities: ["shipment-target"],
    notes: ["creates shipments and mints the AWB + label (lexoffice-dhl.md §10)"],
  },
}

export const connectorNames: ReadonlyArray<string> = Object.keys(connectors)

export const hasCapability = (connector: string, capability: Capability): boolean =>
  connectors[connector]?.capabilities.includes(capability) ?? false

/**
 * A pipeline's `source` is the system of record (lexoffice) and its `target` the channel; flows
 * run in either direction between them, so each flow names the capability it needs on each
 * side. `courier` is the connector named in the tracking flow's `courier` option.
 */
export interface FlowRequirement {
  readonly direction: "source-to-target" | "target-to-source" | "courier-to-target" | "ledger-to-target"
  readonly source?: Capability
  readonly target?: Capability
  readonly courier?: Capability
}

export const flowRequirements: Readonly<Record<string, FlowRequirement>> = {
  catalog: { direction: "source-to-target", source: "catalog-source", target: "catalog-target" },
  // stock comes from Vortex's own ledger: lexoffice has no stock field (ARCHITECTURE.md §1)
  stock: { direction: "ledger-to-target", target: "stock-target" },
  orders: { direction: "target-to-source", target: "order-source", source: "order-target" },
  invoices: { direction: "source-to-target", source: "invoice-source", target: "document-target" },
  tracking: { direction: "courier-to-target", courier: "shipment-target", target: "shipment-target" },
  returns: { direction: "target-to-source", target: "return-source", source: "credit-note-target" },
}
