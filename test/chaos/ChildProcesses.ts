/**
 * The real processes of a fault run, each in a process group of its own (a `vortex` process runs
 * through tsx; a group kill takes whatever it started with it). Output goes to one log file per
 * process incarnation, kept for the post-mortem of a failed run. Every process started is killed
 * when the run ends, on failure too, and if the harness itself exits.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { createWriteStream } from "node:fs"
import { join } from "node:path"

export interface Started {
  readonly name: string
  readonly child: ChildProcess
  readonly logFile: string
  /** Everything written to stdout so far (banners are parsed from it). */
  readonly output: () => string
  readonly exited: Promise<number | null>
}

const live = new Set<ChildProcess>()

const killGroup = (child: ChildProcess, signal: NodeJS.Signals = "SIGKILL") => {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // the group is already gone
  }
}

// Last resort: a harness killed by an exception or Ctrl-C must not leave engines running.
process.once("exit", () => {
  for (const child of live) killGroup(child)
})

export class ChildProcesses {
  private incarnations = new Map<string, number>()

  constructor(private readonly logDir: string, private readonly cwd: string) {}

  start(name: string, command: string, args: ReadonlyArray<string>, env: Record<string, string>): Started {
    const n = (this.incarnations.get(name) ?? 0) + 1
    this.incarnations.set(name, n)
    const logFile = join(this.logDir, `${name}.${n}.log`)
    const log = createWriteStream(logFile)
    const child = spawn(command, [...args], { cwd: this.cwd, env: { ...process.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] })
    live.add(child)
    let stdout = ""
    child.stdout!.on("data", (chunk: Buffer) => {
      if (stdout.length < 64 * 1024) stdout += chunk.toString("utf8")
      log.write(chunk)
    })
    child.stderr!.on("data", (chunk: Buffer) => log.write(chunk))
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => {
      live.delete(child)
      log.end()
      resolve(code)
    }))
    return { name, child, logFile, output: () => stdout, exited }
  }

  /** SIGKILL to the whole group: no cleanup, no goodbye, as a crash or an OOM kill. */
  async kill(started: Started): Promise<void> {
    killGroup(started.child)
    await Promise.race([started.exited, sleep(5_000)])
  }

  /** A short-lived command (apply, rules, stock, sync): its exit code and output, bounded in time. */
  async run(name: string, command: string, args: ReadonlyArray<string>, env: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; output: string }> {
    const started = this.start(name, command, args, env)
    const code = await Promise.race([started.exited, sleep(timeoutMs).then(() => "timeout" as const)])
    if (code === "timeout") {
      await this.kill(started)
      throw new Error(`${name} did not finish within ${timeoutMs} ms (log: ${started.logFile})`)
    }
    return { code, output: started.output() }
  }

  async killAll(): Promise<void> {
    const all = [...live]
    for (const child of all) killGroup(child)
    await Promise.race([Promise.all(all.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once("exit", r))))), sleep(5_000)])
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls `probe` until it yields a value, or fails with `what` after `timeoutMs`. */
export const until = async <A>(what: string, timeoutMs: number, probe: () => Promise<A | undefined> | A | undefined, everyMs = 250): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await Promise.resolve(probe()).catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}
