import { assert, describe, it } from "@effect/vitest"
import { Ajv, type ValidateFunction } from "ajv"
import { Effect } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"
import { LexofficeSimulator, type LoggedRequest } from "../../../connectors/lexoffice/simulator/LexofficeSimulator.js"
import { clientFor, dec, Live, orderConfirmation, unlimited } from "./fixtures.js"

/**
 * lexoffice publishes no OpenAPI spec, so schemas/lexoffice/ states the contract per endpoint
 * (from lexoffice-dhl.md part A). Both sides are held to it: every body our client sends and
 * every body the simulator answers in this scenario must validate.
 */
const schemaDir = fileURLToPath(new URL("../../../schemas/lexoffice/", import.meta.url))
const BASE = "https://vortex.local/schemas/lexoffice/"
const index = JSON.parse(readFileSync(`${schemaDir}endpoints.json`, "utf8")) as {
  endpoints: Record<string, { request?: string; response?: string; binary?: string }>
  error: string
  webhook: string
}
// Amounts are decimal literals in JSON numbers; compare multiples with a tolerance, not float division.
const ajv = new Ajv({ allErrors: true, multipleOfPrecision: 8 })
for (const file of readdirSync(schemaDir).filter((f) => f.endsWith(".schema.json"))) {
  ajv.addSchema(JSON.parse(readFileSync(`${schemaDir}${file}`, "utf8")))
}
const schema = (name: string): ValidateFunction => ajv.getSchema(`${BASE}${name}`)!

const check = (name: string, value: unknown, what: string): Array<string> => {
  const validate = schema(name)
  return validate(value) ? [] : [`${what} ✗ ${name}: ${ajv.errorsText(validate.errors)}`]
}

const violations = (log: ReadonlyArray<LoggedRequest>): Array<string> =>
  log.flatMap((entry) => {
    const what = `${entry.method} ${entry.url} → ${entry.status}`
    const endpoint = entry.route === undefined ? undefined : index.endpoints[entry.route]
    if (endpoint === undefined) return [`${what}: no contract for this route`]
    const problems: Array<string> = []
    if (endpoint.request !== undefined) {
      // Schema and simulator must agree both ways: what lexoffice refuses with 406 the schema
      // refuses too (those requests are sent on purpose below); everything else must validate.
      const requestProblems = check(endpoint.request, entry.requestBody, `${what} request`)
      if (entry.status === 406) {
        if (requestProblems.length === 0) problems.push(`${what}: simulator refused a body the schema accepts`)
      } else {
        problems.push(...requestProblems)
      }
    }
    if (entry.status >= 400) problems.push(...check(index.error, entry.responseBody, `${what} error body`))
    else if (endpoint.response !== undefined) problems.push(...check(endpoint.response, entry.responseBody, `${what} response`))
    return problems
  })

