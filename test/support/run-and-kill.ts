// The crash tests' child runner: starts a writer script in the runtime the tests run in (it prints
// "ready" once open, then "done i" after each op i returns, i.e. is durable) and SIGKILLs it at a
// random moment.
import { spawn } from 'node:child_process';

/** How this runtime's own binary (process.execPath) runs a script: Deno needs `run` and permissions. */
function scriptArgs(script: string): string[] {
  return (globalThis as { Deno?: unknown }).Deno !== undefined ? ['run', '-A', script] : [script];
}

/**
 * Runs `writer` with `args` in a child of the same runtime (Node, Bun or Deno), so each runtime's own
 * backends are the ones killed mid-write, and SIGKILLs it `delayMs` after it prints "ready"; resolves
 * with the last op it reported done, or `start - 1` if none.
 */
export function runAndKill(writer: string, args: string[], start: number, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...scriptArgs(writer), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('ready\n') && !child.killed) setTimeout(() => child.kill('SIGKILL'), delayMs).unref();
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited on its own: ${err}`));
      const done = [...out.matchAll(/^done (\d+)$/gm)].map((m) => Number(m[1]));
      resolve(done.length ? done.at(-1)! : start - 1);
    });
  });
}
