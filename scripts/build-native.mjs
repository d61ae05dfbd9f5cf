// Builds the mmap addon in native/ when a Rust toolchain is present. The addon is optional at run time
// (memvec falls back to node:fs), so this script never fails an install: when cargo is missing or the
// build breaks it prints one line saying so and exits 0.
//
// Offline on purpose: the crate has no dependencies, and crates.io may be unreachable where we build.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, CARGO_NET_OFFLINE: 'true' };

function skip(reason) {
  console.log(`memvec: native addon not built (${reason}); memvec will use node:fs instead of mmap`);
  process.exit(0);
}

if (process.env.MEMVEC_SKIP_NATIVE) skip('MEMVEC_SKIP_NATIVE is set');
const cargo = spawnSync('cargo', ['--version'], { env, encoding: 'utf8' });
if (cargo.error || cargo.status !== 0) skip('cargo not found');

// The file name napi-rs gives the binary, which src/storage/native-addon.ts looks for.
function binaryName() {
  const abi = process.platform === 'linux' ? (process.report?.getReport().header.glibcVersionRuntime ? '-gnu' : '-musl') : '';
  return `memvec.${process.platform}-${process.arch}${abi}.node`;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) skip(`${cmd} failed to start: ${r.error.message}`);
  if (r.status !== 0) {
    const output = `${r.stderr}\n${r.stdout}`;
    const firstError = output.split('\n').find((l) => /^error/.test(l.trim())) ?? `exit code ${r.status}`;
    skip(`build failed: ${firstError.trim()}`);
  }
}

let napiCli;
try {
  napiCli = createRequire(import.meta.url).resolve('@napi-rs/cli/dist/cli.js');
} catch {
  // @napi-rs/cli is a devDependency; without it cargo alone does the same job.
}

const manifest = join('native', 'Cargo.toml');
// Build into a scratch folder and rename the binary into place: overwriting a .node file that a running
// process has loaded (a test run, a benchmark) in place corrupts that process's mapped code.
const staging = mkdtempSync(join(root, 'native', '.build-'));
// skip() exits the process, which runs no finally blocks: clean up on exit instead.
process.on('exit', () => rmSync(staging, { recursive: true, force: true }));
{
  if (napiCli) {
    run(process.execPath, [napiCli, 'build', '--platform', '--release', '--manifest-path', manifest, '--output-dir', staging]);
  } else {
    run('cargo', ['build', '--release', '--manifest-path', manifest]);
    const lib = process.platform === 'darwin' ? 'libmemvec_native.dylib' : 'libmemvec_native.so';
    copyFileSync(join(root, 'native', 'target', 'release', lib), join(staging, binaryName()));
  }
  const built = join(staging, binaryName());
  if (!existsSync(built)) skip(`the build did not produce ${binaryName()}`);
  renameSync(built, join(root, 'native', binaryName()));
}
console.log(`memvec: built native addon native/${binaryName()}`);
