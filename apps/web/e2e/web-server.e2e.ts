/** The stand-in web server of the browser tests: static files from dist/, and a streaming proxy to the api. */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPrerequisites, distDir } from './harness';
import { startWebServer, type WebServer } from './web-server';

let api: http.Server;
let apiUrl = '';
let web: WebServer;

beforeAll(async () => {
  checkPrerequisites();
  api = http.createServer((req, res) => {
    if (req.url?.startsWith('/trpc/stream')) {
      // Like an SSE subscription: the first event, then more after a pause.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      setTimeout(() => res.end('data: two\n\n'), 300);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          auth: req.headers.authorization ?? null,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const address = api.address();
  apiUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  web = await startWebServer(distDir, apiUrl);
});

afterAll(async () => {
  await web?.close();
  api?.closeAllConnections();
  await new Promise((resolve) => api?.close(resolve));
});

describe('web-server (stand-in until the api serves dist/)', () => {
  it('serves index.html and the built assets', async () => {
    const index = await fetch(`${web.url}/`);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    const html = await index.text();
    expect(html).toContain('<div id="root">');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeTruthy();
    const asset = await fetch(`${web.url}${script}`);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${web.url}/no/such/file`)).headers.get('content-type')).toMatch(/text\/html/);
    expect(await (await fetch(`${web.url}/..%2f..%2fpackage.json`)).text()).toContain('<div id="root">');
  });

  it('proxies /trpc and /webhook with method, headers and body', async () => {
    const answer = await fetch(`${web.url}/webhook/acme?x=1`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(answer.status).toBe(201);
    expect(await answer.json()).toEqual({
      method: 'POST',
      url: '/webhook/acme?x=1',
      auth: 'Bearer t',
      body: '{"a":1}',
    });
  });

  it('streams server-sent events as they come', async () => {
    const answer = await fetch(`${web.url}/trpc/stream`);
    const reader = answer.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toBe('data: one\n\n');
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toBe('data: two\n\n');
  });
});
