/** A keeper CLI subcommand: `run` gets the arguments after its name and returns the exit code. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Printed by `--help` / `-h` (exit 0), whatever the other arguments. */
  readonly usage: string;
  run(argv: readonly string[]): Promise<number>;
}

/** Bad command-line input: printed with the subcommand's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Exit codes shared by subcommands. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
