/**
 * A fault run against real processes (issue #10, item 5): one fresh PostgreSQL database, both
 * simulators as `vortex sim` processes, two `vortex up` behind a round-robin proxy (the webhook
 * destination, as a load balancer would be) and one `vortex worker`. A seeded shopper places
 * orders on the shop while the run SIGKILLs a random Vortex process at seeded moments and
 * restarts it, lexoffice answers 504 after committing, 5xx, 3 s / 40 s late and in 429 storms,
 * and the shop's webhooks arrive twice or never. Then the faults stop and the run waits, with a
 * deadline, until every placed order has an order confirmation, and counts from the simulators'
 * state: duplicates, missing, units sold beyond stock; from Vortex's intake times only the
 * timings (intake resumption after each kill, time to settle).
 */
import { randomBytes } from "node:crypto"
import { mkdtempSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import pg from "pg"
import { stringify } from "yaml"
import { ChildProcesses, sleep, type Started, until } from "./ChildProcesses.js"
import {
  type Confirmation, duplicates, type Duplicate, type Kill, missing, oversold, type Oversold, type PlacedOrder, type Resumption, resumptions, strays,
} from "./Counts.js"
import { RoundRobinProxy } from "./RoundRobinProxy.js"
import { SeededRandom } from "./SeededRandom.js"
import { BigCommerceControl, bigcommerceFaultsOff, LexofficeControl, lexofficeFaultsOff } from "./SimulatorControl.js"

const repoRoot = fileURLToPath(new URL("../../", import.meta.url))
const vortex = join(repoRoot, "bin/vortex.js")
const pipelineFixture = join(repoRoot, "test/chaos/lexoffice-bigcommerce.chaos.yaml")
const TENANT = "chaos"
const PIPELINE = "lexoffice-bigcommerce"
/** The fixture pipeline's `schedule.heartbeat`. */
// Shopper ticks in a row with nothing on sale: the shop is sold out.
const SOLD_OUT_TICKS = 5

export const HEARTBEAT_MS = 60_000

export interface FaultMix {
  /** lexoffice: a performed create answered 504 all the same. */
  readonly commitThen504Rate: number
  /** lexoffice: a request answered 5xx without being performed. */
  readonly serverErrorRate: number
  /** lexoffice: slow answers; beyond 30 s the gateway answers 504 (performed or not). */
  readonly delays: ReadonlyArray<{ readonly rate: number; readonly ms: number }>
  /** lexoffice: every so often the next `stormRequests` requests get 429. */
  readonly stormEveryMs: number
  readonly stormRequests: number
  /** BigCommerce: an order webhook lost, or delivered twice. */
  readonly webhookDropRate: number
  readonly webhookDuplicateRate: number
}

/** The mix of the issue's fault run. */
export const issueFaultMix: FaultMix = {
  commitThen504Rate: 0.1,
  serverErrorRate: 0.05,
  delays: [{ rate: 0.04, ms: 3_000 }, { rate: 0.01, ms: 40_000 }],
  stormEveryMs: 30_000,
  stormRequests: 20,
  webhookDropRate: 0.05,
  webhookDuplicateRate: 0.3,
}

export interface FaultRunOptions {
  readonly seed: number
  /** PostgreSQL server (admin URL); the run creates and drops a database of its own. */
  readonly databaseUrl: string
  readonly orders: number
  readonly kills: number
  /** Articles in lexoffice, each a SKU with a little stock (so selling out happens). */
  readonly skus: number
  readonly stockPerSku: readonly [number, number]
  readonly orderEveryMs: number
  /** lexoffice's 2 req/s token bucket (and Vortex's pacing to it); off makes a small run quick. */
  readonly lexofficeRateLimit: boolean
  readonly faults: FaultMix
  /** How long after the faults stop the run waits for every order to be booked. */
  readonly settleDeadlineMs: number
  /** After settling, how long to keep watching for a late duplicate (a create still in flight). */
  readonly graceMs: number
  readonly log: (line: string) => void
}

export interface FaultRunReport {
  readonly seed: number
  readonly placed: number
  readonly confirmations: number
  readonly duplicates: ReadonlyArray<Duplicate>
  readonly missing: ReadonlyArray<string>
  /** For each missing order, what Vortex's own table says about it (diagnosis only). */
  readonly missingInVortex: Record<string, string>
  readonly strays: ReadonlyArray<string>
  readonly oversold: ReadonlyArray<Oversold>
  readonly unitsBeyondStock: number
  readonly resumptions: ReadonlyArray<Resumption>
  /** ms from the faults stopping until every order was booked; null: not within the deadline. */
  readonly settledAfterMs: number | null
  readonly shopperRefused: number
  readonly lexofficeAnswers: Record<string, number>
  readonly webhooks: { readonly announced: number; readonly attempts: number; readonly delivered: number; readonly failed: number }
  readonly proxy: { readonly forwarded: Record<string, number>; readonly unreachable: number }
  readonly logDir: string
  readonly wallMs: number
}

const freePort = () => new Promise<number>((resolve, reject) => {
  const server = createServer()
  server.once("error", reject)
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as { port: number }
    server.close(() => resolve(port))
  })
})

