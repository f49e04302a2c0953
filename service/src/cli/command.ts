/** What a CLI subcommand is: a name in the dispatch map, its help line and a run function. */

/** Where a command writes; tests pass their own. */
export interface CommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
}

/** A subcommand: `run` resolves to the process exit code. */
export interface Command {
  summary: string;
  usage: string;
  run(args: string[], io: CommandIo): Promise<number>;
}

/** Thrown for bad command-line usage; the CLI prints the message and the usage, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
