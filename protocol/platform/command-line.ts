// The one argument parser behind every command line (sotto-relay, sotto, the bench, the web build):
// node:util's parseArgs in strict mode. A flag nobody declared is an error, never ignored: a mistyped
// `--relay-kee` must not quietly connect unpinned. Node's own messages are long and aimed at
// programmers; they are rewritten here to one short wording everywhere.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

interface StrictConfig<O extends OptionsConfig> {
  args: string[];
  options: O;
  strict: true;
  allowPositionals: true;
  allowNegative: true;
}

export type CommandLine<O extends OptionsConfig> = ReturnType<typeof parseArgs<StrictConfig<O>>>;

/**
 * `args` read against `options`; boolean options also take `--no-<name>`. Positionals are returned
 * for the caller to check (it knows how many its command takes). Throws UsageError.
 */
export function parseCommandLine<O extends OptionsConfig>(args: readonly string[], options: O): CommandLine<O> {
  try {
    return parseArgs<StrictConfig<O>>({ args: [...args], options, strict: true, allowPositionals: true, allowNegative: true });
  } catch (error) {
    throw usageError(error);
  }
}

function usageError(error: unknown): unknown {
  if (!(error instanceof TypeError)) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const quoted = /'([^']+)'/.exec(error.message)?.[1]?.split(' ')[0] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown option ${quoted} (try --help)`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return new UsageError(error.message.includes('does not take an argument')
        ? `${quoted} takes no value (try --help)`
        : `${quoted} needs a value (try --help)`);
    default:
      return error;
  }
}

/** Throws UsageError unless `positionals` has between `min` and `max` entries. */
export function expectPositionals(positionals: readonly string[], min: number, max: number, usage: string): void {
  if (positionals.length > max) throw new UsageError(`unexpected argument "${positionals[max]}" (${usage})`);
  if (positionals.length < min) throw new UsageError(`missing argument (${usage})`);
}
