#!/usr/bin/env node
import { main } from './main.js';
import { processOutput } from './output.js';

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());
process.exitCode = await main(process.argv.slice(2), process.env, processOutput, stop.signal);
