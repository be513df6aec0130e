/**
 * The Node edge of the prompt-decoder kernel: reads the committed WebAssembly module next to the
 * package (native/decoder-kernel/decoder-kernel.wasm) once per process.
 */
import { readFile } from 'node:fs/promises';
import { KernelUnsupportedError } from '../core/errors.js';

/** The kernel module's location in the package. */
export const KERNEL_WASM_URL = new URL('../../../native/decoder-kernel/decoder-kernel.wasm', import.meta.url);

let compiled: Promise<WebAssembly.Module> | null = null;

/** The compiled kernel module (compiled once per thread). */
export function kernelModule(): Promise<WebAssembly.Module> {
  compiled ??= readFile(KERNEL_WASM_URL).then(
    (bytes) => WebAssembly.compile(bytes),
    (err: unknown) => { throw new KernelUnsupportedError(`the decoder kernel module is missing (${(err as Error).message})`); },
  );
  return compiled;
}
