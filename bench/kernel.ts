/**
 * The prompt-decoder kernel (src/kernel/, WebAssembly SIMD) against onnxruntime's low-rank prompt
 * graph, in one run, alternating (`npm run bench -- --only kernel`):
 *
 * - per prompt, on one embedding: kernel vs graph with 1 and 2 onnxruntime threads, 2 prompts per
 *   run, the whole mask and picture4's 43 of 64 rows; the kernel's FLOPs per prompt and the fraction
 *   of this CPU's peak it reaches; prompts with a mask input against the full export graph;
 * - the automatic mask generator (default options, decoder lanes) with either decoder on one image:
 *   wall time and whether the records are the same;
 * - the threaded build in Node: one thread against 1 .. N helper threads (bench/kernel-threads.ts,
 *   in a child Node with relaxed SIMD);
 * - hover and click-to-refined in the page with its own decoder (`?hover=page`): the kernel's
 *   variants and onnxruntime-web (`&decoder=graph`).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import ort from 'onnxruntime-node';
import { SamAutomaticMaskGenerator } from '../src/amg/generator.js';
import { encodePrompts } from '../src/core/prompt.js';
import { DecoderKernel } from '../src/kernel/decoder-kernel.js';
import { kernelWeights } from '../src/kernel/kernel-weights.js';
import { kernelModule } from '../src/kernel/node-kernel.js';
import { buildLowRankDecoder } from '../src/model/lowrank-decoder.js';
import { extentValues, LOWRANK_EXTENT_INPUT } from '../src/model/lowrank-io.js';
import { defaultModelManifest } from '../src/model/resolve.js';
import { SamModel } from '../src/model/sam-model.js';
import { benchImages, median, ms, PROJECT_ROOT, syntheticEmbedding } from './common.js';

const P = 4096;

/** Multiply-adds of one kernel prompt with T tokens over `cells` grid cells (see kernel.c). */
export function kernelMacs(T: number, cells: number): { tokenSide: number; maskHead: number; gelus: number } {
  const K8 = 8 * T, KF = 16 * T + 1, KG = 16 * T + 3;
  const lin = (i: number, o: number) => T * i * o;
  const heads16 = K8 * 16 * P; // one per-head [T x 16] x [16 x 4096] product over 8 heads
  let t = 0;
  t += 2 * (4 * lin(256, 256) + 2 * 8 * T * T * 32); // self attention x2
  t += 3 * (lin(256, 128) + lin(128, 256)) + 2 * lin(256, 128) * 2; // cross-attention token projections
  t += 2 * (lin(256, 2048) + lin(2048, 256)); // MLPs
  t += 2 * heads16; // layer 0 token-to-image scores and values
  t += heads16 + K8 * 16 * 256; // image-to-token 0 scores, values x out_proj
  t += (K8 * K8 * 256) / 2 + heads16 + (K8 * (K8 + 1) / 2) * P + K8 * P; // r1
  t += K8 * 256 * 384; // R1
  t += 4 * heads16 + 2 * K8 * K8 * P; // layer 1 token-to-image
  t += 2 * heads16 + K8 * K8 * P + K8 * 16 * 256; // image-to-token 1
  t += 2 * heads16 + (KF * KF * 256) / 2 + (KF * (KF + 1) / 2) * P + 2 * KF * P; // r2
  t += 2 * K8 * 256 * 512; // final factors' weights
  t += 3 * heads16 + 2 * K8 * KG * P; // final attention
  t += 3 * 256 * 256 + 4 * (2 * 256 * 256 + 256 * 32); // IoU head and hypernetworks
  const maskHead = cells * (KG * 256 + 4 * 64 * 128 + 16 * 32 * 4);
  return { tokenSide: t, maskHead, gelus: cells * (4 * 64 + 16 * 32) };
}

/**
 * What the kernel benchmarks decode on: the default decoder's bytes, its low-rank graphs, the
 * synthetic embedding and the image graph's outputs for it (the kernel's image tensors).
 */
export async function kernelBenchImage(): Promise<{ source: Uint8Array; g: ReturnType<typeof buildLowRankDecoder>; emb: Float32Array; carried: ort.InferenceSession.OnnxValueMapType }> {
  const source = readFileSync(defaultModelManifest().decoder.path!);
  const g = buildLowRankDecoder(source);
  const emb = syntheticEmbedding();
  const image = await ort.InferenceSession.create(g.image);
  const carried = await image.run({ image_embeddings: new ort.Tensor('float32', emb, [1, 256, 64, 64]) });
  return { source, g, emb, carried };
}

