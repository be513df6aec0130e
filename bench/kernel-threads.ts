/**
 * The threaded kernel build in Node (`npm run bench -- --only kernel` runs this in a child Node with
 * relaxed SIMD switched on): one thread (the relaxed build) against the threaded build with 1 .. N
 * helpers in worker threads, on one embedding, alternating rounds: a hover's decode (`best-multi`,
 * one point, 43 of 64 rows) and a whole-mask decode of all tokens. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { encodePrompts } from '../src/core/prompt.js';
import { DecoderKernel, KERNEL_MAX_HELPERS, sharedKernelMemory, type KernelTokenChoice } from '../src/kernel/decoder-kernel.js';
import { KERNEL_BUILD_FILES, KERNEL_THREADED_FILE } from '../src/kernel/kernel-build.js';
import { runKernelHelper, type KernelHelperStart } from '../src/kernel/kernel-helper.js';
import { kernelWeights } from '../src/kernel/kernel-weights.js';
import { PROJECT_ROOT, median } from './common.js';
import { kernelBenchImage } from './kernel.js';

if (!isMainThread) {
  runKernelHelper(workerData as KernelHelperStart, () => parentPort!.postMessage('running'));
} else if (process.env.SAMKIT_BENCH_KERNEL_THREADS === '1') {
  const { source, emb, carried } = await kernelBenchImage();
  const weights = kernelWeights(source);
  const dir = path.join(PROJECT_ROOT, 'native/decoder-kernel');
  const module = await WebAssembly.compile(readFileSync(path.join(dir, KERNEL_THREADED_FILE)));
  const kernels: Record<string, DecoderKernel> = { oneThread: await DecoderKernel.create(readFileSync(path.join(dir, KERNEL_BUILD_FILES.relaxed)), weights) };
  const workers: Worker[] = [];
  // 1 helper, and more where the machine has the cores for them
  for (let n = 1; n <= Math.min(KERNEL_MAX_HELPERS, Math.max(1, os.availableParallelism() - 1)); n++) {
    const memory = sharedKernelMemory();
    const k = await DecoderKernel.create(module, weights, { memory });
    for (let index = 0; index < n; index++) {
      const w = new Worker(new URL(import.meta.url), { workerData: { module, memory, stackTop: k.helperStack(), index } satisfies KernelHelperStart });
      await new Promise((resolve) => w.once('message', resolve));
      workers.push(w);
    }
    for (let i = 0; i < 200 && k.helperCount < n; i++) await new Promise((r) => setTimeout(r, 10));
    kernels[`helpers${n}`] = k;
  }
  for (const k of Object.values(kernels)) k.setImage(carried, carried, emb);
  const size = { width: 2048, height: 1365 };
  const prompt = (i: number) => encodePrompts([{ pointCoords: [[30 + (i * 397) % 1900, 30 + (i * 261) % 1300]], pointLabels: [1] }], size, 1024, 256);
  const cases: Array<[string, { rows: number; cols: number }, KernelTokenChoice]> = [['hover', { rows: 43, cols: 64 }, 'best-multi'], ['wholeMaskAllTokens', { rows: 64, cols: 64 }, 'all']];
  const out: Record<string, unknown> = { cores: os.availableParallelism() };
  for (const [name, cells, token] of cases) {
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(kernels).map((k) => [k, []]));
    for (const k of Object.values(kernels)) for (let i = 0; i < 5; i++) k.decode(prompt(i), cells, token); // warm (and tier up)
    for (let r = 0; r < 5; r++) {
      for (const [k, kernel] of Object.entries(kernels)) {
        const t0 = performance.now();
        for (let i = 0; i < 8; i++) kernel.decode(prompt(r * 8 + i), cells, token);
        times[k].push((performance.now() - t0) / 8);
      }
    }
    const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(median(v) * 100) / 100]));
    out[name] = { msPerPrompt: med, ...Object.fromEntries(Object.keys(med).filter((k) => k !== 'oneThread').map((k) => [`${k}VsOneThread`, Math.round((med[k] / med.oneThread) * 1000) / 1000])) };
  }
  console.log(JSON.stringify(out));
  await Promise.all(workers.map((w) => w.terminate()));
}
