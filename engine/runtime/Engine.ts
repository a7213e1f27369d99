import { NodeHttpClient } from "@effect/platform-node"
import { Layer } from "effect"
import { RateLimiters } from "../../connectors/http/index.js"
import { CatalogDirtyIds } from "../catalog/CatalogDirtyIds.js"
import { CatalogLinks } from "../catalog/CatalogLinks.js"
import { CatalogSkuProbes } from "../catalog/CatalogSkuProbes.js"
import { CatalogSourceIndex } from "../catalog/CatalogSourceIndex.js"
import { ConnectorClients } from "../connections/ConnectorClients.js"
import { FxRates } from "../fx/FxRates.js"
import { JobQueueLive, type JobQueueOptions } from "../jobs/JobQueue.js"
import { WorkerRegistry } from "../jobs/WorkerRegistry.js"
import { OrderInbox } from "../orders/OrderInbox.js"
import { OrderProtocol } from "../orders/OrderProtocol.js"
import { OrderRepo } from "../orders/OrderRepo.js"
import { PipelineRepo } from "../pipeline/PipelineRepo.js"
import { DslRuleChecker } from "../rules/DslRuleChecker.js"
import { RuleResolver } from "../rules/RuleResolver.js"
import { RuleStore } from "../rules/RuleStore.js"
import { StockLive } from "../stock/StockLayer.js"
import { FlowCursors } from "../sync/FlowCursors.js"
import { SyncRuns } from "../sync/SyncRuns.js"
import { Connections } from "../tenancy/Connections.js"
import { Tenants } from "../tenancy/Tenants.js"
import { WebhookEvents } from "../webhooks/WebhookEvents.js"
import { LoadedPipelines } from "./LoadedPipelines.js"
import { PipelineRunnerLive } from "./PipelineRunner.js"

/**
 * Every engine service over one database and one SecretBox (both provided by the caller): tenancy, rules, FX,
 * stock, orders, pipelines and the flow runner. Processes (`up`, `worker`, `sync`) add the
 * job queue, HTTP and workers on top.
 */
export const EngineServices = Layer.mergeAll(PipelineRunnerLive, RuleStore.Default, Tenants.Default).pipe(
  Layer.provideMerge(Layer.mergeAll(
    LoadedPipelines.Default, ConnectorClients.Default, OrderProtocol.Default, OrderRepo.Default, OrderInbox.Default,
    CatalogLinks.Default, CatalogSourceIndex.Default, CatalogDirtyIds.Default, CatalogSkuProbes.Default, SyncRuns.Default, FlowCursors.Default, FxRates.Default, StockLive, WebhookEvents.Default,
  )),
  Layer.provideMerge(Layer.mergeAll(RuleResolver.Default, PipelineRepo.Default, Connections.Default, WorkerRegistry.Default)),
  Layer.provideMerge(Layer.mergeAll(DslRuleChecker, NodeHttpClient.layerUndici, RateLimiters.Default)),
)

export const EngineWithJobs = (options: JobQueueOptions = {}) => Layer.provideMerge(JobQueueLive(options), EngineServices)
