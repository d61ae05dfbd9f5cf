// The page: fetches the build-time data (images.bin, labels.bin, meta.json from scripts/prepare-data.mjs),
// draws a grid of images, hands the data to the index Worker, shows its progress and timings, and on a
// click shows the 20 nearest neighbours the Worker finds. Every picture is drawn from the pixel data.
import { INDEX_PARAMS, K, type FromWorker, type ToWorker } from './protocol.js';
import { drawImage } from './thumbnail.js';

interface Meta {
  count: number;
  side: number;
  labelNames: string[];
}

/** Images in the grid at a time; "Shuffle" draws another random set from all 70,000. */
const GRID = 48;
/** Where the first visit's build time is kept, so a reload can show it next to its own open time. */
const BUILD_MS_KEY = 'memvec-demo-build-ms';

/** mulberry32: the first grid is the same on every visit (a test can click the same images). */
function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const $ = <T extends HTMLElement>(testid: string): T => document.querySelector<T>(`[data-testid="${testid}"]`)!;

async function fetchBytes(path: string): Promise<Uint8Array> {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} (run scripts/prepare-data.mjs, or npm run demo:browser)`);
  return new Uint8Array(await res.arrayBuffer());
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`;
}

async function main(): Promise<void> {
  const meta = (await (await fetch('meta.json')).json()) as Meta;
  const [images, labels] = await Promise.all([fetchBytes('images.bin'), fetchBytes('labels.bin')]);
  const pixels = meta.side * meta.side;
  const labelOf = (item: number): string => meta.labelNames[labels[item]!]!;
  const pixelsOf = (item: number): Uint8Array => images.subarray(item * pixels, (item + 1) * pixels);

  $('count').textContent = meta.count.toLocaleString('en');
  $('params').textContent = `cosine over the ${pixels} raw pixels stored as ${INDEX_PARAMS.quantization}, M ${INDEX_PARAMS.M}, efConstruction ${INDEX_PARAMS.efConstruction}, ef ${INDEX_PARAMS.efSearch}`;

  const filter = $<HTMLSelectElement>('label-filter');
  for (const name of meta.labelNames) filter.append(new Option(name, name));

  let ready = false;
  let selected: number | null = null;
  let nextId = 0;

  function thumb(item: number, testid: 'item' | 'result' | 'selected', size: number, caption?: string): HTMLElement {
    const el = document.createElement(testid === 'item' ? 'button' : 'figure');
    el.className = testid;
    el.dataset.testid = testid;
    el.dataset.item = String(item);
    el.dataset.label = labelOf(item);
    el.title = `#${item} ${labelOf(item)}`;
    el.append(drawImage(pixelsOf(item), meta.side, size));
    if (caption !== undefined) {
      const cap = document.createElement('figcaption');
      cap.textContent = caption;
      el.append(cap);
    }
    return el;
  }

  function shuffle(random: () => number = Math.random): void {
    const grid = $('grid');
    grid.replaceChildren();
    const seen = new Set<number>();
    while (seen.size < GRID) seen.add(Math.floor(random() * meta.count));
    for (const item of seen) {
      const button = thumb(item, 'item', 56);
      button.addEventListener('click', () => select(item));
      grid.append(button);
    }
  }

  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  const send = (msg: ToWorker): void => worker.postMessage(msg);

  function select(item: number): void {
    selected = item;
    $('query').replaceChildren(thumb(item, 'selected', 112, `#${item} · ${labelOf(item)}`));
    runSearch();
  }

  function runSearch(): void {
    if (!ready || selected === null) return;
    $('latency').textContent = '…';
    send({ type: 'search', id: ++nextId, item: selected, label: filter.value === '' ? null : filter.value });
  }
  filter.addEventListener('change', runSearch);
  $('shuffle').addEventListener('click', () => shuffle());

  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    const msg = event.data;
    switch (msg.type) {
      case 'progress': {
        const bar = $<HTMLProgressElement>('progress');
        bar.max = msg.total;
        bar.value = msg.done;
        $('status').textContent = `building the index: ${msg.done.toLocaleString('en')} of ${msg.total.toLocaleString('en')} images`;
        break;
      }
      case 'ready': {
        ready = true;
        $('progress').hidden = true;
        $('source').textContent = msg.source;
        if (msg.source === 'opfs') {
          $('open-ms').textContent = msg.openMs!.toFixed(0);
          const built = localStorage.getItem(BUILD_MS_KEY);
          $('build-ms').textContent = built ?? '–';
          $('status').textContent = `opened from OPFS in ${seconds(msg.openMs!)} instead of a rebuild${built ? ` (the first visit's build took ${seconds(Number(built))})` : ''}. Click any image.`;
        } else {
          $('build-ms').textContent = msg.buildMs!.toFixed(0);
          localStorage.setItem(BUILD_MS_KEY, msg.buildMs!.toFixed(0));
          $('status').textContent =
            `built in ${seconds(msg.buildMs!)} (first visit)` +
            (msg.saveMs === undefined ? '' : ` and saved to OPFS in ${seconds(msg.saveMs)}; reload the page to open it from OPFS instead`) +
            `. Click any image.${msg.note ? ` (${msg.note})` : ''}`;
        }
        document.body.dataset.state = 'ready';
        runSearch();
        break;
      }
      case 'results': {
        if (msg.id !== nextId) break; // an older search, overtaken by a newer click or filter
        $('latency').textContent = `${msg.ms.toFixed(1)} ms`;
        $('results').replaceChildren(
          ...msg.hits.map((h) => {
            const fig = thumb(h.item, 'result', 56, h.score.toFixed(3));
            fig.dataset.score = String(h.score);
            fig.classList.toggle('same', h.label === labelOf(msg.item));
            return fig;
          }),
        );
        const same = msg.hits.filter((h) => h.label === labelOf(msg.item)).length;
        $('agreement').textContent = `${same} of ${msg.hits.length} share its label`;
        break;
      }
      case 'error':
        $('status').textContent = `error: ${msg.message}`;
        document.body.dataset.state = 'error';
        break;
    }
  };
  worker.onerror = (event) => {
    $('status').textContent = `worker error: ${event.message}`;
    document.body.dataset.state = 'error';
  };

  shuffle(seededRandom(13));
  // The data is copied to the Worker (structured clone, ~55 MB): the page keeps its copy for thumbnails.
  send({ type: 'init', images, labels, labelNames: meta.labelNames, pixels });
  $('k').textContent = String(K);
}

main().catch((err: unknown) => {
  $('status').textContent = `error: ${String((err as Error)?.message ?? err)}`;
  document.body.dataset.state = 'error';
});
