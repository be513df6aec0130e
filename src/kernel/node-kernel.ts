/**
 * The Node edge of the prompt-decoder kernel: reads the committed WebAssembly module next to the
 * package (native/decoder-kernel/decoder-kernel.wasm) once per process.
 */
import { readFile } from 'node:fs/promises';
import { KernelUnsupportedError } from '../core/errors.js';
import { DecoderKernel } from './decoder-kernel.js';
import { kernelWeights, type KernelWeights } from './kernel-weights.js';

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

/** A kernel for a decoder export file, with the weights it was given (decoder lanes reuse them). */
export interface LoadedKernel {
  kernel: DecoderKernel;
  weights: KernelWeights;
}

/** Read the decoder export's weights and start a kernel on them (KernelUnsupportedError: not covered). */
export async function loadKernel(decoderPath: string): Promise<LoadedKernel> {
  const weights = kernelWeights(new Uint8Array(await readFile(decoderPath)), decoderPath);
  return { kernel: await DecoderKernel.create(await kernelModule(), weights), weights };
}
