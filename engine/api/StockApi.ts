import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { ConnectionNotFound, InvalidQuantity, OnHandBelowReserved, SkuNotFound, StockCsvInvalid } from "../stock/errors.js"
import { MAX_ON_HAND } from "../stock/StockCsv.js"
import { MAX_REASON_LENGTH } from "../stock/StockLedger.js"
import { BoundedInt, DateTime, Note, PageLimit } from "./ApiSchemas.js"
import { Authentication } from "./Authentication.js"

const Units = BoundedInt(0, MAX_ON_HAND, "on hand")
const Delta = BoundedInt(-MAX_ON_HAND, MAX_ON_HAND, "delta")

/** Keyset paging by SKU: `limit` (default 500, at most 5 000) SKUs after the SKU `after`. */
const SkuPage = Schema.Struct({ limit: Schema.optional(PageLimit(5_000)), after: Schema.optional(Schema.String) })

const StockLevel = Schema.Struct({
  sku: Schema.String,
  onHand: Schema.Int,
  reserved: Schema.Int,
  available: Schema.Int,
  updatedAt: DateTime,
})

const Movement = Schema.Struct({
  id: Schema.String,
  sku: Schema.String,
  kind: Schema.Literal("set", "csv-import", "reserve", "release", "ship", "return", "adjust"),
  onHandDelta: Schema.Int,
  reservedDelta: Schema.Int,
  onHandAfter: Schema.Int,
  reservedAfter: Schema.Int,
  reference: Schema.String,
  actor: Schema.String,
  at: DateTime,
})

const ChannelStock = Schema.Struct({
  sku: Schema.String,
  published: Schema.NullOr(Schema.Int),
  pushedAt: Schema.NullOr(DateTime),
  channelValue: Schema.NullOr(Schema.Int),
  readAt: Schema.NullOr(DateTime),
  drift: Schema.Int,
  missing: Schema.Boolean,
})

const SkuPath = Schema.Struct({ sku: Schema.String })

// text/* so the server hands the handler a string.
const Csv = HttpApiSchema.Text({ contentType: "text/csv" })

/** The calling tenant's stock ledger (ARCHITECTURE.md §7); every route acts for that tenant only. */
export class StockApi extends HttpApiGroup.make("stock")
  .add(HttpApiEndpoint.get("list", "/stock").setUrlParams(SkuPage).addSuccess(Schema.Array(StockLevel))
    .annotate(OpenApi.Description, "Stock levels by SKU, a page at a time: pass the last SKU of a page as `after` for the next"))
  .add(HttpApiEndpoint.get("show", "/stock/items/:sku").setPath(SkuPath)
    .addSuccess(Schema.Struct({ level: StockLevel, movements: Schema.Array(Movement) }))
    .addError(SkuNotFound))
  .add(HttpApiEndpoint.put("set", "/stock/items/:sku").setPath(SkuPath)
    .setPayload(Schema.Struct({ onHand: Units }))
    .addSuccess(StockLevel)
    .addError(InvalidQuantity).addError(OnHandBelowReserved).addError(SkuNotFound))
  .add(HttpApiEndpoint.post("adjust", "/stock/items/:sku/adjust").setPath(SkuPath)
    .setPayload(Schema.Struct({ delta: Delta, reason: Schema.optional(Note(MAX_REASON_LENGTH)) }))
    .addSuccess(StockLevel)
    .addError(InvalidQuantity).addError(OnHandBelowReserved).addError(SkuNotFound))
  .add(HttpApiEndpoint.post("import", "/stock/import")
    .setPayload(Csv)
    .addSuccess(Schema.Struct({ lines: Schema.Int, changed: Schema.Int }))
    .addError(StockCsvInvalid))
  .add(HttpApiEndpoint.get("channel", "/stock/channels/:connectionId").setPath(Schema.Struct({ connectionId: Schema.String }))
    .setUrlParams(SkuPage)
    .addSuccess(Schema.Array(ChannelStock))
    .addError(ConnectionNotFound))
  .middleware(Authentication)
  .annotate(OpenApi.Description, "Stock ledger: on hand, reserved and available per SKU, merchant edits, CSV import, what each channel shows") {}
