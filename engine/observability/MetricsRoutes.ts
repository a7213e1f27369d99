import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { prometheusText } from "./Metrics.js"

/** `GET /metrics`: this process's metrics for Prometheus (no tenant data, so no token). */
export const MetricsRoutes = HttpApiBuilder.Router.use((router) =>
  router.get("/metrics", Effect.map(prometheusText, (text) =>
    HttpServerResponse.text(text, { contentType: "text/plain; version=0.0.4; charset=utf-8" }))))
