/**
 * Starting the page's decoder kernel (in the decoder worker): the relaxed-SIMD build where the
 * engine validates it, else the plain SIMD build; and, when the page is cross-origin isolated on two
 * or more cores, the threaded relaxed build with a helper worker sharing the per-position work
 * (kernel-helper-worker.ts): on a quiet 2-core machine hovers take 0.93x and clicks that refine 0.88x
 * of one thread's time (docs/benchmarks.md, session 9). `?kernelThreads=1` keeps one thread;
 * `?kernel=simd` forces the plain build.
 */
import { DecoderKernel, sharedKernelMemory } from '../../src/kernel/decoder-kernel.js';
import { KERNEL_BUILD_FILES, KERNEL_THREADED_FILE, kernelBuild } from '../../src/kernel/kernel-build.js';
import type { KernelWeights } from '../../src/kernel/kernel-weights.js';

/** The helper worker, kept referenced for the page's lifetime (it only runs kernel work). */
let helper: Worker | null = null;

async function fetchModule(file: string): Promise<WebAssembly.Module> {
  const res = await fetch(new URL(`/${file}`, self.location.origin));
  if (!res.ok) throw new Error(`${file}: HTTP ${res.status}`);
  return WebAssembly.compile(await res.arrayBuffer());
}

export async function startPageKernel(weights: KernelWeights, params: URLSearchParams): Promise<DecoderKernel> {
  const build = kernelBuild(params.get('kernel'));
  const threaded = build === 'relaxed' && self.crossOriginIsolated === true && (navigator.hardwareConcurrency ?? 1) >= 2
    && params.get('kernelThreads') !== '1';
  if (threaded) {
    try {
      const module = await fetchModule(KERNEL_THREADED_FILE);
      const memory = sharedKernelMemory();
      const kernel = await DecoderKernel.create(module, weights, { memory });
      // Until the helper runs (or if it never does), the main instance does all the work itself.
      helper?.terminate();
      helper = new Worker(new URL('/kernel-helper-worker.js', self.location.origin), { type: 'module', name: 'samkit-kernel-helper' });
      helper.postMessage({ module, memory, stackTop: kernel.helperStack() });
      return kernel;
    } catch {
      // e.g. no shared memory here: one thread
    }
  }
  return DecoderKernel.create(await fetchModule(KERNEL_BUILD_FILES[build]), weights);
}
