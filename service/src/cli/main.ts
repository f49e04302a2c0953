/**
 * The `container-mapping` CLI: dispatches a subcommand from a small map, so adding one is
 * one line. Bad usage exits 2; a bad configuration or failed command exits 1 with its message.
 */
import { backfillCommand } from './backfill';
import { ConfigError } from '../config';
import { UsageError, type Command, type CommandIo } from './command';
import { importCommand } from './import';
import { migrateCommand } from './migrate';
import { queryCommand } from './query';
import { remediateCommand } from './remediate';
import { serveCommand } from './serve';
import { syncCommand } from './sync';
import { tokenCommand } from './token';

/** Every subcommand, by name. */
export const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  migrate: migrateCommand,
  query: queryCommand,
  token: tokenCommand,
  backfill: backfillCommand,
  sync: syncCommand,
  import: importCommand,
  remediate: remediateCommand,
};

function usage(): string {
  return [
    'usage: container-mapping <command> [options]',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}\n           ${c.usage}`),
  ].join('\n');
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[], io: CommandIo = defaultIo()): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`unknown command "${name}"\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`container-mapping ${name}: ${(err as Error).message}\nusage: container-mapping ${command.usage}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      io.err(`container-mapping ${name}: ${err.message}`);
      return 1;
    }
    io.err(`container-mapping ${name}: ${(err as Error).message}`);
    return 1;
  }
}

function defaultIo(): CommandIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
  };
}

/** Entry point of the bundle and of `tsx service/src/cli/main.ts`. */
export function runCli(): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`container-mapping: ${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) runCli();
