import { parseArgs, type ParseArgsConfig } from 'node:util';

/** What every module under cli/commands exports. */
export interface Command {
  /** One line for `recert --help`. */
  description: string;
  /** Runs the command; the return value is the process exit code (default 0). */
  run(args: string[]): Promise<number | void>;
}

/** Raised for a wrong invocation; printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Raised when the caller may not run an otherwise valid command; printed without a stack trace,
 * exit code 1.
 */
export class NotAllowedError extends Error {
  override name = 'NotAllowedError';
}

/** Error for a service the command needs that does not respond; printed without a stack trace, exit code 1. */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
}

/** Node's message for an unknown option ends in a quote it never closes, so it is replaced. */
function parseErrorMessage(error: Error & { code?: string }): string {
  const option = /'(-[^']*)'/.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
    return `Unknown option ${option}. A value that starts with "-" goes after "--" at the end of the command.`;
  }
  return error.message;
}

/**
 * Parses options with `node:util` parseArgs and turns its errors into a UsageError that
 * includes the command's usage text.
 */
export function parseOptions<T extends ParseArgsConfig['options']>(
  args: string[],
  options: T,
  usage: string,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(`${parseErrorMessage(error as Error)}\n\n${usage}`);
  }
}

/**
 * Splits a command's arguments into its subcommand and the rest. A leading option, such as
 * `--help`, leaves the subcommand empty and stays with the options.
 */
export function splitSubcommand(args: string[]): [string | undefined, string[]] {
  const [first, ...rest] = args;
  if (first === undefined || first.startsWith('-')) return [undefined, args];
  return [first, rest];
}
