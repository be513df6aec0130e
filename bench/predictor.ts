/**
 * Predictor benchmarks against the floor: the shipped ONNX files run bare in onnxruntime-node on the
 * same inputs, measured alternately in the same process so machine noise hits both alike.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import ort from 'onnxruntime-node';
import { preprocessImage } from '../src/core/transforms.js';
import { loadImage } from '../src/image/load-image.js';
import { encodePrompts } from '../src/core/prompt.js';
import { rewriteDecoder, splitDecoder } from '../src/model/decoder-graph.js';
import { buildLowRankDecoder } from '../src/model/lowrank-decoder.js';
import { extentValues, LOWRANK_EXTENT_INPUT } from '../src/model/lowrank-io.js';
import { defaultModelManifest } from '../src/model/resolve.js';
import { readFileSync } from 'node:fs';
import { SamPredictor } from '../src/predictor.js';
import { benchImages, median, ms, PROJECT_ROOT, syntheticEmbedding } from './common.js';

const OPTS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 2, graphOptimizationLevel: 'all' };

export async function benchPredictor(images = benchImages(), reps = Number(process.env.BENCH_REPS ?? 3)): Promise<Record<string, unknown>> {
  const manifest = defaultModelManifest();
  const predictor = await SamPredictor.create();
  const bareEnc = await ort.InferenceSession.create(manifest.encoder.path!, OPTS);
  const bareDec = await ort.InferenceSession.create(manifest.decoder.path!, OPTS);
  const setImage: number[] = [];
  const bareEncode: number[] = [];
  const decode: number[] = [];
  const bareDecode: number[] = [];
  const batched: number[] = [];
  for (const file of images) {
    const rgb = await loadImage(file);
    const { width: W, height: H } = rgb;
    for (let r = 0; r < reps; r++) {
      // Bare encoder: the shipped file on an already preprocessed tensor.
      const { tensor } = preprocessImage(rgb.data, { width: W, height: H }, predictor.model.preprocess);
      let t0 = process.hrtime.bigint();
      const enc = await bareEnc.run({ input: new ort.Tensor('float32', tensor, [1, 3, 1024, 1024]) });
      bareEncode.push(ms(t0));
      // setImage end to end from a file: decode + Pillow resize + normalise + encoder.
      t0 = process.hrtime.bigint();
      await predictor.setImage(file);
      setImage.push(ms(t0));
      const emb = enc[bareEnc.outputNames[0]];
      for (let k = 0; k < 5; k++) {
        const x = Math.round(W * (0.2 + 0.15 * k));
        const y = Math.round(H * (0.3 + 0.1 * k));
        const s = 1024 / Math.max(W, H);
        t0 = process.hrtime.bigint();
        const out = await bareDec.run({
          image_embeddings: emb,
          point_coords: new ort.Tensor('float32', new Float32Array([x * s, y * s, 0, 0]), [1, 2, 2]),
          point_labels: new ort.Tensor('float32', new Float32Array([1, -1]), [1, 2]),
          mask_input: new ort.Tensor('float32', new Float32Array(256 * 256), [1, 1, 256, 256]),
          has_mask_input: new ort.Tensor('float32', new Float32Array([0]), [1]),
          orig_im_size: new ort.Tensor('float32', new Float32Array([H, W]), [2]),
        });
        // Thresholding belongs to the bare run too (the official predictor returns binary masks).
        const m = out.masks.data as Float32Array;
        const bin = new Uint8Array(m.length);
        for (let i = 0; i < m.length; i++) bin[i] = m[i] > 0 ? 1 : 0;
        bareDecode.push(ms(t0));
        t0 = process.hrtime.bigint();
        await predictor.predict({ pointCoords: [[x, y]], pointLabels: [1], multimaskOutput: true });
        decode.push(ms(t0));
      }
    }
    const points = Array.from({ length: 64 }, (_, i) => ({ pointCoords: [[W * ((i % 8) + 0.5) / 8, H * (Math.floor(i / 8) + 0.5) / 8]] as [number, number][], pointLabels: [1] }));
    const t0 = process.hrtime.bigint();
    await predictor.predictBatch(points, { multimaskOutput: true });
    batched.push(ms(t0) / 64);
  }
  const r = {
    images: images.map((f) => path.basename(f)),
    setImageMs: median(setImage),
    bareEncoderMs: median(bareEncode),
    setImageRatio: median(setImage) / median(bareEncode),
    decodePerPromptMs: median(decode),
    bareDecoderMs: median(bareDecode),
    decodeRatio: median(decode) / median(bareDecode),
    batchedPerPromptMs: median(batched),
  };
  return r;
}

/**
 * The per-prompt decoder graphs alone on one embedding, alternating rounds in this process: the
 * low-rank decoder at 1 and 2 prompts per run against the plain per-image / per-prompt split of the
 * rewritten export (one prompt per run), both after their per-image part.
 */
