import { Layer } from "effect"
import { DatabaseFromEnv } from "../db/Database.js"
import { EngineServices, EngineWithJobs } from "../runtime/Engine.js"
import { SecretBoxFromEnv } from "../tenancy/SecretBox.js"

/** The engine on the configured database, for commands that run flows without serving HTTP. */
export const EngineFromEnv = EngineServices.pipe(Layer.provideMerge(SecretBoxFromEnv), Layer.provideMerge(DatabaseFromEnv))

/** The same with the job queue, for processes that work it. */
export const EngineWithJobsFromEnv = EngineWithJobs({ pollingIntervalSeconds: 0.5 }).pipe(
  Layer.provideMerge(SecretBoxFromEnv),
  Layer.provideMerge(DatabaseFromEnv),
)
