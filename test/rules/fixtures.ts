import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** BigCommerce tax classes by German VAT rate: the table the price rules look up. */
export const taxClassTable = {
  kind: "table",
  keyType: "decimal",
  valueType: "int",
  rows: [{ key: "19", value: 1 }, { key: "7", value: 2 }, { key: "0", value: 0 }],
  tests: [{ name: "standard rate", key: "19.00", expect: 1 }],
} as const

const article = (netPrice: string, taxRate: number) => ({
  src: {
    id: "5b1a0b4e-8f55-4a63-9d0b-2ad2bd30c6a1",
    articleNumber: "MUG-1",
    title: "Mug",
    type: "PRODUCT",
    unitName: "Stück",
    archived: false,
    price: { netPrice, grossPrice: netPrice, leadingPrice: "NET", taxRate },
    version: 1,
  },
  today: "2026-04-02",
})

/** The gross shop price from the lexoffice net price: 10.00 + 19 % = 11.90. */
export const grossPriceRule = (source = "round(vat_add(src.price.netPrice, src.price.taxRate), 2, mode: half_up)") => ({
  kind: "expression",
  flow: "catalog",
  field: "price",
  language: "dsl",
  source,
  tests: [
    { name: "19 % on 10.00", input: article("10.00", 19), expect: "11.90" },
    { name: "7 % on 3.99 rounds half up", input: article("3.99", 7), expect: "4.27" },
  ],
})

export const articleInput = article

export const makeTenant = (slug: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ id: string }>`INSERT INTO tenants ${sql.insert({ slug, name: slug })} RETURNING id`
    return { tenantId: rows[0]!.id, author: `${slug}-editor` }
  }).pipe(Effect.orDie)
