/**
 * What a load balancer in front of the `vortex up` processes does: each request to the next
 * backend in turn; a backend that refuses the connection (killed, restarting) is skipped for this
 * request, so one dead process does not swallow the webhooks sent its way. A backend that dies
 * mid-request is not retried: the sender sees the failure and retries on its own schedule, as
 * it would behind a real balancer.
 */
import { createServer, request, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"

export class RoundRobinProxy {
  private next = 0
  readonly forwarded = new Map<number, number>()
  unreachable = 0

  private constructor(private readonly server: Server, readonly backends: ReadonlyArray<number>) {}

  static async start(backendPorts: ReadonlyArray<number>): Promise<RoundRobinProxy> {
    let proxy: RoundRobinProxy | undefined
    const server = createServer((req, res) => {
      void readAll(req).then(async (body) => {
        const answer = await proxy!.forward(req, body)
        if (answer === undefined) {
          proxy!.unreachable++
          res.writeHead(502, { "content-type": "application/json" }).end('{"message":"no backend reachable"}')
          return
        }
        res.writeHead(answer.status, answer.headers).end(answer.body)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))
    proxy = new RoundRobinProxy(server, backendPorts)
    return proxy
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  private async forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer } | undefined> {
    for (let tried = 0; tried < this.backends.length; tried++) {
      const port = this.backends[this.next++ % this.backends.length]!
      const answer = await send(port, req, body).catch((e: NodeJS.ErrnoException) => (e.code === "ECONNREFUSED" ? "refused" as const : "broken" as const))
      if (answer === "refused") continue
      if (answer === "broken") return undefined
      this.forwarded.set(port, (this.forwarded.get(port) ?? 0) + 1)
      return answer
    }
    return undefined
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

const readAll = (stream: IncomingMessage): Promise<Buffer> => new Promise((resolve, reject) => {
  const chunks: Array<Buffer> = []
  stream.on("data", (c: Buffer) => chunks.push(c))
  stream.on("end", () => resolve(Buffer.concat(chunks)))
  stream.on("error", reject)
})

const send = (port: number, req: IncomingMessage, body: Buffer) =>
  new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>((resolve, reject) => {
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "connection") headers[k] = v
    headers["content-length"] = String(body.length)
    const out = request({ host: "127.0.0.1", port, method: req.method, path: req.url, headers, timeout: 30_000 }, (res) => {
      void readAll(res).then((answer) => {
        const back: Record<string, string> = {}
        const type = res.headers["content-type"]
        if (type !== undefined) back["content-type"] = type
        resolve({ status: res.statusCode ?? 502, headers: back, body: answer })
      }, reject)
    })
    out.on("timeout", () => out.destroy(new Error("backend timed out")))
    out.on("error", reject)
    out.end(body)
  })
