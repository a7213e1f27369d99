import { SqlClient } from "@effect/sql"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { ContactResolver } from "../../engine/orders/ContactResolver.js"
import { LedgerReservations } from "../../engine/orders/LedgerReservations.js"
import { OrderInbox } from "../../engine/orders/OrderInbox.js"
import { OrderMapper } from "../../engine/orders/OrderMapper.js"
import { carriesMarker, orderMarker, withMarker } from "../../engine/orders/OrderMarker.js"
import { OrderProtocol } from "../../engine/orders/OrderProtocol.js"
import { OrderRepo } from "../../engine/orders/OrderRepo.js"
import { OrderSettings } from "../../engine/orders/OrderSettings.js"
import { defaultTaxPolicy, taxConditionsMismatch, taxTreatment, taxVariable } from "../../engine/orders/TaxTreatment.js"
import { StockLedger } from "../../engine/stock/StockLedger.js"
import { StockSignals } from "../../engine/stock/StockSignals.js"
import { backends } from "../support/TestDatabase.js"
import { channelOrder, makeConnection, MemoryStock, misMappedSkus, uae } from "./fixtures.js"
import { ordersHarness, Simulator } from "./harness.js"

describe("tax treatment by destination", () => {
  it("a German order is a domestic sale in the configured price mode", () => {
    const t = taxTreatment("DE", defaultTaxPolicy)
    assert.deepStrictEqual([t.destination, t.taxType, t.taxSubType, t.vatCountry, t.requiresContact], ["domestic", "gross", undefined, "DE", false])
    assert.strictEqual(taxTreatment("DE", { ...defaultTaxPolicy, priceMode: "net" }).taxType, "net")
  })

  it("an EU consumer sale under OSS is a distance sale at the destination's VAT, not an intra-community supply", () => {
    const t = taxTreatment("RO", defaultTaxPolicy)
    assert.deepStrictEqual([t.destination, t.taxType, t.taxSubType, t.vatCountry, t.zeroRated], ["eu-distance-sale", "gross", "distanceSales", "RO", false])
  })

  it("below the OSS threshold an EU consumer sale is taxed as at home", () => {
    const t = taxTreatment("FR", { ...defaultTaxPolicy, euDistanceSales: "origin" })
    assert.deepStrictEqual([t.taxType, t.taxSubType, t.vatCountry], ["gross", undefined, "DE"])
  })

  it("an export to the UAE or Saudi Arabia is a tax-free third-country delivery that needs a referenced contact", () => {
    for (const country of ["AE", "SA", "BH", "OM", "CH"]) {
      const t = taxTreatment(country, defaultTaxPolicy)
      assert.deepStrictEqual([t.destination, t.taxType, t.zeroRated, t.requiresContact], ["third-country", "thirdPartyCountryDelivery", true, true], country)
    }
  })

  it("mapped tax conditions must fit the destination: price mode is free, the tax-free or OSS kind is not", () => {
    const de = taxTreatment("DE", defaultTaxPolicy)
    const at = taxTreatment("AT", defaultTaxPolicy)
    const ch = taxTreatment("CH", defaultTaxPolicy)
    assert.isUndefined(taxConditionsMismatch(de, { taxType: "gross" }))
    assert.isUndefined(taxConditionsMismatch(de, { taxType: "net" }))
    assert.isUndefined(taxConditionsMismatch(at, { taxType: "gross", taxSubType: "distanceSales" }))
    assert.isUndefined(taxConditionsMismatch(ch, { taxType: "thirdPartyCountryDelivery" }))
    assert.include(taxConditionsMismatch(ch, { taxType: "gross" }), "needs taxType thirdPartyCountryDelivery")
    assert.include(taxConditionsMismatch(at, { taxType: "gross" }), "with taxSubType distanceSales")
    assert.include(taxConditionsMismatch(de, { taxType: "gross", taxSubType: "distanceSales" }), "without taxSubType")
    assert.include(taxConditionsMismatch(de, { taxType: "thirdPartyCountryDelivery" }), "needs taxType gross or net")
    const origin = taxTreatment("FR", { ...defaultTaxPolicy, euDistanceSales: "origin" })
    assert.isUndefined(taxConditionsMismatch(origin, { taxType: "gross" }))
  })

  it("the map sees the treatment as plain data, absent parts as null", () => {
    assert.deepStrictEqual(taxVariable(taxTreatment("CH", defaultTaxPolicy)),
      { destination: "third-country", taxType: "thirdPartyCountryDelivery", taxSubType: null, zeroRated: true, vatCountry: null })
    assert.deepStrictEqual(taxVariable(taxTreatment("AT", defaultTaxPolicy)),
      { destination: "eu-distance-sale", taxType: "gross", taxSubType: "distanceSales", zeroRated: false, vatCountry: "AT" })
  })
})

