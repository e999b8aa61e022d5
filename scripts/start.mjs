// Starts Weft on this machine: the embedded database (unless MONGODB_URI names a server),
// then the services that exist, and stops all of them on Ctrl-C.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedMongo } from '@weft/devdb';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.join(root, '.data');

async function main() {
  let stopDb = async () => {};
  let uri = process.env.MONGODB_URI;
  if (uri) {
    console.log(`weft: using MongoDB at ${uri.replace(/\/\/[^@/]*@/, '//***@')}`);
  } else {
    mkdirSync(dataDir, { recursive: true });
    const started = Date.now();
    const db = await startEmbeddedMongo({
      backend: 'h2',
      dataFile: path.join(dataDir, 'weft.mv.db'),
      port: Number(process.env.WEFT_DEVDB_PORT ?? 27017),
    });
    uri = db.uri;
    stopDb = db.stop;
    console.log(`weft: embedded database ready at ${uri} in ${Date.now() - started} ms (data in .data/)`);
  }
  console.log('weft: running; press Ctrl-C to stop');

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`weft: ${signal} received, stopping`);
    await stopDb();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  setInterval(() => {}, 1 << 30);
}

main().catch((error) => {
  console.error(`weft: could not start: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
