/**
 * Which implementation decodes prompts: the prompt-decoder kernel (WebAssembly, src/kernel/; mask
 * inputs included) or onnxruntime's low-rank prompt graph (the full export graph for mask inputs). `SAMKIT_DECODER=kernel|graph`
 * (or LoadModelOptions.decoder) forces one, for comparisons; a model the kernel does not cover, or a
 * kernel that fails to start, always uses the graph.
 */
import { InvalidOptionError } from '../core/errors.js';

export type PromptDecoder = 'kernel' | 'graph';

/**
 * The default in Node: onnxruntime-node's graph. Measured on this project's 2-core AVX2 machine, the
 * kernel (128-bit WebAssembly SIMD, no FMA) runs a prompt at ~2x the time of onnxruntime's native
 * AVX2/FMA kernels on one thread (docs/benchmarks.md); the page, where onnxruntime is WebAssembly
 * too, uses the kernel by default.
 */
export const NODE_DEFAULT_DECODER: PromptDecoder = 'graph';

export function parsePromptDecoder(value: string | undefined, what: string): PromptDecoder | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'kernel' || value === 'graph') return value;
  throw new InvalidOptionError(`${what} must be 'kernel' or 'graph', got ${JSON.stringify(value)}`);
}
