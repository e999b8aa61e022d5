/**
 * Serves the built web app for the e2e tests when the api does not (yet) serve it itself:
 * static files from `dist/` (index.html for unknown paths) and a streaming proxy of `/trpc`,
 * `/webhook` and `/health` to the api, so the browser sees one origin like in production.
 *
 * Removable: once the api serves `apps/web/dist` at `/` (`WEFT_WEB_DIST`), `webOrigin` returns
 * the api's own URL and this server is never started.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

const PROXIED = ['/trpc', '/webhook', '/health'];

export interface WebServer {
  readonly url: string;
  close(): Promise<void>;
}

export function startWebServer(distDir: string, apiUrl: string): Promise<WebServer> {
  const api = new URL(apiUrl);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (PROXIED.some((prefix) => url.pathname === prefix || url.pathname.startsWith(`${prefix}/`))) {
      const upstream = http.request(
        {
          hostname: api.hostname,
          port: api.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: api.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      // The browser went away (an SSE stream closed): stop the upstream request too.
      res.on('close', () => upstream.destroy());
      req.pipe(upstream);
      return;
    }
    let file = path.join(
      distDir,
      path.normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, ''),
    );
    if (!file.startsWith(distDir) || !existsSync(file) || statSync(file).isDirectory()) {
      file = path.join(distDir, 'index.html');
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * Where the browser should open the app: the api itself when it serves the web app, else a
 * static server in front of it.
 */
export async function webOrigin(
  distDir: string,
  apiUrl: string,
): Promise<{ url: string; close: () => Promise<void> }> {
  // WEFT_E2E_WEB_SERVER=1 uses the stand-in even when the api serves the app (to test it).
  if (process.env.WEFT_E2E_WEB_SERVER === '1') return startWebServer(distDir, apiUrl);
  const answer = await fetch(`${apiUrl}/`).catch(() => null);
  const html = answer?.ok ? await answer.text() : '';
  if (html.includes('<div id="root">')) return { url: apiUrl, close: async () => {} };
  return startWebServer(distDir, apiUrl);
}