describe("lexoffice contract (schemas/lexoffice)", () => {
  it("the schemas reject what lexoffice rejects (they are not vacuous)", () => {
    const valid = JSON.parse(JSON.stringify({
      voucherDate: "2026-11-20T11:00:00.000+01:00",
      address: { name: "Erika", countryCode: "DE" },
      lineItems: [{ type: "custom", name: "Mug", quantity: 1, unitName: "Stück", unitPrice: { currency: "EUR", netAmount: 13.4, taxRatePercentage: 19 } }],
      totalPrice: { currency: "EUR" },
      taxConditions: { taxType: "net" },
      shippingConditions: { shippingType: "none" },
    }))
    assert.deepStrictEqual(check("voucher.create.request.schema.json", valid, "valid"), [])
    const broken = [
      { ...valid, voucherDate: "2026-11-20T11:00:00+01:00" }, // no milliseconds
      { ...valid, totalPrice: { currency: "USD" } },
      { ...valid, shippingConditions: { shippingType: "delivery" } }, // date missing
      { ...valid, title: "a title longer than twenty-five" },
      { ...valid, totalNetAmount: 1 }, // read-only field
      { ...valid, lineItems: [{ ...valid.lineItems[0], unitPrice: { ...valid.lineItems[0].unitPrice, netAmount: 1.23456 } }] },
    ]
    for (const body of broken) assert.isNotEmpty(check("voucher.create.request.schema.json", body, "broken"), JSON.stringify(body))
    assert.isNotEmpty(check("contact.create.request.schema.json", { version: 0, roles: { customer: {} }, company: { name: "A" }, person: { lastName: "B" } }, "both"))
  })

  it.scopedLive("every request the client sends and every response the simulator returns matches the contract", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const received: Array<unknown> = []
      const hook = yield* Effect.acquireRelease(
        Effect.async<{ url: string; close: () => void }>((resume) => {
          const server = createServer((req, res) => {
            let body = ""
            req.on("data", (c: Buffer) => (body += c.toString()))
            req.on("end", () => {
              if (req.method === "POST") received.push(JSON.parse(body))
              res.writeHead(200).end()
            })
          })
          server.listen(0, "127.0.0.1", () => resume(Effect.succeed({
            url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
            close: () => { server.closeAllConnections(); server.close() },
          })))
        }),
        (h) => Effect.sync(h.close),
      )
      sim.seedArticles(30)
      const client = yield* clientFor(sim, { ...unlimited, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } })
      const subscription = yield* client.createEventSubscription("order-confirmation.created", hook.url)
      yield* client.createEventSubscription("order-confirmation.created", hook.url).pipe(Effect.either) // 409
      yield* client.listEventSubscriptions()
      yield* client.getEventSubscription(subscription.id)

      const page = yield* client.listArticles({ type: "PRODUCT" }, { size: 10 })
      const article = yield* client.getArticle(page.content[0]!.id)
      const { id: _i, organizationId: _o, createdDate: _c, updatedDate: _u, archived: _a, ...articleInput } = article
      yield* client.updateArticle(article.id, articleInput)
      yield* client.updateArticle(article.id, articleInput).pipe(Effect.either) // 409 stale
      yield* client.createArticle({ title: "Gross", type: "SERVICE", unitName: "h", price: { leadingPrice: "GROSS", grossPrice: dec("119"), taxRate: dec("19") } })
      yield* client.getArticle("no-such-article").pipe(Effect.either) // 404

      const contact = yield* client.createContact({
        version: 0, roles: { customer: {} }, person: { firstName: "Erika", lastName: "Musterfrau" },
        addresses: { billing: [{ street: "Hauptstr. 1", zip: "10115", city: "Berlin", countryCode: "DE" }] },
        emailAddresses: { private: ["erika@example.com"] },
      })
      yield* client.createContact({ version: 0, roles: { customer: {} }, company: { name: "X" }, person: { lastName: "Y" } }).pipe(Effect.either) // legacy 406
      yield* client.findContacts({ email: "erika@example.com" })
      yield* client.getContact(contact.id)

      const oc = yield* client.createOrderConfirmation(orderConfirmation({ address: { contactId: contact.id } }), { finalize: true })
      yield* client.createOrderConfirmation(orderConfirmation({ taxConditions: { taxType: "thirdPartyCountryDelivery" } })).pipe(Effect.either) // 406
      yield* client.createOrderConfirmation(orderConfirmation({
        taxConditions: { taxType: "gross" },
        lineItems: [{ type: "custom", name: "Gross mug", quantity: dec("3"), unitName: "Stück", unitPrice: { currency: "EUR", grossAmount: dec("15.946"), taxRatePercentage: dec("19") } }],
      }))
      yield* client.getOrderConfirmation(oc.id)
      yield* client.downloadOrderConfirmationPdf(oc.id)
      const invoice = yield* client.createInvoice(orderConfirmation({ address: { contactId: contact.id } }), { finalize: true, precedingSalesVoucherId: oc.id })
      yield* client.getInvoice(invoice.id)
      yield* client.downloadInvoicePdf(invoice.id)
      const { shippingConditions: _s, ...creditInput } = orderConfirmation({ address: { contactId: contact.id } })
      const credit = yield* client.createCreditNote(creditInput, { finalize: true, precedingSalesVoucherId: invoice.id })
      yield* client.getCreditNote(credit.id)
      yield* client.downloadCreditNotePdf(credit.id)
      yield* client.queryVoucherlist({ voucherType: "any", voucherStatus: "any", contactId: contact.id })

      sim.faults.rateLimitStorm = 1
      yield* client.listArticles().pipe(Effect.either) // 429
      sim.faults.commitThen504 = 1
      yield* client.createOrderConfirmation(orderConfirmation()).pipe(Effect.either) // 504 after commit
      sim.faults.failNext = 1
      yield* client.listArticles().pipe(Effect.either) // 503
      yield* client.deleteEventSubscription(subscription.id)

      const routes = new Set(sim.requestLog.map((r) => r.route))
      assert.isAtLeast(routes.size, 18, [...routes].join(", "))
      assert.isTrue(sim.requestLog.some((r) => r.status === 406) && sim.requestLog.some((r) => r.status === 409) && sim.requestLog.some((r) => r.status === 504))
      assert.deepStrictEqual(violations(sim.requestLog), [])

      assert.isAtLeast(received.length, 1)
      for (const event of received) assert.deepStrictEqual(check(index.webhook, event, "webhook"), [])
    }).pipe(Effect.provide(Live)))

  it("a response that breaks the contract is caught (the check can fail)", () => {
    const entry = {
      at: 0, method: "GET", url: "/v1/articles/x", route: "GET /v1/articles/{id}", status: 200, key: undefined, requestBody: undefined,
      responseBody: { id: "x", organizationId: "o", createdDate: "2026-11-20", updatedDate: "2026-11-20T00:00:00.000Z", archived: false, title: "t", type: "PRODUCT", unitName: "u", price: { leadingPrice: "NET", netPrice: 1, grossPrice: 1.19, taxRate: 16 }, version: 0 },
    } satisfies LoggedRequest
    const found = violations([entry])
    assert.strictEqual(found.length, 1)
    assert.include(found[0]!, "createdDate")
    assert.include(found[0]!, "taxRate")
  })
})