export async function benchPromptGraphs(rounds = 5): Promise<Record<string, number>> {
  const source = readFileSync(defaultModelManifest().decoder.path!);
  const graphs = { lowRank: buildLowRankDecoder(source), split: splitDecoder(rewriteDecoder(source).bytes, 256) };
  const emb = syntheticEmbedding();
  const size = { width: 800, height: 600 };
  const sessions: Record<string, { prompt: ort.InferenceSession; carried: Record<string, ort.Tensor> }> = {};
  for (const [name, g] of Object.entries(graphs)) {
    const image = await ort.InferenceSession.create(g.image, OPTS);
    const prompt = await ort.InferenceSession.create(g.prompt, OPTS);
    sessions[name] = { prompt, carried: await image.run({ image_embeddings: new ort.Tensor('float32', emb, [1, 256, 64, 64]) }) };
  }
  const run = (name: string, i: number, b: number) => {
    const enc = encodePrompts(Array.from({ length: b }, (_, j) => ({ pointCoords: [[30 + ((i * b + j) * 97) % 700, 30 + ((i * b + j) * 61) % 500]] as [number, number][], pointLabels: [1] })), size, 1024, 256);
    const s = sessions[name];
    const extent: Record<string, ort.Tensor> = s.prompt.inputNames.includes(LOWRANK_EXTENT_INPUT) ? { [LOWRANK_EXTENT_INPUT]: new ort.Tensor('int64', extentValues({ rows: 64, cols: 64 }), [2]) } : {};
    return s.prompt.run({ ...s.carried, ...extent, point_coords: new ort.Tensor('float32', enc.pointCoords, [b, 2, 2]), point_labels: new ort.Tensor('float32', enc.pointLabels, [b, 2]) });
  };
  const cases: Array<[string, string, number]> = [['lowRankB1', 'lowRank', 1], ['lowRankB2', 'lowRank', 2], ['split', 'split', 1]];
  const times: Record<string, number[]> = {};
  for (const [key, name, b] of cases) { await run(name, 0, b); times[key] = []; }
  for (let r = 0; r < rounds; r++) {
    for (const [key, name, b] of cases) {
      const n = Math.ceil(12 / b);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await run(name, i, b);
      times[key].push(ms(t0) / n / b);
    }
  }
  const out: Record<string, number> = {};
  for (const [key] of cases) out[`${key}MsPerPrompt`] = median(times[key]);
  out.lowRankB2VsSplit = out.lowRankB2MsPerPrompt / out.splitMsPerPrompt;
  return out;
}

/** Wall time of whole `samkit predict` processes vs a bare onnxruntime script, alternating. */
export function benchPredictCli(image: string, runs = 4): Record<string, number> {
  const bin = path.join(PROJECT_ROOT, 'bin', 'samkit.js');
  const bare = path.join(PROJECT_ROOT, 'dist', 'bench', 'bare-predict.js');
  const ours: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t0 = process.hrtime.bigint();
    execFileSync(process.execPath, [bare, image, '600', '400'], { stdio: 'ignore' });
    floor.push(ms(t0));
    t0 = process.hrtime.bigint();
    execFileSync(process.execPath, [bin, 'predict', image, '--point', '600,400'], { stdio: 'ignore', maxBuffer: 1 << 28 });
    ours.push(ms(t0));
  }
  return { predictCliMs: Math.min(...ours), bareScriptMs: Math.min(...floor), predictCliRatio: Math.min(...ours) / Math.min(...floor) };
}
