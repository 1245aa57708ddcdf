// The demo page's own origin (a second port): a static page that uses the local edge the way a
// site uses the CDN, across origins. The edge's URL is written into the page's meta tag, and
// /metrics.json is the edge's live summary (variants made, hit rate, stage times) for the page.
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeServer, listen } from '../listen';

const folder = path.dirname(fileURLToPath(import.meta.url));
const clientDist = path.resolve(folder, '../../../client/dist');

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/demo.js': { file: 'demo.js', type: 'text/javascript; charset=utf-8' },
  '/demo.css': { file: 'demo.css', type: 'text/css; charset=utf-8' },
};

export interface DemoServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The client package's build (npm run build), as a site would serve it: /client/<file>.js. */
function clientFile(urlPath: string): { file: string; type: string } | undefined {
  const match = /^\/client\/([\w-]+\.js)$/.exec(urlPath);
  const file = match && path.join(clientDist, match[1]);
  return file && existsSync(file) ? { file, type: 'text/javascript; charset=utf-8' } : undefined;
}

function escapeAttribute(text: string): string {
  return text.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface DemoServerOptions {
  /** A function when the edge starts after the page's origin (its CORS list names that origin). */
  readonly edgeUrl: string | (() => string);
  /** The edge's live summary, served as /metrics.json; without it the page says there is none. */
  readonly metrics?: () => unknown;
  readonly port?: number;
  readonly host?: string;
}

export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const edgeUrl = typeof options.edgeUrl === 'function' ? options.edgeUrl : () => options.edgeUrl as string;
  const server = http.createServer((req, res) => {
    const pathname = (req.url || '/').split('?')[0];
    if (pathname === '/metrics.json' && options.metrics && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(options.metrics()));
      return;
    }
    const entry = FILES[pathname] || clientFile(pathname);
    if (!entry || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    let body = readFileSync(path.resolve(folder, entry.file), 'utf8');
    if (entry.file === 'index.html') body = body.replace('{{EDGE_URL}}', escapeAttribute(edgeUrl()));
    res.writeHead(200, { 'content-type': entry.type, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body);
  });
  const port = await listen(server, options.port ?? 0, options.host || '127.0.0.1');
  return { url: `http://localhost:${port}`, port, close: () => closeServer(server) };
}
