// Build-time data for the browser demo: the 70,000 Fashion-MNIST images (60,000 train + 10,000 test,
// 28×28 grey, 10 labels) as two flat files the page fetches. Nothing here is committed to git: the
// Debian package and the generated files are cached under .tmp/fashion-mnist/ (git-ignored), so only
// the first run downloads (~31 MB) and every later run returns at once.
//
// Where the images come from: Debian's `dataset-fashion-mnist` package (MIT), fetched with
// `apt-get download` (needs no root) and unpacked with `dpkg-deb -x`. On a machine without apt, put
// the four idx .gz files in a folder and point MEMVEC_FASHION_MNIST_DIR at it.
//
// Usage: node examples/browser/scripts/prepare-data.mjs   (prints the folder Vite serves as publicDir)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CACHE = join(REPO, '.tmp', 'fashion-mnist');
/** What the page fetches: Vite's publicDir for examples/browser. */
export const PUBLIC = join(CACHE, 'public');
const DEB_DIR = join(CACHE, 'deb');
const PACKAGE = 'dataset-fashion-mnist';
const IDX_IN_PACKAGE = join('usr', 'share', 'datasets', 'fashion-mnist');

export const SIDE = 28;
export const PIXELS = SIDE * SIDE;
export const COUNT = 70_000;
/** The dataset's label names, by label number (from the dataset's README). */
export const LABEL_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
/** Bumped when the generated files change shape, so a stale cache is rebuilt rather than misread. */
const FORMAT = 1;

const FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
};

function fail(message) {
  throw new Error(`prepare-data: ${message}`);
}

function haveCommand(cmd) {
  const r = spawnSync(cmd, ['--version'], { stdio: 'ignore' });
  return !r.error;
}

/** The folder holding the four idx .gz files, downloading and unpacking the Debian package if needed. */
function idxFolder() {
  const chosen = process.env.MEMVEC_FASHION_MNIST_DIR;
  if (chosen) {
    const missing = Object.values(FILES).filter((f) => !existsSync(join(chosen, f)));
    if (missing.length) fail(`MEMVEC_FASHION_MNIST_DIR=${chosen} lacks ${missing.join(', ')}`);
    return chosen;
  }
  const unpacked = join(DEB_DIR, 'x', IDX_IN_PACKAGE);
  if (Object.values(FILES).every((f) => existsSync(join(unpacked, f)))) return unpacked;

  if (!haveCommand('apt-get') || !haveCommand('dpkg-deb')) {
    fail(
      `the Fashion-MNIST images come from Debian's '${PACKAGE}' package, and this machine has no apt-get/dpkg-deb. ` +
        'On Debian or Ubuntu install apt; elsewhere download the four idx files (train/t10k images and labels, .gz) ' +
        'from the Fashion-MNIST project and set MEMVEC_FASHION_MNIST_DIR to their folder.',
    );
  }
  rmSync(DEB_DIR, { recursive: true, force: true });
  mkdirSync(DEB_DIR, { recursive: true });
  console.error(`prepare-data: apt-get download ${PACKAGE} (~31 MB, once; cached in ${DEB_DIR})`);
  const dl = spawnSync('apt-get', ['download', PACKAGE], { cwd: DEB_DIR, encoding: 'utf8' });
  const deb = readdirSync(DEB_DIR).find((f) => f.startsWith(PACKAGE) && f.endsWith('.deb'));
  if (dl.status !== 0 || !deb) {
    fail(
      `apt-get download ${PACKAGE} failed (exit ${dl.status}):\n${(dl.stderr || dl.stdout || '').trim()}\n` +
        'If apt says it cannot locate the package, its lists are empty: run `sudo apt-get update` once.',
    );
  }
  const x = spawnSync('dpkg-deb', ['-x', deb, 'x'], { cwd: DEB_DIR, encoding: 'utf8' });
  if (x.status !== 0) fail(`dpkg-deb -x ${deb} failed:\n${x.stderr}`);
  if (!Object.values(FILES).every((f) => existsSync(join(unpacked, f)))) fail(`${deb} did not contain ${IDX_IN_PACKAGE}/${Object.values(FILES).join(', ')}`);
  return unpacked;
}

/** An idx file's payload after checking its magic number and dimensions (big-endian header). */
function readIdx(path, magic, dims) {
  const bytes = gunzipSync(readFileSync(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== magic) fail(`${path}: not an idx file with magic ${magic}`);
  const shape = dims.map((_, i) => view.getUint32(4 + 4 * i));
  dims.forEach((d, i) => {
    if (d !== null && shape[i] !== d) fail(`${path}: dimension ${i} is ${shape[i]}, expected ${d}`);
  });
  const header = 4 + 4 * dims.length;
  const size = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + size) fail(`${path}: ${bytes.length - header} bytes of data, expected ${size}`);
  return { count: shape[0], data: bytes.subarray(header) };
}

function isCached() {
  try {
    const meta = JSON.parse(readFileSync(join(PUBLIC, 'meta.json'), 'utf8'));
    return meta.format === FORMAT && readFileSync(join(PUBLIC, 'images.bin')).length === COUNT * PIXELS && readFileSync(join(PUBLIC, 'labels.bin')).length === COUNT;
  } catch {
    return false;
  }
}

/** Writes images.bin (70,000 × 784 bytes, row-major), labels.bin (70,000 bytes) and meta.json into PUBLIC. */
export function prepareData() {
  if (isCached()) return PUBLIC;
  const dir = idxFolder();
  const trainImages = readIdx(join(dir, FILES.trainImages), 2051, [null, SIDE, SIDE]);
  const testImages = readIdx(join(dir, FILES.testImages), 2051, [null, SIDE, SIDE]);
  const trainLabels = readIdx(join(dir, FILES.trainLabels), 2049, [trainImages.count]);
  const testLabels = readIdx(join(dir, FILES.testLabels), 2049, [testImages.count]);
  if (trainImages.count + testImages.count !== COUNT) fail(`${trainImages.count} + ${testImages.count} images, expected ${COUNT}`);

  const images = new Uint8Array(COUNT * PIXELS);
  images.set(trainImages.data, 0);
  images.set(testImages.data, trainImages.data.length);
  const labels = new Uint8Array(COUNT);
  labels.set(trainLabels.data, 0);
  labels.set(testLabels.data, trainLabels.data.length);
  if (labels.some((l) => l >= LABEL_NAMES.length)) fail('a label outside 0..9');

  // Into a scratch folder, then renamed: an interrupted run never leaves a half-written cache behind.
  const scratch = `${PUBLIC}.partial`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  writeFileSync(join(scratch, 'images.bin'), images);
  writeFileSync(join(scratch, 'labels.bin'), labels);
  writeFileSync(join(scratch, 'meta.json'), JSON.stringify({ format: FORMAT, count: COUNT, side: SIDE, labelNames: LABEL_NAMES, source: `Debian ${PACKAGE}` }, null, 2));
  rmSync(PUBLIC, { recursive: true, force: true });
  renameSync(scratch, PUBLIC);
  return PUBLIC;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const t0 = performance.now();
    console.log(prepareData());
    console.error(`prepare-data: ${COUNT} images ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
