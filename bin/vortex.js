#!/usr/bin/env node
// The published entry point: Vortex runs its TypeScript sources through tsx, so there is no
// build step between a commit and a running engine.
import { register } from "tsx/esm/api"

register()
await import("../engine/cli/main.ts")