/** Per-prompt times, alternating rounds: the kernel, the graph with 1 and with 2 threads. */
export async function benchKernelPrompts(rounds = 5): Promise<Record<string, unknown>> {
  const { source, g, emb, carried } = await kernelBenchImage();
  const graphs = { graph1: await ort.InferenceSession.create(g.prompt, { intraOpNumThreads: 1 }), graph2: await ort.InferenceSession.create(g.prompt, { intraOpNumThreads: 2 }) };
  const kernel = await DecoderKernel.create(await kernelModule(), kernelWeights(source));
  kernel.setImage(carried, carried, emb);
  const size = { width: 2048, height: 1365 };
  const prompts = (i: number) => encodePrompts([0, 1].map((j) => ({ pointCoords: [[30 + ((i * 2 + j) * 397) % 1900, 30 + ((i * 2 + j) * 261) % 1300]] as [number, number][], pointLabels: [1] })), size, 1024, 256);
  const out: Record<string, unknown> = {};
  for (const rows of [64, 43]) {
    const cells = { rows, cols: 64 };
    const runs: Record<string, (i: number) => Promise<unknown>> = {
      kernel: async (i) => kernel.decode(prompts(i), cells),
      ...Object.fromEntries(Object.entries(graphs).map(([k, s]) => [k, (i: number) => {
        const enc = prompts(i);
        return s.run({ ...carried, [LOWRANK_EXTENT_INPUT]: new ort.Tensor('int64', extentValues(cells), [2]), point_coords: new ort.Tensor('float32', enc.pointCoords, [2, 2, 2]), point_labels: new ort.Tensor('float32', enc.pointLabels, [2, 2]) });
      }])),
    };
    // 4 runs of 2 prompts per round
    const m = await alternateRuns(runs, rounds, 8);
    const macs = kernelMacs(7, rows * 64);
    const flops = 2 * (macs.tokenSide + macs.maskHead);
    const ghz = cpuGhz();
    out[`rows${rows}`] = {
      msPerPrompt: m,
      kernelVsGraph1Thread: round(m.kernel / m.graph1, 3),
      kernelVsGraph2Threads: round(m.kernel / m.graph2, 3),
      kernelMflopsPerPrompt: round(flops / 1e6, 1),
      kernelTokenSideMflops: round(2 * macs.tokenSide / 1e6, 1),
      kernelMaskHeadMflops: round(2 * macs.maskHead / 1e6, 1),
      geluPerPrompt: macs.gelus,
      kernelGflops: round(flops / m.kernel / 1e6, 2),
      // one core: native peak 2 FMA x 8 lanes x 2 flops per cycle; 128-bit WebAssembly SIMD without FMA: 2 mul + 2 add x 4 lanes
      fractionOfNativeCorePeak: round(flops / m.kernel / 1e6 / (32 * ghz), 3),
      fractionOf128BitSimdPeak: round(flops / m.kernel / 1e6 / (16 * ghz), 3),
      cpuGhz: ghz,
    };
  }
  out.maskInput = await benchKernelMaskPrompts(emb, kernel, size, rounds);
  return out;
}

/**
 * Each variant warmed once, then `rounds` rounds alternating the variants, 4 runs each: the median
 * per round of ms per prompt (`promptsPerRound` prompts in a round's 4 runs).
 */
async function alternateRuns(runs: Record<string, (i: number) => Promise<unknown>>, rounds: number, promptsPerRound: number): Promise<Record<string, number>> {
  const times: Record<string, number[]> = {};
  for (const [k, f] of Object.entries(runs)) { await f(0); times[k] = []; }
  for (let r = 0; r < rounds; r++) {
    for (const [k, f] of Object.entries(runs)) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 4; i++) await f(r * 4 + i);
      times[k].push(ms(t0) / promptsPerRound);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

/** Multiply-adds of a mask input on top of a prompt (kernel.c, "the mask input"). */
export function maskInputMacs(): number {
  const K = 17, cols = 1668;
  const downscale = 128 * 128 * 4 * 4 + P * 16 * 16;
  return P * K * cols + 2 * P * (K * (K + 1)) / 2 + 2 * P * K + downscale;
}

/**
 * Prompts with a mask input (a click that refines: 2 points + the previous low-res logits), one
 * per run: the kernel (whole mask) against onnxruntime-node's full export graph with 1 and 2
 * threads, alternating.
 */
async function benchKernelMaskPrompts(emb: Float32Array, kernel: DecoderKernel, size: { width: number; height: number }, rounds: number): Promise<Record<string, unknown>> {
  // the library's full graph (the export rewritten to low-res outputs, as the predictor runs it for mask inputs)
  const bytes = await (await SamModel.load(undefined, { decoder: 'graph' })).decoderBytes();
  const full = { full1: await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 }), full2: await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2 }) };
  const mask = Float32Array.from({ length: 256 * 256 }, (_, i) => Math.sin(i / 977) * 6 + Math.cos(i / 131) * 3);
  const prompt = (i: number) => encodePrompts([{ pointCoords: [[100 + (i * 397) % 1800, 100 + (i * 261) % 1100], [900, 600]], pointLabels: [1, 1], maskInput: mask }], size, 1024, 256);
  const embT = new ort.Tensor('float32', emb, [1, 256, 64, 64]);
  const runs: Record<string, (i: number) => Promise<unknown>> = {
    kernel: async (i) => kernel.decode(prompt(i), { rows: 64, cols: 64 }),
    ...Object.fromEntries(Object.entries(full).map(([k, s]) => [k, (i: number) => {
      const enc = prompt(i);
      return s.run({
        image_embeddings: embT, point_coords: new ort.Tensor('float32', enc.pointCoords, [1, enc.numPoints, 2]), point_labels: new ort.Tensor('float32', enc.pointLabels, [1, enc.numPoints]),
        mask_input: new ort.Tensor('float32', enc.maskInput, [1, 1, 256, 256]), has_mask_input: new ort.Tensor('float32', new Float32Array([1]), [1]),
      });
    }])),
  };
  const m = await alternateRuns(runs, rounds, 4);
  const macs = kernelMacs(8, P);
  const flops = 2 * (macs.tokenSide + macs.maskHead + maskInputMacs());
  return {
    msPerPrompt: m,
    kernelVsFullGraph1Thread: round(m.kernel / m.full1, 3),
    kernelVsFullGraph2Threads: round(m.kernel / m.full2, 3),
    kernelMflopsPerPrompt: round(flops / 1e6, 1),
    maskInputMflops: round(2 * maskInputMacs() / 1e6, 1),
    kernelGflops: round(flops / m.kernel / 1e6, 2),
  };
}