describe("order marker", () => {
  it("is per order, survives a remark at the length limit, and order 10 is not found in order 100", () => {
    const m10 = orderMarker("c", "10")
    const remark = withMarker("x".repeat(2500), m10)
    assert.isAtMost(remark.length, 2000)
    assert.isTrue(carriesMarker({ remark }, m10))
    assert.isFalse(carriesMarker({ remark: withMarker("Bestellung 100", orderMarker("c", "100")) }, m10))
  })
})

describe.each(backends)("orders on %s", (backend) => {
  layer(ordersHarness(backend), { timeout: 120_000, excludeTestServices: true })((it) => {
    it.effect("a webhook delivered twice is received once; an older delivery never rolls back a newer one", () =>
      Effect.gen(function* () {
        const inbox = yield* OrderInbox
        const repo = yield* OrderRepo
        const { tenantId, connectionId } = yield* makeConnection("inbox")
        const order = channelOrder("1001")
        assert.strictEqual(yield* inbox.receive(tenantId, connectionId, order), "new")
        assert.strictEqual(yield* inbox.receive(tenantId, connectionId, order), "duplicate")
        const amended = { ...order, status: "Shipped" }
        assert.strictEqual(yield* inbox.receive(tenantId, connectionId, amended, { modifiedAt: "2026-04-02T11:00:00Z" }), "updated")
        assert.strictEqual(yield* inbox.receive(tenantId, connectionId, order, { modifiedAt: "2026-04-02T10:30:00Z" }), "duplicate")
        const row = Option.getOrThrow(yield* repo.get({ tenantId, connectionId, channelOrderId: "1001" }))
        assert.strictEqual((row.payload as { status: string }).status, "Shipped")
        assert.strictEqual(row.deliveries, 4)
        assert.lengthOf(yield* repo.listByState(tenantId, "received"), 1)
      }))

    it.effect("an order for another tenant's connection is refused and nothing is stored", () =>
      Effect.gen(function* () {
        const inbox = yield* OrderInbox
        const a = yield* makeConnection("tenant-a")
        const b = yield* makeConnection("tenant-b")
        const error = yield* Effect.flip(inbox.receive(b.tenantId, a.connectionId, channelOrder("x1")))
        assert.strictEqual(error._tag, "ConnectionNotFound")
        const invalid = yield* Effect.flip(inbox.receive(a.tenantId, a.connectionId, { id: "x2" }))
        assert.strictEqual(invalid._tag, "OrderInvalid")
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql`SELECT 1 FROM orders WHERE connection_id = ${a.connectionId}`
        assert.lengthOf(rows, 0)
      }))

    it.effect("an order is created once in lexoffice; its history is queryable and a replay ends at created", () =>
      Effect.gen(function* () {
        const inbox = yield* OrderInbox
        const protocol = yield* OrderProtocol
        const repo = yield* OrderRepo
        const sim = yield* Simulator
        const stock = new MemoryStock({ MUG: 5 })
        const { tenantId, connectionId } = yield* makeConnection("create")
        const key = { tenantId, connectionId, channelOrderId: "2001" }
        yield* inbox.receive(tenantId, connectionId, channelOrder("2001"))
        const result = yield* protocol.process(key).pipe(Effect.provide(stock.layer))
        assert.deepStrictEqual(result, { state: "created", outcome: "done" })
        const replay = yield* protocol.process(key).pipe(Effect.provide(stock.layer))
        assert.deepStrictEqual(replay, { state: "created", outcome: "done" })

        const row = Option.getOrThrow(yield* repo.get(key))
        const vouchers = sim.vouchersOf("order-confirmations").filter((v) => String(v.body.remark).includes(orderMarker(connectionId, "2001")))
        assert.lengthOf(vouchers, 1)
        assert.strictEqual(row.lexofficeId, vouchers[0]!.id)
        assert.strictEqual(row.lexofficeNumber, vouchers[0]!.voucherNumber)
        assert.match(row.lexofficeNumber ?? "", /^AB\d{4}$/)
        assert.deepStrictEqual(row.events.map((e) => [e.fromState, e.toState, e.attempt]), [
          [null, "received", 0], ["received", "reserved", 0], ["reserved", "creating", 1], ["creating", "created", 1],
        ])
        assert.strictEqual(stock.available("MUG"), 4)
        assert.lengthOf(yield* repo.listByState(tenantId, "created"), 1)
        assert.deepStrictEqual(yield* repo.countByState(tenantId), { created: 1 })
        const byId = Option.getOrThrow(yield* repo.getById(tenantId, row.id))
        assert.strictEqual(byId.events.length, 4)
        const other = yield* makeConnection("create-other")
        assert.isTrue(Option.isNone(yield* repo.getById(other.tenantId, row.id)), "another tenant cannot read it")
      }))

    it.effect("an order that cannot be reserved is marked oversold and never reaches lexoffice", () =>
      Effect.gen(function* () {
        const inbox = yield* OrderInbox
        const protocol = yield* OrderProtocol
        const repo = yield* OrderRepo
        const sim = yield* Simulator
        const stock = new MemoryStock({ MUG: 1 })
        const { tenantId, connectionId } = yield* makeConnection("oversold")
        yield* inbox.receive(tenantId, connectionId, channelOrder("3001", { lines: [{ id: "1", sku: "MUG", name: "Mug", quantity: 2, unitPriceGross: "11.90", taxRate: "19" }] }))
        const posts = sim.requestLog.length
        const result = yield* protocol.process({ tenantId, connectionId, channelOrderId: "3001" }).pipe(Effect.provide(stock.layer))
        assert.deepStrictEqual(result, { state: "oversold", outcome: "done" })
        assert.strictEqual(sim.requestLog.length, posts, "no lexoffice call at all")
        const [row] = yield* repo.listByState(tenantId, "oversold")
        assert.strictEqual(row?.failureReason, "oversold: MUG requested 2, available 1")
        assert.strictEqual(stock.available("MUG"), 1)
      }))

    it.effect("an AED order to the UAE is converted to EUR at the order date's rate, recorded, and sent tax-free to a referenced contact", () =>
      Effect.gen(function* () {
        const inbox = yield* OrderInbox
        const protocol = yield* OrderProtocol
        const repo = yield* OrderRepo
        const sim = yield* Simulator
        const { tenantId, connectionId } = yield* makeConnection("fx")
        const key = { tenantId, connectionId, channelOrderId: "4001" }
        yield* inbox.receive(tenantId, connectionId, channelOrder("4001", uae))
        const result = yield* protocol.process(key).pipe(Effect.provide(new MemoryStock({ MUG: 9 }).layer))
        assert.strictEqual(result.state, "created")
        const row = Option.getOrThrow(yield* repo.get(key))
        // ECB 2026-04-02: 1.1498 USD per EUR; AED 3.6725 per USD ⇒ EUR per AED = 1 / (1.1498 × 3.6725), 10 significant digits
        assert.deepStrictEqual([row.currency, row.fxRateDate, row.fxSource, row.fxPath], ["AED", "2026-04-02", "ECB+USD-peg", "AED→USD→EUR"])
        assert.strictEqual(row.fxRate, "0.2368186446")
        assert.strictEqual(row.totalGross, "200.00")
        assert.strictEqual(row.totalGrossEur, "47.36") // 200 × 0.2368186446 = 47.3637…
        const voucher = sim.vouchersOf("order-confirmations").find((v) => v.id === row.lexofficeId)!
        const body = voucher.body as { address: { contactId?: string }; taxConditions: { taxType: string }; lineItems: Array<{ unitPrice: { netAmount: number; taxRatePercentage: number; currency: string } }> }
        assert.strictEqual(body.taxConditions.taxType, "thirdPartyCountryDelivery")
        assert.strictEqual(body.address.contactId, row.contactId)
        assert.deepStrictEqual(body.lineItems.map((l) => [l.unitPrice.currency, l.unitPrice.netAmount, l.unitPrice.taxRatePercentage]), [["EUR", 23.6819, 0]])
      }))

    it.effect("a returning buyer's contact comes from the cache: no search and no second contact", () =>
      Effect.gen(function* () {
        const contacts = yield* ContactResolver
        const sim = yield* Simulator
        const { tenantId } = yield* makeConnection("contacts")
        const first = channelOrder("5001", { customer: { email: "Repeat@Example.com", name: "Re Peat" } })
        const before = sim.requestLog.length
        const id = yield* contacts.resolve(tenantId, first)
        const calls = sim.requestLog.slice(before).map((r) => `${r.method} ${r.url.split("?")[0]}`)
        assert.deepStrictEqual(calls, ["GET /v1/contacts", "POST /v1/contacts"])
        const again = yield* contacts.resolve(tenantId, channelOrder("5002", { customer: { email: "repeat@example.com", name: "Re Peat" } }))
        assert.strictEqual(again, id)
        assert.strictEqual(sim.requestLog.length, before + 2)
        // Another tenant of the same lexoffice finds the contact by e-mail rather than creating one.
        const other = yield* makeConnection("contacts-2")
        assert.strictEqual(yield* contacts.resolve(other.tenantId, first), id)
        assert.strictEqual(sim.requestLog.slice(before + 2).filter((r) => r.method === "POST").length, 0)
      }).pipe(Effect.provide(ContactResolver.Default)))

    it.effect("a 504 after commit is reconciled by the marker: the voucher is adopted, not created twice", () =>
      Effect.gen(function* () {
        const inbox = yield* OrderInbox
        const protocol = yield* OrderProtocol
        const repo = yield* OrderRepo
        const sim = yield* Simulator
        const { tenantId, connectionId } = yield* makeConnection("504")
        const key = { tenantId, connectionId, channelOrderId: "6001" }
        const order = channelOrder("6001")
        yield* inbox.receive(tenantId, connectionId, order)
        // The contact exists already, so the one create that follows is the order confirmation's.
        yield* Effect.flatMap(ContactResolver, (c) => c.resolve(tenantId, order)).pipe(Effect.provide(ContactResolver.Default))
        sim.faults.commitThen504 = 1
        const result = yield* protocol.process(key).pipe(Effect.provide(new MemoryStock({ MUG: 1 }).layer))
        assert.deepStrictEqual(result, { state: "created", outcome: "done" })
        const mine = sim.vouchersOf("order-confirmations").filter((v) => String(v.body.remark).includes(orderMarker(connectionId, "6001")))
        assert.lengthOf(mine, 1)
        const row = Option.getOrThrow(yield* repo.get(key))
        assert.strictEqual(row.lexofficeId, mine[0]!.id)
        const details = row.events.map((e) => e.detail ?? "")
        assert.isTrue(details.some((d) => d.startsWith("outcome unknown (LexofficeUnknownOutcome)")), details.join(" | "))
        assert.isTrue(details.some((d) => d.startsWith(`adopted ${mine[0]!.id}`)), details.join(" | "))
      }))

    it.effect("a mapping that fails or breaks the contact rule leaves the order failed with its reason, never sent", () =>
      Effect.gen(function* () {
        const inbox = yield* OrderInbox
        const protocol = yield* OrderProtocol
        const repo = yield* OrderRepo
        const { tenantId, connectionId } = yield* makeConnection("failed")
        yield* inbox.receive(tenantId, connectionId, channelOrder("7001", { lines: [{ id: "1", sku: "UNMAPPABLE", name: "?", quantity: 1, unitPriceGross: "1.00", taxRate: "19" }] }))
        const result = yield* protocol.process({ tenantId, connectionId, channelOrderId: "7001" }).pipe(Effect.provide(new MemoryStock({ UNMAPPABLE: 1 }).layer))
        assert.deepStrictEqual(result, { state: "failed", outcome: "done" })
        const [row] = yield* repo.listByState(tenantId, "failed")
        assert.strictEqual(row?.failureReason, "MappingFailed: SKU UNMAPPABLE has no lexoffice article")
        assert.isNull(row?.request ?? null)
      }))

    it.effect("an order lexoffice refused is failed with lexoffice's reasons; reopened, it reconciles first and is created once", () =>
      Effect.gen(function* () {
        const inbox = yield* OrderInbox
        const protocol = yield* OrderProtocol
        const repo = yield* OrderRepo
        const sim = yield* Simulator
        const stock = new MemoryStock({ GLASS: 1 })
        const { tenantId, connectionId } = yield* makeConnection("reopen")
        const key = { tenantId, connectionId, channelOrderId: "8001" }
        yield* inbox.receive(tenantId, connectionId, channelOrder("8001", { lines: [{ id: "1", sku: "GLASS", name: "Glass", quantity: 1, unitPriceGross: "5.00", taxRate: "19" }] }))
        misMappedSkus.add("GLASS")
        const refused = yield* protocol.process(key).pipe(Effect.provide(stock.layer))
        assert.deepStrictEqual(refused, { state: "failed", outcome: "done" })
        const failed = Option.getOrThrow(yield* repo.get(key))
        assert.include(failed.failureReason ?? "", "lineItems[0].unitPrice.taxRatePercentage")
        misMappedSkus.delete("GLASS")

        assert.strictEqual(yield* protocol.reopen(key), "reopened")
        assert.strictEqual(yield* protocol.reopen(key), "not-reopenable")
        const result = yield* protocol.process(key).pipe(Effect.provide(stock.layer))
        assert.deepStrictEqual(result, { state: "created", outcome: "done" })
        const row = Option.getOrThrow(yield* repo.get(key))
        assert.isNull(row.failureReason)
        assert.strictEqual(stock.available("GLASS"), 0, "reserved once, not again on reopening")
        assert.lengthOf(sim.vouchersOf("order-confirmations").filter((v) => String(v.body.remark).includes(orderMarker(connectionId, "8001"))), 1)
        assert.deepStrictEqual(row.events.map((e) => [e.fromState, e.toState, e.attempt]), [
          [null, "received", 0], ["received", "reserved", 0], ["reserved", "creating", 1], ["creating", "failed", 1],
          ["failed", "reserved", 1], ["reserved", "reserved", 1], ["reserved", "creating", 2], ["creating", "created", 2],
        ])
        assert.strictEqual(row.events[5]!.detail, "reopened: no voucher carries the marker; preparing a new intent")
      }))

    it.effect("with the stock ledger: the first order reserves, the second finds the SKU short and is oversold", () =>
      Effect.gen(function* () {
        const inbox = yield* OrderInbox
        const protocol = yield* OrderProtocol
        const ledger = yield* StockLedger
        const sim = yield* Simulator
        const { tenantId, connectionId } = yield* makeConnection("ledger")
        yield* ledger.set(tenantId, "LAMP", 1, { actor: "test" })
        const lamp = [{ id: "1", sku: "LAMP", name: "Lamp", quantity: 1, unitPriceGross: "29.90", taxRate: "19" }]
        yield* inbox.receive(tenantId, connectionId, channelOrder("9001", { lines: lamp }))
        yield* inbox.receive(tenantId, connectionId, channelOrder("9002", { lines: lamp }))
        const stock = Layer.provide(LedgerReservations, Layer.succeed(StockLedger, ledger))
        const first = yield* protocol.process({ tenantId, connectionId, channelOrderId: "9001" }).pipe(Effect.provide(stock))
        const second = yield* protocol.process({ tenantId, connectionId, channelOrderId: "9002" }).pipe(Effect.provide(stock))
        assert.deepStrictEqual([first.state, second.state], ["created", "oversold"])
        const level = yield* ledger.get(tenantId, "LAMP")
        assert.deepStrictEqual([level.onHand, level.reserved], [1, 1])
        assert.lengthOf(sim.vouchersOf("order-confirmations").filter((v) => String(v.body.remark).includes(orderMarker(connectionId, "9002"))), 0)
      }).pipe(Effect.provide(StockLedger.Default.pipe(Layer.provide(StockSignals.Default)))))

    it.effect("a failed order keeps its units; cancelled on the channel it ends cancelled and gives them back, waking a stock push", () =>
      Effect.gen(function* () {
        const inbox = yield* OrderInbox
        const protocol = yield* OrderProtocol
        const repo = yield* OrderRepo
        const ledger = yield* StockLedger
        const signals = yield* StockSignals
        const sql = yield* SqlClient.SqlClient
        const { tenantId, connectionId } = yield* makeConnection("cancel-failed")
        yield* sql`INSERT INTO stock_targets ${sql.insert({ tenantId, connectionId })}`
        yield* ledger.set(tenantId, "VASE", 3, { actor: "test" })
        const key = { tenantId, connectionId, channelOrderId: "9101" }
        const order = channelOrder("9101", { lines: [{ id: "1", sku: "VASE", name: "Vase", quantity: 2, unitPriceGross: "20.00", taxRate: "19" }] })
        yield* inbox.receive(tenantId, connectionId, order)
        const stock = Layer.provide(LedgerReservations, Layer.succeed(StockLedger, ledger))
        misMappedSkus.add("VASE")
        const failed = yield* protocol.process(key).pipe(Effect.provide(stock))
        misMappedSkus.delete("VASE")
        assert.deepStrictEqual(failed, { state: "failed", outcome: "done" })
        assert.deepInclude(yield* ledger.get(tenantId, "VASE"), { reserved: 2, available: 1 }, "the sale stands: its units stay held")

        yield* sql`DELETE FROM stock_dirty WHERE connection_id = ${connectionId}`
        const woken = yield* signals.subscribe
        assert.strictEqual(yield* inbox.receive(tenantId, connectionId, { ...order, status: "Cancelled", cancelled: true }, { modifiedAt: "2026-04-02T12:00:00Z" }), "updated")
        const cancelled = yield* protocol.process(key).pipe(Effect.provide(stock))
        assert.deepStrictEqual(cancelled, { state: "cancelled", outcome: "done" })
        assert.deepInclude(yield* ledger.get(tenantId, "VASE"), { reserved: 0, available: 3 })
        assert.deepStrictEqual(yield* woken.take, { tenantId, connectionIds: [connectionId] })
        assert.lengthOf(yield* sql`SELECT 1 FROM stock_dirty WHERE connection_id = ${connectionId} AND sku = 'VASE'`, 1, "the push is owed until it happens")
        const row = Option.getOrThrow(yield* repo.get(key))
        assert.deepStrictEqual(row.events.at(-1)!.toState, "cancelled")
        assert.strictEqual(row.events.at(-1)!.detail, "cancelled on the channel (Cancelled) before it was booked; 2 unit(s) released")
        // final: a replay changes nothing, and an operator cannot reopen it
        assert.deepStrictEqual(yield* protocol.process(key).pipe(Effect.provide(stock)), { state: "cancelled", outcome: "done" })
        assert.strictEqual(yield* protocol.reopen(key), "not-reopenable")
        assert.deepInclude(yield* ledger.get(tenantId, "VASE"), { reserved: 0 })
      }).pipe(Effect.scoped, Effect.provide(StockLedger.Default.pipe(Layer.provideMerge(StockSignals.Default)))))

    it.effect("an oversold order holds nothing to release; an order cancelled before any step is never reserved nor sent", () =>
      Effect.gen(function* () {
        const inbox = yield* OrderInbox
        const protocol = yield* OrderProtocol
        const ledger = yield* StockLedger
        const sim = yield* Simulator
        const { tenantId, connectionId } = yield* makeConnection("cancel-oversold")
        yield* ledger.set(tenantId, "BOWL", 1, { actor: "test" })
        const stock = Layer.provide(LedgerReservations, Layer.succeed(StockLedger, ledger))
        const bowls = (n: number) => [{ id: "1", sku: "BOWL", name: "Bowl", quantity: n, unitPriceGross: "9.00", taxRate: "19" }]
        const big = channelOrder("9201", { lines: bowls(2) })
        yield* inbox.receive(tenantId, connectionId, big)
        assert.strictEqual((yield* protocol.process({ tenantId, connectionId, channelOrderId: "9201" }).pipe(Effect.provide(stock))).state, "oversold")
        assert.deepInclude(yield* ledger.get(tenantId, "BOWL"), { reserved: 0 })
        assert.deepStrictEqual(yield* ledger.reservations(tenantId, { connectionId, channelOrderId: "9201" }), [])
        yield* inbox.receive(tenantId, connectionId, { ...big, status: "Cancelled", cancelled: true }, { modifiedAt: "2026-04-02T12:00:00Z" })
        assert.strictEqual((yield* protocol.process({ tenantId, connectionId, channelOrderId: "9201" }).pipe(Effect.provide(stock))).state, "cancelled")

        const posts = sim.requestLog.length
        yield* inbox.receive(tenantId, connectionId, channelOrder("9202", { lines: bowls(1), status: "Cancelled", cancelled: true }))
        assert.deepStrictEqual(yield* protocol.process({ tenantId, connectionId, channelOrderId: "9202" }).pipe(Effect.provide(stock)), { state: "cancelled", outcome: "done" })
        assert.deepStrictEqual(yield* ledger.reservations(tenantId, { connectionId, channelOrderId: "9202" }), [])
        assert.strictEqual(sim.requestLog.length, posts, "no lexoffice call")
      }).pipe(Effect.provide(StockLedger.Default.pipe(Layer.provide(StockSignals.Default)))))

    it.effect("an order cancelled on the channel after it was booked stays created and gives its units back", () =>
      Effect.gen(function* () {
        const inbox = yield* OrderInbox
        const protocol = yield* OrderProtocol
        const repo = yield* OrderRepo
        const ledger = yield* StockLedger
        const { tenantId, connectionId } = yield* makeConnection("cancel-created")
        yield* ledger.set(tenantId, "JUG", 4, { actor: "test" })
        const stock = Layer.provide(LedgerReservations, Layer.succeed(StockLedger, ledger))
        const key = { tenantId, connectionId, channelOrderId: "9301" }
        const order = channelOrder("9301", { lines: [{ id: "1", sku: "JUG", name: "Jug", quantity: 3, unitPriceGross: "15.00", taxRate: "19" }] })
        yield* inbox.receive(tenantId, connectionId, order)
        assert.strictEqual((yield* protocol.process(key).pipe(Effect.provide(stock))).state, "created")
        assert.deepInclude(yield* ledger.get(tenantId, "JUG"), { reserved: 3 })
        yield* inbox.receive(tenantId, connectionId, { ...order, status: "Refunded", cancelled: true }, { modifiedAt: "2026-04-02T12:00:00Z" })
        assert.deepStrictEqual(yield* protocol.process(key).pipe(Effect.provide(stock)), { state: "created", outcome: "done" })
        assert.deepInclude(yield* ledger.get(tenantId, "JUG"), { reserved: 0, available: 4 })
        const row = Option.getOrThrow(yield* repo.get(key))
        assert.strictEqual(row.events.at(-1)!.detail, "cancelled on the channel (Refunded) after it was booked: 3 unit(s) released; the order confirmation stays in lexoffice")
        yield* protocol.process(key).pipe(Effect.provide(stock))
        assert.strictEqual(Option.getOrThrow(yield* repo.get(key)).events.length, row.events.length, "a replay releases and notes nothing")
      }).pipe(Effect.provide(StockLedger.Default.pipe(Layer.provide(StockSignals.Default)))))

    const contactCalls = (sim: { readonly requestLog: ReadonlyArray<{ readonly method: string; readonly url: string }> }, from: number) =>
      sim.requestLog.slice(from).filter((r) => r.url.split("?")[0]!.startsWith("/v1/contacts")).map((r) => `${r.method} ${r.url.split("?")[0]}`)
    const oneTime = OrderSettings.layer({ reconcileGraceMs: 0, contact: "one-time" })

    it.effect("contact: one-time — a domestic order is sent with the buyer's address and makes no contact call", () =>
      Effect.gen(function* () {
        const inbox = yield* OrderInbox
        const protocol = yield* OrderProtocol
        const repo = yield* OrderRepo
        const sim = yield* Simulator
        const { tenantId, connectionId } = yield* makeConnection("one-time-de")
        const key = { tenantId, connectionId, channelOrderId: "9401" }
        yield* inbox.receive(tenantId, connectionId, channelOrder("9401"))
        const before = sim.requestLog.length
        const result = yield* protocol.process(key).pipe(Effect.provide(new MemoryStock({ MUG: 1 }).layer), Effect.provide(oneTime))
        assert.deepStrictEqual(result, { state: "created", outcome: "done" })
        assert.deepStrictEqual(contactCalls(sim, before), [])
        const row = Option.getOrThrow(yield* repo.get(key))
        assert.isNull(row.contactId)
        const voucher = sim.vouchersOf("order-confirmations").find((v) => v.id === row.lexofficeId)!
        assert.deepStrictEqual(voucher.body.address, { name: "Erika Musterfrau", countryCode: "DE" })
      }))

    it.effect("contact: one-time — an export resolves the buyer's contact once and references it in place of the address the map wrote", () =>
      Effect.gen(function* () {
        const inbox = yield* OrderInbox
        const protocol = yield* OrderProtocol
        const repo = yield* OrderRepo
        const sim = yield* Simulator
        const hand = yield* OrderMapper
        // a one-time pipeline's map cannot name \`contact\` (VX033): it always writes the address
        const addressOnly = OrderMapper.of({ map: (order, { contactId: _ignored, ...context }) => hand.map(order, context) })
        const { tenantId, connectionId } = yield* makeConnection("one-time-ae")
        const key = { tenantId, connectionId, channelOrderId: "9501" }
        yield* inbox.receive(tenantId, connectionId, channelOrder("9501", { ...uae, customer: { email: "export-9501@example.ae", name: "Mona Haddad" } }))
        const before = sim.requestLog.length
        const result = yield* protocol.process(key).pipe(
          Effect.provide(new MemoryStock({ MUG: 2 }).layer), Effect.provide(oneTime), Effect.provideService(OrderMapper, addressOnly),
        )
        assert.deepStrictEqual(result, { state: "created", outcome: "done" })
        assert.deepStrictEqual(contactCalls(sim, before), ["GET /v1/contacts", "POST /v1/contacts"])
        const row = Option.getOrThrow(yield* repo.get(key))
        assert.isString(row.contactId)
        const voucher = sim.vouchersOf("order-confirmations").find((v) => v.id === row.lexofficeId)!
        assert.deepStrictEqual(voucher.body.address, { contactId: row.contactId })
        assert.strictEqual((voucher.body.taxConditions as { taxType: string }).taxType, "thirdPartyCountryDelivery")
      }))

    it.effect("contact: find-or-create — every new buyer is resolved once, a returning buyer from the cache", () =>
      Effect.gen(function* () {
        const inbox = yield* OrderInbox
        const protocol = yield* OrderProtocol
        const repo = yield* OrderRepo
        const sim = yield* Simulator
        const { tenantId, connectionId } = yield* makeConnection("find-or-create")
        const stock = new MemoryStock({ MUG: 9 })
        const buyer = (email: string) => ({ customer: { email, name: "Erika Musterfrau" } })
        const orders = [
          channelOrder("9601", buyer("anna-9601@example.com")),
          channelOrder("9602", buyer("ben-9602@example.com")),
          channelOrder("9603", buyer("Anna-9601@example.com")),
        ]
        for (const order of orders) yield* inbox.receive(tenantId, connectionId, order)
        const before = sim.requestLog.length
        for (const order of orders) {
          const result = yield* protocol.process({ tenantId, connectionId, channelOrderId: order.id }).pipe(
            Effect.provide(stock.layer), Effect.provide(OrderSettings.layer({ reconcileGraceMs: 0, contact: "find-or-create" })),
          )
          assert.strictEqual(result.state, "created", order.id)
        }
        // domestic orders too: one search and one create per new buyer, nothing for Anna's second order
        assert.deepStrictEqual(contactCalls(sim, before), ["GET /v1/contacts", "POST /v1/contacts", "GET /v1/contacts", "POST /v1/contacts"])
        const contactOf = (id: string) => Effect.map(repo.get({ tenantId, connectionId, channelOrderId: id }), (r) => Option.getOrThrow(r).contactId)
        const [anna, ben, annaAgain] = [yield* contactOf("9601"), yield* contactOf("9602"), yield* contactOf("9603")]
        assert.isString(anna)
        assert.notStrictEqual(anna, ben)
        assert.strictEqual(annaAgain, anna)
      }))
  })
})
