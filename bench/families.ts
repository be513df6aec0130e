/**
 * Model families: today's fast path (the default model: low-rank prompt graph) against the generic
 * path (the same weights re-packed in the transformers.js layout, run through the hf-sam family), and
 * a bare onnxruntime run of that family's decoder graph with the same inputs prepared beforehand,
 * in one run on one image, per single-point multimask prompt (median ms).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import ort from 'onnxruntime-node';
import { applyCoords } from '../src/core/transforms.js';
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
    const time = async (f: (p: [number, number]) => Promise<unknown>): Promise<number> => {
      await f(points[0]);
      await f(points[1]);
      const ts: number[] = [];
      for (const p of points) { const t0 = performance.now(); await f(p); ts.push(performance.now() - t0); }
      return median(ts);
    };
    const predict = (pr: SamPredictor) => (p: [number, number]) => pr.predict({ pointCoords: [p], pointLabels: [1] });
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
    let k = 0;
    const bare = async () => { await session.run(feeds[k++ % feeds.length]); };
    // Alternating rounds so that machine load hits both sides alike.
    const rounds: Array<Record<string, number>> = [];
    for (let r = 0; r < 3; r++) {
      rounds.push({ fastMs: await time(predict(fast)), genericMs: await time(predict(generic)), bareGraphMs: await time(bare) });
    }
    const pick = (key: string) => median(rounds.map((x) => x[key]));
    await Promise.all([fast.model.close(), generic.model.close()]);
    return {
      image: path.basename(image), prompts: PROMPTS, rounds: rounds.length,
      fastPathMsPerPrompt: pick('fastMs'), genericPathMsPerPrompt: pick('genericMs'), bareHfDecoderMsPerPrompt: pick('bareGraphMs'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
