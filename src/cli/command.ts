/** What every command file exports: its spec (parsing and --help) and its run. */
import type { CommandSpec, Parsed } from './args.js';
import type { Output } from './output.js';

export interface CommandContext {
  args: Parsed;
  out: Output;
  /** Aborted by Ctrl-C (see interrupt.ts). */
  signal: AbortSignal;
}

export interface Command {
  spec: CommandSpec;
  run(ctx: CommandContext): Promise<void>;
}
