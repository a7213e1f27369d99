import { money } from "./Money.js"
import { renderPdf } from "./PdfRenderer.js"
import { type Json, type SimulatorStore, type StoredContact, type StoredRecord, type StoredVoucher, type Subscription, VOUCHER_META } from "./SimulatorStore.js"

/**
 * How the simulated account's records look on the wire: the JSON lexoffice answers for articles,
 * contacts, vouchers, voucherlist rows and event subscriptions, and a finalized voucher's PDF.
 */

export const articleView = (store: SimulatorStore, a: StoredRecord) =>
  ({ id: a.id, organizationId: store.organizationId, createdDate: a.createdDate, updatedDate: a.updatedDate, archived: false, ...a.body, version: a.version })

/** Roles on the wire carry the customer number lexoffice assigned, whatever the client sent. */
export const contactView = (store: SimulatorStore, c: StoredContact) => {
  const roles = c.body.roles as Json
  return {
    id: c.id, organizationId: store.organizationId, version: c.version, archived: false,
    ...c.body,
    roles: { ...(roles.customer !== undefined ? { customer: { number: c.customerNumber } } : {}), ...(roles.vendor !== undefined ? { vendor: {} } : {}) },
  }
}

export const voucherView = (store: SimulatorStore, v: StoredVoucher) => {
  const related = v.precedingId === undefined ? [] : [store.vouchers.get(v.precedingId)].filter((p) => p !== undefined)
    .map((p) => ({ id: p.id, voucherNumber: p.voucherNumber ?? "", voucherType: VOUCHER_META[p.kind].listType }))
  return {
    id: v.id, organizationId: store.organizationId, createdDate: v.createdDate, updatedDate: v.updatedDate, version: v.version,
    archived: false, voucherStatus: v.status, ...(v.voucherNumber === undefined ? {} : { voucherNumber: v.voucherNumber }),
    ...v.body,
    ...(related.length > 0 ? { relatedVouchers: related } : {}),
  }
}

/** One row of GET /v1/voucherlist: a summary, not the voucher. */
export const voucherListView = (v: StoredVoucher) => ({
  id: v.id,
  voucherType: VOUCHER_META[v.kind].listType,
  voucherStatus: v.status,
  voucherNumber: v.voucherNumber ?? null,
  voucherDate: v.body.voucherDate,
  createdDate: v.createdDate,
  updatedDate: v.updatedDate,
  dueDate: null,
  contactId: v.contactId ?? null,
  contactName: v.contactName,
  totalAmount: money(v.totalGross),
  openAmount: money(v.openAmount),
  currency: "EUR",
  archived: false,
})

export const subscriptionView = (store: SimulatorStore, s: Subscription) =>
  ({ subscriptionId: s.subscriptionId, organizationId: store.organizationId, createdDate: s.createdDate, eventType: s.eventType, callbackUrl: s.callbackUrl })

/** The document of a finalized voucher: enough text for a reader to recognise the voucher. */
export const voucherDocument = (voucher: StoredVoucher): { readonly bytes: Uint8Array; readonly filename: string } => {
  const meta = VOUCHER_META[voucher.kind]
  const total = voucher.body.totalPrice as Json
  const lines = [
    `Nr. ${voucher.voucherNumber ?? ""}   Datum ${String(voucher.body.voucherDate).slice(0, 10)}`,
    `Kunde: ${voucher.contactName}`,
    ...(typeof voucher.body.introduction === "string" ? [voucher.body.introduction] : []),
    "",
    ...(voucher.body.lineItems as Array<Json>).map((l) =>
      `${String(l.quantity ?? "")} x ${String(l.name)}  ${l.lineItemAmount === undefined ? "" : `${String(l.lineItemAmount)} EUR`}`),
    "",
    `Netto ${String(total.totalNetAmount)} EUR   USt ${String(total.totalTaxAmount)} EUR   Brutto ${String(total.totalGrossAmount)} EUR`,
    ...(typeof voucher.body.remark === "string" ? [voucher.body.remark] : []),
  ]
  return { bytes: renderPdf(`${meta.title} ${voucher.voucherNumber ?? ""}`, lines), filename: `${meta.title}_${voucher.voucherNumber}.pdf` }
}