export const runFaultRun = async (options: FaultRunOptions): Promise<FaultRunReport> => {
  const started = Date.now()
  const { log } = options
  const random = new SeededRandom(options.seed)
  log(`fault run: seed ${options.seed} (replay with --seed ${options.seed}); ${options.orders} orders, ${options.kills} kills, ${options.skus} SKUs`)
  const workDir = mkdtempSync(join(tmpdir(), `vortex-chaos-${options.seed}-`))
  log(`fault run: logs of every process in ${workDir}`)
  const processes = new ChildProcesses(workDir, repoRoot)
  const admin = new pg.Client({ connectionString: options.databaseUrl })
  await admin.connect()
  const dbName = `vortex_chaos_${options.seed}_${randomBytes(3).toString("hex")}`
  await admin.query(`CREATE DATABASE ${dbName}`)
  const dbUrl = new URL(options.databaseUrl)
  dbUrl.pathname = `/${dbName}`
  const env = {
    DATABASE_URL: dbUrl.toString(),
    VORTEX_SECRET_KEY: randomBytes(32).toString("base64"),
    VORTEX_TENANT: TENANT,
  }
  const db = new pg.Client({ connectionString: dbUrl.toString() })
  let proxy: RoundRobinProxy | undefined
  try {
    await db.connect()
    const cli = async (name: string, args: ReadonlyArray<string>, timeoutMs = 120_000) => {
      const result = await processes.run(name, process.execPath, [vortex, ...args], env, timeoutMs)
      if (result.code !== 0) throw new Error(`vortex ${args.join(" ")} exited ${result.code} (log: ${workDir}/${name}.1.log)`)
      return result.output
    }

    // ── the simulators, each a process of its own ───────────────────────────────
    const lexSim = processes.start("sim-lexoffice", process.execPath, [
      vortex, "sim", "lexoffice", "--port", "0", "--seed", String(random.derive()), "--seed-articles", String(options.skus), "--seed-contacts", "0",
      ...(options.lexofficeRateLimit ? [] : ["--no-rate-limit"]),
    ], {})
    const bcSim = processes.start("sim-bigcommerce", process.execPath, [
      vortex, "sim", "bigcommerce", "--port", "0", "--seed", String(random.derive()), "--seed-articles", "0",
    ], {})
    const lexOrigin = await until("the lexoffice simulator", 60_000, () => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(lexSim.output())?.[1])
    const bcOrigin = await until("the BigCommerce simulator", 60_000, () => /listening on (http:\/\/127\.0\.0\.1:\d+)\/stores/.exec(bcSim.output())?.[1])
    const lexoffice = new LexofficeControl(lexOrigin)
    const bigcommerce = new BigCommerceControl(bcOrigin)
    const [lexInfo, bcInfo] = await Promise.all([lexoffice.info(), bigcommerce.info()])

    // ── the tenant, its rule table and stock, as a merchant sets them up with the CLI ──
    const ports = [await freePort(), await freePort()]
    proxy = await RoundRobinProxy.start(ports)
    const webhookSecret = randomBytes(18).toString("base64url")
    const configFile = join(workDir, "vortex.yaml")
    writeFileSync(configFile, stringify({
      apiVersion: "vortex/v1",
      kind: "Config",
      tenants: [{
        slug: TENANT,
        name: `Fault run ${options.seed}`,
        connections: [
          {
            name: "lexoffice", connector: "lexoffice", baseUrl: lexInfo.url, credentials: { apiKey: lexInfo.token },
            settings: { webhookPublicKey: lexInfo.publicKeyPem, ...(options.lexofficeRateLimit ? {} : { rateLimit: "off" }) },
          },
          {
            name: "shop", connector: "bigcommerce", baseUrl: bcOrigin,
            credentials: { storeHash: bcInfo.storeHash, accessToken: bcInfo.accessToken, webhookSecret },
          },
        ],
        pipelines: [{ file: pipelineFixture, source: "lexoffice", target: "shop" }],
      }],
    }))
    await cli("apply", ["apply", configFile])
    const onHand = new Map<string, number>()
    for (let i = 0; i < options.skus; i++) onHand.set(`A-${String(i + 1).padStart(5, "0")}`, random.int(options.stockPerSku[0], options.stockPerSku[1]))
    const csv = join(workDir, "stock.csv")
    writeFileSync(csv, ["sku,on_hand", ...[...onHand].map(([sku, n]) => `${sku},${n}`)].join("\n") + "\n")
    // The database is migrated by now: the rule table and the stock go in side by side.
    await Promise.all([
      (async () => {
        const imported = await cli("rules-import", ["rules", "import", join(repoRoot, "rules/bc_tax_class.yaml")])
        const draft = /(\S+) v(\d+) stored as a draft/.exec(imported)
        if (draft === null) throw new Error(`vortex rules import said: ${imported}`)
        await cli("rules-publish", ["rules", "publish", draft[1]!, draft[2]!, "--comment", "fault run"])
      })(),
      cli("stock-import", ["stock", "import", csv]),
    ])
    const connections = await db.query<{ id: string; name: string }>(
      "SELECT c.id, c.name FROM connections c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = $1", [TENANT])
    const shopId = connections.rows.find((r) => r.name === "shop")?.id
    if (shopId === undefined) throw new Error("vortex apply made no shop connection")

    // The order webhook goes to the balancer, as a merchant registers it (BigCommerce POST /v3/hooks).
    const hook = await fetch(`${bcInfo.baseUrl}/v3/hooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-auth-token": bcInfo.accessToken },
      body: JSON.stringify({
        scope: "store/order/*", destination: `${proxy.url}/webhooks/bigcommerce/${shopId}`, is_active: true,
        headers: { "X-Vortex-Webhook-Secret": webhookSecret },
      }),
    })
    if (!hook.ok) throw new Error(`registering the order webhook: ${hook.status} ${await hook.text()}`)

    // Catalog and stock once before the shop opens, so the shopper finds products to buy.
    await cli("sync-catalog", ["sync", PIPELINE, "--flow", "catalog"], 300_000)
    await cli("sync-stock", ["sync", PIPELINE, "--flow", "stock"], 300_000)
    await until("the shop to show every SKU in stock", 120_000, async () => {
      const state = await bigcommerce.state()
      return state.products >= options.skus && Object.values(state.levels).filter((l) => l > 0).length >= options.skus ? true : undefined
    }, 1_000)

    // ── Vortex: two `up` behind the balancer, one `worker`, all on one database ────
    const engines = new Map<string, Started>()
    const engineArgs: Record<string, ReadonlyArray<string>> = {
      "up-0": [vortex, "up", "--port", String(ports[0])],
      "up-1": [vortex, "up", "--port", String(ports[1])],
      worker: [vortex, "worker"],
    }
    const startEngine = (name: string) => engines.set(name, processes.start(name, process.execPath, engineArgs[name]!, env))
    // One after the other: three processes creating pg-boss queues at once on a fresh database
    // can deadlock, and the loser exits ("cannot create queue flow-catalog: deadlock detected").
    for (const [i, port] of ports.entries()) {
      startEngine(`up-${i}`)
      await until(`vortex up on :${port}`, 120_000, async () => ((await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(2_000) })).ok ? true : undefined), 500)
    }
    startEngine("worker")
    await until("vortex worker", 120_000, () => (engines.get("worker")!.output().includes("working the queues") ? true : undefined), 500)
    log(`fault run: setup done after ${Math.round((Date.now() - started) / 1000)} s; shop open, faults on`)

    // ── faults on, shopper on, kills ─────────────────────────────────────────────
    const mix = options.faults
    await lexoffice.setFaults({ commitThen504Rate: mix.commitThen504Rate, serverErrorRate: mix.serverErrorRate, delays: mix.delays })
    await bigcommerce.setFaults({ webhooks: { dropRate: mix.webhookDropRate, duplicateRate: mix.webhookDuplicateRate } })
    let faultsOn = true
    const storms = (async () => {
      while (faultsOn) {
        await lexoffice.setFaults({ rateLimitStorm: mix.stormRequests }).catch(() => undefined)
        for (let waited = 0; faultsOn && waited < mix.stormEveryMs; waited += 250) await sleep(250)
      }
    })()
    const shopOpen = Date.now()
    await bigcommerce.startShopper({ everyMs: options.orderEveryMs, maxOrders: options.orders })

    const window = options.orders * options.orderEveryMs
    const killTimes = Array.from({ length: options.kills }, () => random.int(1_000, Math.max(1_000, window))).sort((a, b) => a - b)
    const kills: Array<Kill> = []
    const ordersRunOpen = async () => (await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM sync_runs WHERE flow = 'orders' AND status = 'running' AND started_at > now() - interval '30 seconds'")).rows[0]!.n !== "0"
    for (const at of killTimes) {
      const wait = shopOpen + at - Date.now()
      if (wait > 0) await sleep(wait)
      const victim = random.pick(Object.keys(engineArgs))
      const pauseMs = random.int(500, 3_000)
      // Half the kills wait (briefly, bounded) for an orders run to be open: the crash that matters most.
      if (random.next() < 0.5) await until("an orders run", 3_000, async () => ((await ordersRunOpen()) ? true : undefined), 100).catch(() => undefined)
      const duringOrdersRun = await ordersRunOpen().catch(() => false)
      const killedAt = Date.now()
      await processes.kill(engines.get(victim)!)
      kills.push({ at: killedAt, victim, duringOrdersRun })
      log(`fault run: kill ${kills.length}/${options.kills}: ${victim} at +${Math.round((killedAt - shopOpen) / 1000)} s${duringOrdersRun ? " (an orders run was open)" : ""}; back in ${pauseMs} ms`)
      await sleep(pauseMs)
      startEngine(victim)
    }
    await until(`the shopper's ${options.orders} orders`, window * 3 + 120_000, async () => {
      const state = await bigcommerce.state()
      // a shop sold out is an end as good as the last order: shoppers buy only what it shows
      return state.shopper.placed >= options.orders || (!state.shopper.running && state.shopper.placed > 0) || state.shopper.idle >= SOLD_OUT_TICKS ? true : undefined
    }, 1_000)
    const shopper = (await bigcommerce.state()).shopper
    if (shopper.placed < options.orders) log(`fault run: the shop sold out after ${shopper.placed} orders`)
    await bigcommerce.stopShopper().catch(() => undefined)

    // A process that died on its own (not by a kill) is brought back too, and said so.
    for (const [name, engine] of engines) {
      if (engine.child.exitCode !== null) {
        log(`fault run: ${name} had exited by itself (code ${engine.child.exitCode}, log ${engine.logFile}); restarting it`)
        startEngine(name)
      }
    }

    // ── faults off, settle ────────────────────────────────────────────────────────
    faultsOn = false
    await storms
    await lexoffice.setFaults(lexofficeFaultsOff)
    await bigcommerce.setFaults(bigcommerceFaultsOff)
    const faultsOff = Date.now()
    log(`fault run: ${(await bigcommerce.state()).shopper.placed} orders placed, ${kills.length} kills done; faults off, waiting up to ${Math.round(options.settleDeadlineMs / 1000)} s to settle`)
    const placedOrders = async (): Promise<Array<PlacedOrder>> => (await bigcommerce.state()).orders.map((o) => ({
      channelOrderId: String(o.id), placedAt: Date.parse(o.dateCreated), lines: o.lines,
    }))
    const confirmations = async (): Promise<Array<Confirmation>> => (await lexoffice.state()).orderConfirmations.map((c) => ({
      voucherId: c.id, voucherNumber: c.voucherNumber, marker: c.marker,
    }))
    const placed = await placedOrders()
    let settledAfterMs: number | null = null
    let lastMissing = -1
    while (Date.now() - faultsOff < options.settleDeadlineMs) {
      const open = missing(placed, await confirmations(), shopId)
      if (open.length === 0) {
        settledAfterMs = Date.now() - faultsOff
        break
      }
      if (open.length !== lastMissing) log(`fault run: +${Math.round((Date.now() - faultsOff) / 1000)} s after faults: ${open.length} of ${placed.length} orders not yet booked`)
      lastMissing = open.length
      await sleep(1_000)
    }
    if (settledAfterMs !== null) {
      log(`fault run: settled ${(settledAfterMs / 1000).toFixed(1)} s after the faults stopped; watching ${options.graceMs / 1000} s for late duplicates`)
      await sleep(options.graceMs)
    }

    // ── counts, from the simulators ──────────────────────────────────────────────
    const [finalConfirmations, bcState, lexState] = [await confirmations(), await bigcommerce.state(), await lexoffice.state()]
    const finalPlaced = await placedOrders()
    const intake = await db.query<{ channel_order_id: string; received_at: Date; state: string }>(
      "SELECT channel_order_id, received_at, state FROM orders WHERE connection_id = $1", [shopId])
    const takenIn = new Map(intake.rows.map((r) => [r.channel_order_id, r.received_at.getTime()]))
    const vortexState = new Map(intake.rows.map((r) => [r.channel_order_id, r.state]))
    const lost = missing(finalPlaced, finalConfirmations, shopId)
    const sold = oversold(finalPlaced, onHand)
    return {
      seed: options.seed,
      placed: finalPlaced.length,
      confirmations: finalConfirmations.length,
      duplicates: duplicates(finalConfirmations, shopId),
      missing: lost,
      missingInVortex: Object.fromEntries(lost.map((id) => [id, vortexState.get(id) ?? "never taken in"])),
      strays: strays(finalConfirmations, finalPlaced, shopId),
      oversold: sold,
      unitsBeyondStock: sold.reduce((sum, o) => sum + o.beyond, 0),
      resumptions: resumptions(kills, finalPlaced, takenIn),
      settledAfterMs,
      shopperRefused: bcState.shopper.refused,
      lexofficeAnswers: lexState.requests.byStatus,
      webhooks: bcState.webhooks,
      proxy: { forwarded: Object.fromEntries(proxy.forwarded), unreachable: proxy.unreachable },
      logDir: workDir,
      wallMs: Date.now() - started,
    }
  } finally {
    await processes.killAll()
    await proxy?.stop().catch(() => undefined)
    await db.end().catch(() => undefined)
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined)
    await admin.end().catch(() => undefined)
  }
}
