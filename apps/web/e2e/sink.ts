/** A partner API for the HTTP node in the e2e: answers after a pause, echoing what it got. */
import http from 'node:http';

export interface Sink {
  readonly url: string;
  readonly requests: { path: string; body: string }[];
  close(): Promise<void>;
}

export function startSink(delayMs: number): Promise<Sink> {
  const requests: { path: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ path: req.url ?? '/', body });
      setTimeout(() => {
        let received: unknown = body;
        try {
          received = JSON.parse(body);
        } catch {
          // not JSON: echoed as text
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted: true, received }));
      }, delayMs);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
