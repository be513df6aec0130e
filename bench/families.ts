/**
 * Model families: today's fast path (the default model: low-rank prompt graph) against the generic
 * path (the same weights re-packed in the transformers.js layout, run through the hf-sam family), and
 * a bare onnxruntime run of that family's decoder graph with the same inputs prepared beforehand,
 * in one run on one image, per single-point multimask prompt (median ms, the paths interleaved). Each path is timed whole
 * (`predict`) and as its decode alone (`model.decode` on the encoded prompt: the family's prompt
 * feeding, session.run and reading its outputs); the difference is the predictor's shared work
 * (checking and encoding the prompt, upsampling the three masks to the original size).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import ort from 'onnxruntime-node';
import { encodePrompts } from '../src/core/prompt.js';
import { applyCoords, preprocessShape } from '../src/core/transforms.js';
import { planUpsample, UpsampleScratch, upsampleThreshold } from '../src/core/upsample.js';
import { defaultModelManifest } from '../src/model/resolve.js';
import { writeHfSamFolder } from '../src/models/hf-sam/write-folder.js';
import { SamPredictor } from '../src/predictor.js';

const PROMPTS = 60;

function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
}

export async function benchFamilies(images: string[]): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'samkit-bench-fam-'));
  try {
    const real = defaultModelManifest();
    const folder = path.join(dir, 'sam-hf');
    await writeHfSamFolder(real.encoder.path!, real.decoder.path!, folder);
    const [fast, generic] = await Promise.all([SamPredictor.create(), SamPredictor.create(folder)]);
    const image = images[0];
    await fast.setImage(image);
    await generic.setImage(image);
    const { width, height } = fast.originalSize!;
    let seed = 7;
    const rnd = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 2 ** 32; };
    const points = Array.from({ length: PROMPTS }, () => [Math.floor(rnd() * width), Math.floor(rnd() * height)] as [number, number]);
    const predict = (pr: SamPredictor) => (p: [number, number]) => pr.predict({ pointCoords: [p], pointLabels: [1] });
    // The decode alone: the prompt encoded before the clock starts.
    const decode = (pr: SamPredictor) => {
      const emb = pr.getImageEmbedding().data;
      const encoded = new Map(points.map((p) => [p, encodePrompts([{ pointCoords: [p], pointLabels: [1] }], { width, height }, pr.model.preprocess, pr.model.maskInputSize)]));
      return (p: [number, number]) => pr.model.decode(emb, encoded.get(p)!);
    };
    // The bare graph: inputs built before the clock starts, only session.run timed.
    const session = await ort.InferenceSession.create(path.join(folder, 'onnx', 'prompt_encoder_mask_decoder.onnx'));
    const encoder = await ort.InferenceSession.create(path.join(folder, 'onnx', 'vision_encoder.onnx'));
    const blank = await encoder.run({ pixel_values: new ort.Tensor('float32', new Float32Array(3 * 1024 * 1024), [1, 3, 1024, 1024]) });
    const emb = new ort.Tensor('float32', generic.getImageEmbedding().data, [1, 256, 64, 64]);
    const feeds = points.map((p) => ({
      image_embeddings: emb, image_positional_embeddings: blank.image_positional_embeddings,
      input_points: new ort.Tensor('float32', applyCoords(p, { width, height }, 1024), [1, 1, 1, 2]),
      input_labels: new ort.Tensor('int64', new BigInt64Array([1n]), [1, 1, 1]),
    }));
    const bare = (p: [number, number]) => session.run(feeds[points.indexOf(p)]);
    // The predictor's shared post-processing: the three candidates upsampled to the original size
    // with its plan (src/core/upsample.ts), timed on the generic decode's outputs.
    const scratch = new UpsampleScratch(planUpsample({ width: 256, height: 256 }, 1024, preprocessShape({ width, height }, 1024), { width, height }));
    const masks = [0, 1, 2].map(() => new Uint8Array(width * height));
    const decodeGeneric = decode(generic);
    const upsample = async (p: [number, number]) => {
      const out = await decodeGeneric(p);
      const t0 = performance.now();
      for (let t = 0; t < 3; t++) upsampleThreshold(out.masks, t * 256 * 256, 0, scratch, masks[t]);
      return performance.now() - t0;
    };
    const paths: Record<string, (p: [number, number]) => Promise<unknown>> = {
      fastMs: predict(fast), genericMs: predict(generic), bareGraphMs: bare, fastDecodeMs: decode(fast), genericDecodeMs: decodeGeneric,
    };
    const names = Object.keys(paths);
    const samples: Record<string, number[]> = Object.fromEntries([...names, 'upsampleMs'].map((n) => [n, []]));
    for (const n of names) { await paths[n](points[0]); await paths[n](points[1]); }
    // Interleaved per prompt in a shuffled order, so that the machine's load hits every path alike and
    // no path always follows the same one (a session's threads still spinning after its run slow the
    // next run: with a fixed cyclic order, one path always paid for the same neighbour).
    for (let r = 0; r < 3; r++) {
      for (const p of points) {
        const order = [...names];
        for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
        for (const n of order) {
          const t0 = performance.now();
          await paths[n](p);
          samples[n].push(performance.now() - t0);
        }
        samples.upsampleMs.push(await upsample(p));
      }
    }
    const pick = (key: string) => Number(median(samples[key]).toFixed(1));
    await Promise.all([fast.model.close(), generic.model.close()]);
    return {
      image: path.basename(image), prompts: PROMPTS, rounds: 3,
      fastPathMsPerPrompt: pick('fastMs'), genericPathMsPerPrompt: pick('genericMs'), bareHfDecoderMsPerPrompt: pick('bareGraphMs'),
      fastDecodeMsPerPrompt: pick('fastDecodeMs'), genericDecodeMsPerPrompt: pick('genericDecodeMs'), sharedUpsampleMsPerPrompt: pick('upsampleMs'),
      // Per prompt, the generic decode and the bare run are adjacent: their ratio shrugs off load drift.
      genericDecodeOverBareMedianRatio: Number(median(samples.genericDecodeMs.map((v, i) => v / samples.bareGraphMs[i])).toFixed(3)),
      loadAverage: os.loadavg().map((v) => Number(v.toFixed(1))),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
