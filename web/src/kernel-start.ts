/**
 * Starting the page's decoder kernel (in the decoder worker): the relaxed-SIMD build where the
 * engine validates it, else the plain SIMD build; and, when the page is cross-origin isolated on two
 * or more cores, the threaded relaxed build with helper workers sharing the independent work items
 * (kernel-helper-worker.ts): one per core beyond the first, at most KERNEL_MAX_HELPERS, so the
 * decoder worker and its helpers leave no core for the page itself only on 2 cores (where a quiet
 * machine measured hovers about even and refining clicks 0.78-0.88x of one thread's time,
 * docs/benchmarks.md). `?kernelThreads=N` asks for N threads in all (1: no helper); `?kernel=simd`
 * forces the plain build.
 */
import { DecoderKernel, KERNEL_MAX_HELPERS, sharedKernelMemory } from '../../src/kernel/decoder-kernel.js';
import { KERNEL_BUILD_FILES, KERNEL_THREADED_FILE, kernelBuild } from '../../src/kernel/kernel-build.js';
import type { KernelWeights } from '../../src/kernel/kernel-weights.js';

/** The helper workers, kept referenced for the page's lifetime (they only run kernel work). */
let helpers: Worker[] = [];

/** Helper threads for this page: `?kernelThreads=N` (N in all), else one per core beyond the first. */
export function kernelHelperCount(param: string | null, cores: number): number {
  const asked = Number(param);
  const threads = param !== null && Number.isInteger(asked) && asked >= 1 ? asked : cores;
  return Math.max(0, Math.min(KERNEL_MAX_HELPERS, threads - 1, cores - 1));
}

async function fetchModule(file: string): Promise<WebAssembly.Module> {
  const res = await fetch(new URL(`/${file}`, self.location.origin));
  if (!res.ok) throw new Error(`${file}: HTTP ${res.status}`);
  return WebAssembly.compile(await res.arrayBuffer());
}

export async function startPageKernel(weights: KernelWeights, params: URLSearchParams): Promise<DecoderKernel> {
  const build = kernelBuild(params.get('kernel'));
  const count = kernelHelperCount(params.get('kernelThreads'), navigator.hardwareConcurrency ?? 1);
  if (build === 'relaxed' && self.crossOriginIsolated === true && count > 0) {
    try {
      const module = await fetchModule(KERNEL_THREADED_FILE);
      const memory = sharedKernelMemory();
      const kernel = await DecoderKernel.create(module, weights, { memory });
      // Until the helpers run (or if they never do), the main instance does all the work itself.
      for (const h of helpers) h.terminate();
      helpers = Array.from({ length: count }, (_, index) => {
        const h = new Worker(new URL('/kernel-helper-worker.js', self.location.origin), { type: 'module', name: `samkit-kernel-helper-${index}` });
        h.postMessage({ module, memory, stackTop: kernel.helperStack(), index });
        return h;
      });
      return kernel;
    } catch {
      // e.g. no shared memory here: one thread
    }
  }
  return DecoderKernel.create(await fetchModule(KERNEL_BUILD_FILES[build]), weights);
}
