import { SqlClient } from "@effect/sql"
import { Effect, Option } from "effect"
import { LexofficeClient } from "../../connectors/lexoffice/LexofficeClient.js"
import type { ContactInput } from "../../connectors/lexoffice/schemas.js"
import type { ChannelOrder } from "./ChannelOrder.js"
import { ContactRejected, LexofficeBusy } from "./errors.js"

/**
 * The buyer as a lexoffice contact: found by e-mail or created, and remembered per tenant so a
 * returning buyer costs no API call (lexoffice allows 2 requests/s for everything).
 */

/** Cache key: the e-mail when the channel gives one; else the billing name and country (masked marketplace buyers). */
export const buyerKey = (order: ChannelOrder): string =>
  order.customer.email !== null && order.customer.email.trim() !== ""
    ? `email:${order.customer.email.trim().toLowerCase()}`
    : `name:${order.billing.name.trim().toLowerCase()}|${order.billing.countryCode}`

/** The minimal customer (DOC #Contacts): one role, person xor company, one billing address, one e-mail. */
export const contactInputFor = (order: ChannelOrder): ContactInput => {
  const billing = order.billing
  const words = billing.name.trim().split(/\s+/)
  const party = billing.company !== null && billing.company !== undefined && billing.company.trim() !== ""
    ? { company: { name: billing.company.trim() } }
    : { person: { ...(words.length > 1 ? { firstName: words.slice(0, -1).join(" ") } : {}), lastName: words[words.length - 1] ?? billing.name } }
  return {
    version: 0,
    roles: { customer: {} },
    ...party,
    addresses: {
      billing: [{
        street: [billing.street, billing.street2].filter((s) => s !== null && s !== undefined && s !== "").join(", "),
        ...(billing.zip === null || billing.zip === undefined ? {} : { zip: billing.zip }),
        city: billing.city,
        countryCode: billing.countryCode,
      }],
    },
    ...(order.customer.email === null ? {} : { emailAddresses: { private: [order.customer.email.trim()] } }),
  }
}

const busy = (e: { readonly operation: string; readonly message: string }) => new LexofficeBusy({ operation: e.operation, message: e.message })

export class ContactResolver extends Effect.Service<ContactResolver>()("engine/ContactResolver", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const cached = (tenantId: string, key: string) =>
      sql<{ contactId: string }>`SELECT contact_id FROM lexoffice_contacts WHERE tenant_id = ${tenantId} AND buyer_key = ${key}`.pipe(
        Effect.map((rows) => Option.fromNullable(rows[0]?.contactId)),
        Effect.orDie,
      )

    /** First writer wins: a concurrent resolver's contact is adopted so every order of the buyer uses one. */
    const remember = (tenantId: string, key: string, contactId: string) =>
      sql<{ contactId: string }>`
        WITH ins AS (
          INSERT INTO lexoffice_contacts ${sql.insert({ tenantId, buyerKey: key, contactId })}
          ON CONFLICT (tenant_id, buyer_key) DO NOTHING RETURNING contact_id)
        SELECT contact_id FROM ins
        UNION ALL SELECT contact_id FROM lexoffice_contacts WHERE tenant_id = ${tenantId} AND buyer_key = ${key}`.pipe(
        Effect.map((rows) => rows[0]?.contactId ?? contactId),
        Effect.orDie,
      )

    const findByEmail = (email: string) =>
      Effect.gen(function* () {
        const client = yield* LexofficeClient
        const page = yield* client.findContacts({ email, customer: true }, { size: 25 })
        return Option.fromNullable(page.content[0]?.id)
      })

    const resolve = Effect.fn("ContactResolver.resolve")(function* (tenantId: string, order: ChannelOrder) {
      const key = buyerKey(order)
      const hit = yield* cached(tenantId, key)
      if (Option.isSome(hit)) return hit.value
      const client = yield* LexofficeClient
      const email = order.customer.email?.trim() || undefined
      const found = email === undefined ? Option.none<string>() : yield* findByEmail(email).pipe(Effect.mapError(busy))
      if (Option.isSome(found)) return yield* remember(tenantId, key, found.value)
      const created = yield* client.createContact(contactInputFor(order)).pipe(
        Effect.map((r) => Option.some(r.id)),
        Effect.catchAll((e): Effect.Effect<Option.Option<string>, ContactRejected | LexofficeBusy, LexofficeClient> => {
          switch (e._tag) {
            case "LexofficeUnknownOutcome":
            case "LexofficeBadResponse":
              // The contact may exist although we saw no answer: look again before anyone creates
              // a second one. Without an e-mail there is nothing to look for; the next run creates anew.
              return email === undefined ? Effect.succeed(Option.none()) : findByEmail(email).pipe(Effect.mapError(busy))
            case "LexofficeValidationError":
            case "LexofficeRequestRejected":
            case "LexofficeInvalidRequest":
              return Effect.fail(new ContactRejected({ reason: `${e._tag}: ${e.message}` }))
            default:
              return Effect.fail(busy(e))
          }
        }),
      )
      if (Option.isNone(created)) return yield* new LexofficeBusy({ operation: "createContact", message: "outcome unknown and no contact found yet" })
      return yield* remember(tenantId, key, created.value)
    })

    return { resolve } as const
  }),
}) {}
