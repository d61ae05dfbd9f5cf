#!/usr/bin/env node
/**
 * The `memvec` command (package.json "bin" → dist/cli.js, built by tsup from this file): dispatches to
 * one command per file and owns the exit code contract: 0 done, 1 the work failed (a MemvecError,
 * printed as one line with its code), 2 the command line is wrong (printed with a pointer to --help).
 * A stack trace only with --verbose: a user should read what went wrong, not where.
 */
import { isMemvecError } from '../index.js';
import { helpText, parseCommand, UsageError } from './args.js';
import type { Command } from './command.js';
import { compactCommand } from './compact.js';
import { exportCommand } from './export.js';
import { importCommand } from './import.js';
import { onInterrupt } from './interrupt.js';
import { createOutput } from './output.js';
import { searchCommand } from './search.js';
import { statCommand } from './stat.js';

const COMMANDS: Command[] = [importCommand, searchCommand, statCommand, compactCommand, exportCommand];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length));
  return [
    'Usage: memvec <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}  ${c.spec.summary}`),
    '',
    'Every command takes --json (results as JSON on stdout), --verbose and --help.',
    'Exit codes: 0 ok, 1 failure (the error names its code), 2 usage.',
    '',
  ].join('\n');
}

function fail(json: boolean, code: string, message: string): void {
  if (json) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(overview());
    return name === undefined ? 2 : 0;
  }
  const json = rest.includes('--json');
  const verbose = rest.includes('--verbose');
  const command = COMMANDS.find((c) => c.spec.name === name);
  if (!command) {
    const message = `unknown command '${name}' (commands: ${COMMANDS.map((c) => c.spec.name).join(', ')}; memvec --help)`;
    process.stderr.write(`memvec: ${message}\n`);
    fail(json, 'USAGE', message);
    return 2;
  }
  const out = createOutput(json);
  const interrupt = onInterrupt(out.note);
  try {
    const args = parseCommand(command.spec, rest);
    if (args.values.help) {
      process.stdout.write(helpText(command.spec));
      return 0;
    }
    await command.run({ args, out, signal: interrupt.signal });
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`memvec ${name}: ${err.message} (memvec ${name} --help for usage)\n`);
      fail(json, 'USAGE', err.message);
      return 2;
    }
    if (isMemvecError(err)) {
      process.stderr.write(`memvec ${name}: ${err.code}: ${err.message}\n`);
      fail(json, err.code, err.message);
    } else {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`memvec ${name}: unexpected error: ${message}${verbose ? '' : ' (--verbose shows the stack)'}\n`);
      fail(json, 'INTERNAL', message);
    }
    if (verbose) {
      let e: unknown = err;
      while (e instanceof Error) {
        process.stderr.write(`${e.stack ?? e.message}\n`);
        e = e.cause;
        if (e !== undefined) process.stderr.write('caused by: ');
      }
      if (e !== undefined && !(e instanceof Error)) process.stderr.write(`${String(e)}\n`);
    }
    return 1;
  } finally {
    interrupt.dispose();
  }
}

// `memvec search … | head`: a reader that stops early is not an error of ours.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`memvec: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
