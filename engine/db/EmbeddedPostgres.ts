import { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { Data, Effect } from "effect"
import { mkdirSync } from "node:fs"

export class EmbeddedPostgresError extends Data.TaggedError("EmbeddedPostgresError")<{
  readonly message: string
  readonly cause: unknown
}> {}

export interface EmbeddedPostgresOptions {
  /** Directory that persists the cluster; omitted = in memory (tests). */
  readonly dataDir?: string | undefined
  /** A tarball from `dumpDataDir()`: skips the ~4 s initdb of a new cluster. */
  readonly loadDataDir?: Blob | undefined
  /** Connections the socket server accepts; every client pool together must stay below it. */
  readonly maxConnections: number
}

export interface EmbeddedPostgres {
  readonly url: string
  readonly db: PGlite
}

/**
 * Real PostgreSQL (compiled to WASM) served on 127.0.0.1 so that `@effect/sql-pg` and pg-boss
 * reach it over the wire protocol exactly as they reach a server. Every query goes through the
 * socket: a direct `db.query()` would run inside whatever transaction a socket client holds.
 */
export const startEmbeddedPostgres = (options: EmbeddedPostgresOptions) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true })
        const db = await PGlite.create({
          ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
          ...(options.loadDataDir !== undefined ? { loadDataDir: options.loadDataDir } : {}),
        })
        const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: options.maxConnections })
        await server.start()
        return { db, server, url: `postgres://postgres@${server.getServerConn()}/postgres` }
      },
      catch: (cause) =>
        new EmbeddedPostgresError({
          message: `cannot start the embedded database${options.dataDir ? ` in ${options.dataDir}` : ""}: ${String(cause)}`,
          cause,
        }),
    }),
    ({ db, server }) => Effect.promise(async () => {
      await server.stop()
      await db.close()
    }),
  ).pipe(Effect.map(({ db, url }): EmbeddedPostgres => ({ db, url })))
