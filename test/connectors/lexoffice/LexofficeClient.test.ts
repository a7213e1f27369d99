import { assert, describe, it } from "@effect/vitest"
import { BigDecimal, Effect, Stream } from "effect"
import { LexofficeSimulator } from "../../../connectors/lexoffice/simulator/LexofficeSimulator.js"
import { clientFor, dec, Live, orderConfirmation, unlimited } from "./fixtures.js"

const eq = (actual: BigDecimal.BigDecimal, expected: string) =>
  assert.isTrue(BigDecimal.equals(actual, dec(expected)), `${BigDecimal.format(actual)} ≠ ${expected}`)

describe("lexoffice client against the simulator", () => {
  it.scopedLive("pages through 10 000 articles, 250 per request", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      sim.seedArticles(10_000)
      const client = yield* clientFor(sim, unlimited)
      const ids = new Set<string>()
      yield* client.streamArticles().pipe(Stream.runForEach((a) => Effect.sync(() => ids.add(a.id))))
      assert.strictEqual(ids.size, 10_000)
      assert.strictEqual(sim.requestLog.length, 40)
      assert.isTrue(sim.requestLog.every((r) => r.url.includes("size=250")))
    }).pipe(Effect.provide(Live)))

  it.scopedLive("finds an article by number and reads its price as an exact decimal", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      sim.seedArticles(3, (i) => ({ price: { leadingPrice: "NET", netPrice: [0.1, 0.2, 19.99][i], taxRate: 19 } }))
      const client = yield* clientFor(sim, unlimited)
      const page = yield* client.listArticles({ articleNumber: "A-00003" })
      assert.strictEqual(page.totalElements, 1)
      const article = yield* client.getArticle(page.content[0]!.id)
      eq(article.price.netPrice!, "19.99")
      eq(article.price.grossPrice!, "23.79") // 19.99 × 1.19 = 23.7881 → 23.79
    }).pipe(Effect.provide(Live)))

  it.scopedLive("a PUT with a stale version is a conflict; after re-reading it succeeds", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const [id] = sim.seedArticles(1)
      const client = yield* clientFor(sim, unlimited)
      const read = yield* client.getArticle(id!)
      sim.touchArticle(id!) // someone edits it in the lexoffice app meanwhile
      const { id: _id, organizationId: _o, createdDate: _c, updatedDate: _u, archived: _a, ...input } = read
      const conflict = yield* Effect.flip(client.updateArticle(id!, { ...input, title: "Renamed" }))
      assert.strictEqual(conflict._tag, "LexofficeConflict")
      assert.strictEqual(conflict._tag === "LexofficeConflict" && conflict.outcome, "permanent")
      const fresh = yield* client.getArticle(id!)
      const ok = yield* client.updateArticle(id!, { ...input, title: "Renamed", version: fresh.version })
      assert.strictEqual(ok.version, fresh.version + 1)
      assert.strictEqual((yield* client.getArticle(id!)).title, "Renamed")
    }).pipe(Effect.provide(Live)))

  it.scopedLive("406 validation details are surfaced field by field (regular format)", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const client = yield* clientFor(sim, unlimited)
      // Export to the UAE needs a referenced contact and 0 % lines (DOC #Order Confirmations).
      const error = yield* Effect.flip(client.createOrderConfirmation(orderConfirmation({ taxConditions: { taxType: "thirdPartyCountryDelivery" } })))
      assert.strictEqual(error._tag, "LexofficeValidationError")
      if (error._tag !== "LexofficeValidationError") return
      const fields = error.details.map((d) => d.field).sort()
      assert.deepStrictEqual(fields, ["address.contactId", "lineItems[0].unitPrice.taxRatePercentage", "lineItems[1].unitPrice.taxRatePercentage"])
      assert.strictEqual(sim.vouchersOf("order-confirmations").length, 0)
    }).pipe(Effect.provide(Live)))

  it.scopedLive("406 from the legacy IssueList format maps to the same typed error", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const client = yield* clientFor(sim, unlimited)
      const error = yield* Effect.flip(client.createContact({ version: 0, roles: { customer: {} }, company: { name: "ACME" }, person: { lastName: "Both" } }))
      assert.strictEqual(error._tag, "LexofficeValidationError")
      if (error._tag !== "LexofficeValidationError") return
      assert.deepStrictEqual(error.details, [{ field: "company", message: "invalid_value", violation: "validation_failure" }])
    }).pipe(Effect.provide(Live)))

  it.scopedLive("a 504 after commit surfaces as unknown-outcome, is not retried, and the voucher exists", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const client = yield* clientFor(sim, unlimited)
      sim.faults.commitThen504 = 1
      const error = yield* Effect.flip(client.createOrderConfirmation(orderConfirmation(), { finalize: true }))
      assert.strictEqual(error._tag, "LexofficeUnknownOutcome")
      assert.strictEqual(sim.requestLog.filter((r) => r.method === "POST").length, 1)
      const stored = sim.vouchersOf("order-confirmations")
      assert.strictEqual(stored.length, 1)
      // The reconciliation path of ARCHITECTURE.md §6 finds it again by voucherlist + marker.
      const candidates = yield* client.queryVoucherlist({ voucherType: "orderconfirmation", voucherStatus: "any" })
      const found = yield* Effect.forEach(candidates.content, (c) => client.getOrderConfirmation(c.id))
      assert.deepStrictEqual(found.filter((v) => v.remark === "vortex:order:BC-1001").map((v) => v.id), [stored[0]!.id])
    }).pipe(Effect.provide(Live)))

  it.scopedLive("5xx answers are retried until the call succeeds", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const [id] = sim.seedArticles(1)
      const client = yield* clientFor(sim, unlimited)
      sim.faults.failNext = 2
      sim.faults.serverErrorStatus = 500
      const article = yield* client.getArticle(id!)
      assert.strictEqual(article.id, id)
      assert.deepStrictEqual(sim.requestLog.map((r) => r.status), [500, 500, 200])
    }).pipe(Effect.provide(Live)))

  it.scopedLive("a 503 on a create is retried (not executed) and yields exactly one voucher", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const client = yield* clientFor(sim, unlimited)
      sim.faults.failNext = 2
      yield* client.createOrderConfirmation(orderConfirmation())
      assert.strictEqual(sim.vouchersOf("order-confirmations").length, 1)
    }).pipe(Effect.provide(Live)))

  it.scopedLive("a 500 on a create is unknown-outcome, not retried", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const client = yield* clientFor(sim, unlimited)
      sim.faults.failNext = 1
      sim.faults.serverErrorStatus = 500
      const error = yield* Effect.flip(client.createOrderConfirmation(orderConfirmation()))
      assert.strictEqual(error._tag, "LexofficeUnknownOutcome")
      assert.strictEqual(sim.requestLog.length, 1)
    }).pipe(Effect.provide(Live)))

  it.scopedLive("a wrong key is access denied and not retried", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const client = yield* clientFor(sim, { ...unlimited, accessToken: "not-the-key-123" })
      const error = yield* Effect.flip(client.listArticles())
      assert.strictEqual(error._tag, "LexofficeAccessDenied")
      assert.strictEqual(sim.requestLog.length, 1)
    }).pipe(Effect.provide(Live)))

  it.scopedLive("totals are computed per tax rate and rounded half-up, as exact decimals", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const client = yield* clientFor(sim, unlimited)
      const created = yield* client.createOrderConfirmation(orderConfirmation(), { finalize: true })
      const oc = yield* client.getOrderConfirmation(created.id)
      assert.strictEqual(oc.voucherStatus, "open")
      assert.strictEqual(oc.voucherNumber, "AB0001")
      const byRate = new Map(oc.taxAmounts.map((t) => [BigDecimal.format(BigDecimal.normalize(t.taxRatePercentage)), t.taxAmount]))
      eq(byRate.get("19")!, "2.55") // 13.40 × 19 % = 2.546
      eq(byRate.get("7")!, "0.58") // 8.32 × 7 % = 0.5824
      eq(oc.totalPrice.totalNetAmount, "21.72")
      eq(oc.totalPrice.totalTaxAmount, "3.13")
      eq(oc.totalPrice.totalGrossAmount, "24.85")
    }).pipe(Effect.provide(Live)))

  it.scopedLive("finalized vouchers render a PDF; a draft's /file is a conflict", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const client = yield* clientFor(sim, unlimited)
      const oc = yield* client.createOrderConfirmation(orderConfirmation(), { finalize: true })
      const invoice = yield* client.createInvoice(orderConfirmation(), { finalize: true, precedingSalesVoucherId: oc.id })
      const pdf = yield* client.downloadInvoicePdf(invoice.id)
      const text = Buffer.from(pdf.bytes).toString("latin1")
      assert.isTrue(text.startsWith("%PDF-1.4"))
      assert.isTrue(text.trimEnd().endsWith("%%EOF"))
      assert.include(text, "RE0001")
      assert.strictEqual(pdf.contentType, "application/pdf")
      assert.strictEqual(pdf.filename, "Rechnung_RE0001.pdf")
      // The xref offset must point at the xref table, or PDF readers reject the file.
      const startxref = Number(/startxref\n(\d+)/.exec(text)![1])
      assert.strictEqual(text.slice(startxref, startxref + 4), "xref")
      const draft = yield* client.createOrderConfirmation(orderConfirmation())
      const error = yield* Effect.flip(client.downloadOrderConfirmationPdf(draft.id))
      assert.strictEqual(error._tag, "LexofficeConflict")
    }).pipe(Effect.provide(Live)))

  it.scopedLive("one credit note per invoice; it pays the invoice off", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const client = yield* clientFor(sim, unlimited)
      const oc = yield* client.createOrderConfirmation(orderConfirmation(), { finalize: true })
      const invoice = yield* client.createInvoice(orderConfirmation(), { finalize: true, precedingSalesVoucherId: oc.id })
      const { shippingConditions: _s, ...creditInput } = orderConfirmation({ introduction: "Gutschrift zu RE0001" })
      const credit = yield* client.createCreditNote(creditInput, { finalize: true, precedingSalesVoucherId: invoice.id })
      const note = yield* client.getCreditNote(credit.id)
      assert.strictEqual(note.voucherStatus, "paidoff")
      assert.deepStrictEqual(note.relatedVouchers?.map((r) => r.id), [invoice.id])
      const second = yield* Effect.flip(client.createCreditNote(creditInput, { finalize: true, precedingSalesVoucherId: invoice.id }))
      assert.strictEqual(second._tag, "LexofficeValidationError")
      const list = yield* client.queryVoucherlist({ voucherType: "invoice", voucherStatus: "any" })
      eq(list.content[0]!.openAmount!, "0")
    }).pipe(Effect.provide(Live)))

  it.scopedLive("contacts are found by a name containing & (HTML- then URL-encoded) and by email", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const client = yield* clientFor(sim, unlimited)
      const created = yield* client.createContact({
        version: 0, roles: { customer: {} }, company: { name: "Johnson & Partner" },
        emailAddresses: { business: ["info@johnson.example"] },
      })
      const byName = yield* client.findContacts({ name: "johnson & partner" })
      assert.deepStrictEqual(byName.content.map((c) => c.id), [created.id])
      assert.include(sim.requestLog.at(-1)!.url, "name=johnson%20%26amp%3B%20partner")
      const byEmail = yield* client.findContacts({ email: "info@johnson.example" })
      assert.strictEqual(byEmail.content[0]!.roles.customer?.number, 10_001)
    }).pipe(Effect.provide(Live)))

  it.scopedLive("a slow answer: a read times out and is retried; a create times out as unknown-outcome yet exists", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const [id] = sim.seedArticles(1)
      const client = yield* clientFor(sim, { ...unlimited, timeoutMs: 150, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 } })
      sim.faults.latencyMs = 400
      const read = yield* Effect.flip(client.getArticle(id!))
      assert.strictEqual(read._tag, "LexofficeUnavailable")
      assert.strictEqual(read.outcome, "retryable")
      const create = yield* Effect.flip(client.createOrderConfirmation(orderConfirmation()))
      assert.strictEqual(create._tag, "LexofficeUnknownOutcome")
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 600)))
      assert.strictEqual(sim.vouchersOf("order-confirmations").length, 1)
      assert.strictEqual(sim.requestLog.filter((r) => r.method === "GET").length, 2)
    }).pipe(Effect.provide(Live)))

  it.scopedLive("an amount too precise for a JSON number is refused before anything is sent", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const client = yield* clientFor(sim, unlimited)
      const third = BigDecimal.unsafeDivide(dec("1"), dec("3")) // 0.333… to many digits
      const error = yield* Effect.flip(client.createArticle({
        title: "Third", type: "PRODUCT", unitName: "Stück", price: { leadingPrice: "NET", netPrice: third, taxRate: dec("19") },
      }))
      assert.strictEqual(error._tag, "LexofficeInvalidRequest")
      assert.strictEqual(sim.requestLog.length, 0)
    }).pipe(Effect.provide(Live)))
})
