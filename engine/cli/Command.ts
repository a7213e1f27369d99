import type { Effect } from "effect"

/**
 * One `vortex <name>` sub-command. `run` receives the arguments after the command name and
 * yields the process exit code; it provides whatever layers it needs itself, so a command
 * that needs no database (validate, test) never opens one.
 */
export interface Command {
  readonly summary: string
  readonly usage: string
  readonly run: (args: ReadonlyArray<string>) => Effect.Effect<number>
}
