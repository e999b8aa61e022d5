import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as release from '@jitl/quickjs-wasmfile-release-sync';
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from 'quickjs-emscripten-core';

// TypeScript reads the package's CommonJS types, Node loads its ES module, whose default is the variant.
const variant = release.default as unknown as QuickJSSyncVariant;

const PAGE_BYTES = 65_536;
/** The QuickJS build starts with a 16 MiB heap. */
const INITIAL_PAGES = 256;

let compiled: Promise<WebAssembly.Module> | undefined;

/** The QuickJS WebAssembly module, read and compiled once per process. */
function compiledQuickJS(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compile(
    readFileSync(createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm')),
  );
  return compiled;
}

/**
 * A fresh QuickJS instance whose whole heap is at most `memoryLimitBytes`. The memory limit is
 * the WebAssembly memory's maximum, not `JS_SetMemoryLimit`: this build has no
 * `malloc_usable_size`, so QuickJS counts 8 bytes per allocation whatever its size (measured: 40
 * strings of 1 MB passed a 16 MiB limit). An instance per execution also means an execution can
 * leave nothing behind for the next one.
 */
export async function quickJSInstance(
  memoryLimitBytes: number,
): Promise<{ quickjs: QuickJSWASMModule; memory: WebAssembly.Memory }> {
  const wasmModule = await compiledQuickJS();
  const maximum = Math.max(INITIAL_PAGES, Math.floor(memoryLimitBytes / PAGE_BYTES));
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum });
  const quickjs = await newQuickJSWASMModuleFromVariant(
    newVariant(variant, { wasmModule, wasmMemory: memory }),
  );
  return { quickjs, memory };
}
