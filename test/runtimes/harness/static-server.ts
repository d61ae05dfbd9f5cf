// A static file server on 127.0.0.1 for the browser tests: correct MIME types (application/wasm
// included), no caching, and a log of every request so a test can say which files a page fetched.
// With `crossOriginIsolated`, every response carries COOP/COEP (and CORP, so each file may be loaded
// by an isolated page or worker): the headers that make a page crossOriginIsolated, which memvec needs
// to share WebAssembly memory with worker threads.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.css': 'text/css',
};

export interface StaticServer {
  url: string;
  /** Paths requested so far, with their status codes. */
  requests: Array<{ path: string; status: number }>;
  close(): Promise<void>;
}

/** What an isolated page and every script it loads are served with (a module worker's script too). */
const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

export async function serveDirectory(root: string, options: { crossOriginIsolated?: boolean } = {}): Promise<StaticServer> {
  const isolation = options.crossOriginIsolated === true ? ISOLATION_HEADERS : {};
  const requests: StaticServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(root, path));
    if (!file.startsWith(root + sep) && file !== root) {
      res.writeHead(403).end();
      requests.push({ path, status: 403 });
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404).end();
      requests.push({ path, status: 404 });
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store', ...isolation });
    createReadStream(file).pipe(res);
    requests.push({ path, status: 200 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
