/**
 * The Node edge of the prompt-decoder kernel: reads the committed WebAssembly module next to the
 * package (native/decoder-kernel/, the relaxed-SIMD build where this Node validates it, see
 * kernel-build.ts; SAMKIT_KERNEL_BUILD=simd forces the plain one) once per process.
 */
import { readFile } from 'node:fs/promises';
import { KernelUnsupportedError } from '../core/errors.js';
import { DecoderKernel } from './decoder-kernel.js';
import { KERNEL_BUILD_FILES, kernelBuild, type KernelBuild } from './kernel-build.js';
import { kernelWeights, type KernelWeights } from './kernel-weights.js';

/** The kernel modules' folder in the package. */
const KERNEL_DIR = new URL('../../../native/decoder-kernel/', import.meta.url);

/** The plain SIMD build's location in the package. */
export const KERNEL_WASM_URL = new URL(KERNEL_BUILD_FILES.simd, KERNEL_DIR);

/** The build this process runs. */
export const NODE_KERNEL_BUILD: KernelBuild = kernelBuild(process.env.SAMKIT_KERNEL_BUILD);

let compiled: Promise<WebAssembly.Module> | null = null;

/** The compiled kernel module (compiled once per thread). */
export function kernelModule(): Promise<WebAssembly.Module> {
  compiled ??= readFile(new URL(KERNEL_BUILD_FILES[NODE_KERNEL_BUILD], KERNEL_DIR)).then(
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
