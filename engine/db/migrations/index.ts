import { Migrator } from "@effect/sql"
import foundation from "./0001_foundation.js"
import fxRates from "./0002_fx_rates.js"
import ruleSets from "./0003_rule_sets.js"
import apiTokens from "./0004_api_tokens.js"
import pipelineBindings from "./0007_pipeline_bindings.js"
import syncRuns from "./0008_sync_runs.js"
import catalog from "./0009_catalog.js"
import webhookEvents from "./0010_webhook_events.js"
import catalogSource from "./0011_catalog_source.js"
import stock from "./0005_stock.js"
import orders from "./0006_orders.js"
import orderIntake from "./0012_order_intake.js"
import crashSafeRuns from "./0013_crash_safe_runs.js"

/**
 * Every migration, in order. Add a file `NNNN_name.ts` exporting an Effect and list it here:
 * an explicit record (not a glob) so that tsx, vitest and a bundled build load the same set.
 */
export const migrations = Migrator.fromRecord({
  "0001_foundation": foundation,
  "0002_fx_rates": fxRates,
  "0003_rule_sets": ruleSets,
  "0004_api_tokens": apiTokens,
  "0007_pipeline_bindings": pipelineBindings,
  "0008_sync_runs": syncRuns,
  "0009_catalog": catalog,
  "0010_webhook_events": webhookEvents,
  "0011_catalog_source": catalogSource,
  "0005_stock": stock,
  "0006_orders": orders,
  "0012_order_intake": orderIntake,
  "0013_crash_safe_runs": crashSafeRuns,
})
