#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startEmbeddedMongo } from './embedded.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '27017' },
    backend: { type: 'string', default: 'h2' },
    file: { type: 'string', default: '.data/weft.mv.db' },
  },
});

const backend = values.backend;
if (backend !== 'memory' && backend !== 'h2') {
  console.error(`weft-devdb: --backend must be memory or h2, got ${backend}`);
  process.exit(2);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`weft-devdb: --port must be an integer 0..65535, got ${values.port}`);
  process.exit(2);
}

const started = Date.now();
const server = await startEmbeddedMongo({ host: values.host, port, backend, dataFile: values.file });
console.log(`weft-devdb: ${backend} database ready at ${server.uri} in ${Date.now() - started} ms`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.stop().then(() => process.exit(0));
  });
}
