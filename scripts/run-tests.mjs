// `npm test`: build, typecheck, then every test stage, each in its own runtime. A failing stage does not
// stop the ones after it (CI should show every runtime's result at once); the summary lists each stage
// with its time, and the exit code is non-zero if any stage failed. Build or typecheck failing stops
// everything: nothing after them would mean anything.
import { spawnSync } from 'node:child_process';

const gates = ['build', 'typecheck'];
const stages = [
  ['test:node', 'vitest in Node: every suite on every Node backend'],
  ['test:bun', 'the same vitest suites inside Bun'],
  ['test:deno', 'the same vitest suites inside Deno'],
  ['test:runtimes', 'the packed tarball in Node, Bun, Deno, Chromium (OPFS Worker), workerd, Vite; publint, attw'],
];

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const summary = [];
function run(script) {
  const start = Date.now();
  const { status } = spawnSync(npm, ['run', script], { stdio: 'inherit' });
  const seconds = (Date.now() - start) / 1000;
  summary.push({ script, ok: status === 0, seconds });
  return status === 0;
}

function report() {
  console.log('\n== npm test summary');
  for (const { script, ok, seconds } of summary) console.log(`${ok ? 'pass' : 'FAIL'}  ${script.padEnd(14)} ${seconds.toFixed(0).padStart(4)} s`);
}

for (const gate of gates) {
  if (!run(gate)) {
    report();
    process.exit(1);
  }
}
for (const [script, what] of stages) {
  console.log(`\n== ${script}: ${what}`);
  run(script);
}
report();
process.exit(summary.every((s) => s.ok) ? 0 : 1);
