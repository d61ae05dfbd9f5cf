/**
 * Command-line parsing on node:util parseArgs (in Node ≥ 18.3, Bun and Deno alike, so the CLI adds no
 * dependency), plus what parseArgs leaves to us: per-command help generated from the same option table
 * the parser reads, numbers checked with their ranges, and UsageError for everything that is the
 * command line's fault (exit code 2), as opposed to a failure of the work itself (exit code 1).
 */
import { parseArgs } from 'node:util';

/** A mistake in the command line: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** What the value looks like in help (`<n>`, `<url>`); strings only. */
  value?: string;
  help: string;
  short?: string;
}

export interface CommandSpec {
  name: string;
  /** One line, for `memvec --help`. */
  summary: string;
  /** The synopsis after `memvec <name>`. */
  usage: string;
  /** Positional arguments, by name, all required. */
  positionals: string[];
  options: Record<string, OptionSpec>;
  /** Free text after the options in --help (examples). */
  more?: string;
}

/** Every command takes these. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', help: 'print the result (or the error) as JSON on stdout, for scripts' },
  verbose: { type: 'boolean', help: 'on failure, also print the stack trace and the cause' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function parseCommand(spec: CommandSpec, argv: string[]): Parsed {
  const all = { ...spec.options, ...COMMON_OPTIONS };
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(all).map(([name, o]) => [name, o.short ? { type: o.type, short: o.short } : { type: o.type }])),
      allowPositionals: true,
      strict: true,
    }) as typeof parsed;
  } catch (err) {
    // parseArgs's messages name the option ("Unknown option '--kk'"); its hints about '--' do not apply here.
    throw new UsageError(((err as Error).message ?? String(err)).split('. To specify a positional')[0]!);
  }
  if (parsed.values.help) return parsed;
  const { positionals } = parsed;
  if (positionals.length < spec.positionals.length) {
    throw new UsageError(`missing <${spec.positionals[positionals.length]}>`);
  }
  if (positionals.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument '${positionals[spec.positionals.length]}'`);
  }
  return parsed;
}

/** An integer option within [min, max], or `fallback` when absent. */
export function intOption(values: Parsed['values'], name: string, min: number, max: number, fallback: number): number;
export function intOption(values: Parsed['values'], name: string, min: number, max: number): number | undefined;
export function intOption(values: Parsed['values'], name: string, min: number, max: number, fallback?: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${String(raw)}'`);
  }
  return n;
}

/** A string option that must be one of `choices`. */
export function choiceOption<T extends string>(values: Parsed['values'], name: string, choices: readonly T[]): T | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (!choices.includes(raw as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${String(raw)}'`);
  return raw as T;
}

/** Options that make no sense together with `flag` (e.g. --M with --exact). */
export function rejectWith(values: Parsed['values'], flag: string, others: string[], why: string): void {
  if (!values[flag]) return;
  const given = others.filter((o) => values[o] !== undefined);
  if (given.length > 0) throw new UsageError(`${given.map((o) => `--${o}`).join(', ')} cannot be used with --${flag}: ${why}`);
}

export function helpText(spec: CommandSpec): string {
  const all = { ...spec.options, ...COMMON_OPTIONS };
  const left = Object.entries(all).map(([name, o]) => `${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`);
  const width = Math.max(...left.map((l) => l.length));
  const lines = Object.values(all).map((o, i) => `  ${left[i]!.padEnd(width)}  ${o.help}`);
  return [`Usage: memvec ${spec.name} ${spec.usage}`, '', spec.summary, '', 'Options:', ...lines, ...(spec.more ? ['', spec.more] : []), ''].join('\n');
}