/** The CPU's clock (os.cpus() reports 0 on some VMs: then /proc/cpuinfo). */
function cpuGhz(): number {
  let mhz = os.cpus()[0]?.speed ?? 0;
  if (!mhz) {
    try {
      mhz = Number(/cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 0);
    } catch {
      mhz = 0;
    }
  }
  return round((mhz || 2600) / 1000, 2);
}

function round(v: number, d: number): number {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}

/** The generator on one image with either decoder (decoder lanes on), alternating. */
export async function benchKernelAmg(image: string, rounds = Number(process.env.BENCH_KERNEL_AMG_ROUNDS ?? 1)): Promise<Record<string, unknown>> {
  const gens = {
    kernel: new SamAutomaticMaskGenerator(await SamModel.load(undefined, { decoder: 'kernel' }), { outputMode: 'coco_rle' }),
    graph: new SamAutomaticMaskGenerator(await SamModel.load(undefined, { decoder: 'graph' }), { outputMode: 'coco_rle' }),
  };
  const times: Record<string, number[]> = { kernel: [], graph: [] };
  const records: Record<string, string> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [k, gen] of Object.entries(gens)) {
      const t0 = process.hrtime.bigint();
      const recs = await gen.generate(image);
      times[k].push(ms(t0));
      records[k] = JSON.stringify(recs);
    }
  }
  const a = JSON.parse(records.kernel) as Array<Record<string, unknown>>, b = JSON.parse(records.graph) as Array<Record<string, unknown>>;
  let sameMasks = a.length === b.length;
  let maxIou = 0;
  a.forEach((x, i) => {
    if (JSON.stringify([x.segmentation, x.area, x.bbox, x.stability_score]) !== JSON.stringify([b[i]?.segmentation, b[i]?.area, b[i]?.bbox, b[i]?.stability_score])) sameMasks = false;
    maxIou = Math.max(maxIou, Math.abs((x.predicted_iou as number) - (b[i]?.predicted_iou as number)));
  });
  const med = { kernel: median(times.kernel), graph: median(times.graph) };
  return { image: path.basename(image), ms: med, kernelVsGraph: round(med.kernel / med.graph, 3), records: a.length, sameMasksAreasBoxesStability: sameMasks, maxPredictedIouDifference: maxIou, byteIdentical: records.kernel === records.graph };
}

/** The threaded build with helper threads in Node (a child with relaxed SIMD), or why not. */
export function benchKernelThreads(): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', path.join(PROJECT_ROOT, 'dist/bench/kernel-threads.js')], {
    encoding: 'utf8', timeout: 600000, env: { ...process.env, SAMKIT_BENCH_KERNEL_THREADS: '1' },
  });
  if (r.status !== 0) return { skipped: `the threaded kernel bench failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}` };
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

export async function benchKernel(images: string[]): Promise<Record<string, unknown>> {
  const prompts = await benchKernelPrompts();
  const threads = benchKernelThreads();
  const amg = await benchKernelAmg(images.find((f) => f.includes('truck')) ?? images[0]);
  const { benchHoverDecoders } = await import('./web.js');
  return { prompts, threads, amg, pageHover: await benchHoverDecoders(images) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchKernel(benchImages()).then((r) => console.log(JSON.stringify(r, null, 2)), (err: unknown) => { console.error(err); process.exitCode = 1; });
}
