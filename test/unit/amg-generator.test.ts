/** The generator pipeline on a stand-in model whose decoder draws known shapes, so every filter can be exercised. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SamAutomaticMaskGenerator, type AmgModel, type AmgProgress } from '../../src/amg/generator.js';
import { InvalidOptionError } from '../../src/core/errors.js';
import { Mask } from '../../src/core/mask.js';
import type { EncodedPrompts } from '../../src/core/prompt.js';
import { rleToMask, type CompressedRle, type UncompressedRle } from '../../src/core/rle.js';
import type { DecoderOutput } from '../../src/model/sam-model.js';

const INPUT = 64;
const LOW = 16;

/** Logits of one token at input-pixel position (x, y) for a prompt point (cx, cy), plus its predicted IoU. */
type Shape = (cx: number, cy: number, x: number, y: number) => number;
interface Token { shape: Shape; iou: number | ((cx: number, cy: number) => number) }

const disk = (r: number, slope = 30): Shape => (cx, cy, x, y) => slope * (r - Math.hypot(x - cx, y - cy));
const everywhere = (v: number): Shape => () => v;

function fakeModel(tokens: Token[]): AmgModel & { encodes: number; decodes: number } {
  const model = {
    encodes: 0,
    decodes: 0,
    preprocess: { inputSize: INPUT, pixelMean: [0, 0, 0] as [number, number, number], pixelStd: [1, 1, 1] as [number, number, number], layout: 'NCHW' as const },
    maskInputSize: LOW,
    async encode(): Promise<Float32Array> { model.encodes++; return new Float32Array(4); },
    async decode(_e: Float32Array, p: EncodedPrompts): Promise<DecoderOutput> {
      model.decodes++;
      const T = 4, plane = LOW * LOW;
      const masks = new Float32Array(p.batch * T * plane).fill(-20);
      const iou = new Float32Array(p.batch * T);
      for (let b = 0; b < p.batch; b++) {
        const cx = p.pointCoords[b * p.numPoints * 2], cy = p.pointCoords[b * p.numPoints * 2 + 1];
        tokens.forEach((tok, k) => {
          const t = k + 1;
          iou[b * T + t] = typeof tok.iou === 'number' ? tok.iou : tok.iou(cx, cy);
          for (let i = 0; i < LOW; i++) for (let j = 0; j < LOW; j++) {
            masks[(b * T + t) * plane + i * LOW + j] = tok.shape(cx, cy, (j + 0.5) * (INPUT / LOW), (i + 0.5) * (INPUT / LOW));
          }
        });
      }
      return { masks, iou, batch: p.batch, tokens: T, lowSize: LOW };
    },
  };
  return model;
}

/** 40 x 30 grey image (resized to 64 x 48 by the stand-in's 64-pixel input). */
const IMAGE = { data: new Uint8Array(40 * 30 * 3).fill(128), width: 40, height: 30 };

test('records have the official fields and conventions', async () => {
  const model = fakeModel([{ shape: disk(10), iou: 0.95 }]);
  const gen = new SamAutomaticMaskGenerator(model, { pointsPerSide: 1, outputMode: 'uncompressed_rle' });
  const recs = await gen.generate(IMAGE);
  assert.equal(recs.length, 1);
  const r = recs[0];
  assert.deepEqual(Object.keys(r), ['segmentation', 'area', 'bbox', 'predicted_iou', 'point_coords', 'stability_score', 'crop_box']);
  const seg = r.segmentation as UncompressedRle;
  assert.deepEqual(seg.size, [30, 40]);
  assert.equal(seg.counts.reduce((a, b) => a + b, 0), 1200);
  const mask = rleToMask(seg);
  assert.equal(r.area, mask.area);
  assert.deepEqual(r.bbox, mask.bbox);
  assert.equal(r.predicted_iou, Math.fround(0.95));
  assert.deepEqual(r.point_coords, [[20, 15]]);
  assert.deepEqual(r.crop_box, [0, 0, 40, 30]);
  assert.ok(r.stability_score > 0.9 && r.stability_score <= 1);
  // The disk (radius 10 input px = 6.25 image px) is centred on the point.
  assert.ok(mask.get(20, 15) === 1 && mask.get(0, 0) === 0);
  assert.ok(Math.abs(r.area - Math.PI * 6.25 ** 2) < 25, `area ${r.area}`);
});

test('predicted IoU filter is strict (> thresh) and applies before anything else', async () => {
  const at = (iou: number) => fakeModel([{ shape: disk(10), iou }]);
  assert.equal((await new SamAutomaticMaskGenerator(at(0.5), { pointsPerSide: 2 }).generate(IMAGE)).length, 0);
  assert.equal((await new SamAutomaticMaskGenerator(at(Math.fround(0.88)), { pointsPerSide: 1 }).generate(IMAGE)).length, 0);
  assert.equal((await new SamAutomaticMaskGenerator(at(0.8801), { pointsPerSide: 1 }).generate(IMAGE)).length, 1);
  // predIouThresh 0 turns the filter off: every candidate goes on (the empty tokens then fail stability).
  const g = new SamAutomaticMaskGenerator(at(0.5), { pointsPerSide: 2, predIouThresh: 0 });
  assert.equal((await g.generate(IMAGE)).length, 4);
  assert.equal(g.lastStats!.passedIou, 12);
  assert.equal(g.lastStats!.passedStability, 4);
});

test('stability filter: a shallow logit slope is unstable and dropped; an empty mask never passes', async () => {
  const model = fakeModel([
    { shape: disk(10, 0.15), iou: 0.99 }, // +-1 thresholds move the border by ~7 px: low stability
    { shape: everywhere(-20), iou: 0.99 }, // empty: 0/0
    { shape: disk(14, 40), iou: 0.97 },
  ]);
  const gen = new SamAutomaticMaskGenerator(model, { pointsPerSide: 1, outputMode: 'uncompressed_rle' });
  const recs = await gen.generate(IMAGE);
  assert.equal(recs.length, 1);
  assert.equal(recs[0].predicted_iou, Math.fround(0.97));
  assert.equal(gen.lastStats!.passedIou, 3);
  assert.equal(gen.lastStats!.passedStability, 1);
  // With the stability filter off the shallow disk comes back, with its (low) score.
  const all = await new SamAutomaticMaskGenerator(model, { pointsPerSide: 1, stabilityScoreThresh: 0, boxNmsThresh: 1 }).generate(IMAGE);
  assert.ok(all.some((r) => r.stability_score < 0.8));
});

test('box NMS keeps the highest predicted IoU among duplicates, ties to the first point', async () => {
  // Every point yields the same central blob; the IoU grows with x, then ties for the last column.
  const model = fakeModel([{ shape: (_cx, _cy, x, y) => 40 * (12 - Math.hypot(x - 32, y - 24)), iou: (cx) => Math.fround(0.9 + Math.min(cx, 40) / 1000) }]);
  const recs = await new SamAutomaticMaskGenerator(model, { pointsPerSide: 4 }).generate(IMAGE);
  assert.equal(recs.length, 1);
  // Grid x positions 5, 15, 25, 35 px (input 8, 24, 40, 56): the points at x = 25 and 35 both score 0.94;
  // the first of them in grid order (row 0) wins.
  assert.deepEqual(recs[0].point_coords, [[25, 3.75]]);
  assert.ok(recs[0].segmentation instanceof Mask);
});

test('no mask passing the filters gives []', async () => {
  const gen = new SamAutomaticMaskGenerator(fakeModel([{ shape: everywhere(-5), iou: 0.99 }]), { pointsPerSide: 3 });
  assert.deepEqual(await gen.generate(IMAGE), []);
  assert.equal(gen.lastStats!.candidates, 27);
});

test('crops: masks on inner crop edges are dropped, duplicates across crops prefer the smaller crop', async () => {
  // 200 x 150, one crop layer at 512/1500: overlap 51, crops 126 x 101 at x0 in {0, 75}, y0 in {0, 50}.
  const big = { data: new Uint8Array(200 * 150 * 3), width: 200, height: 150 };
  // A full-frame mask touches every crop edge: kept only from the whole image (whose edges are image edges).
  const full = fakeModel([{ shape: everywhere(10), iou: 0.99 }]);
  const recs = await new SamAutomaticMaskGenerator(full, { pointsPerSide: 1, cropNLayers: 1, outputMode: 'uncompressed_rle' }).generate(big);
  assert.equal(full.encodes, 5);
  assert.equal(recs.length, 1);
  assert.deepEqual(recs[0].crop_box, [0, 0, 200, 150]);
  assert.deepEqual(recs[0].bbox, [0, 0, 199, 149]);

  // A small disk around each crop's centre point: 5 distinct masks, ordered by crop NMS score
  // 1 / crop area (smallest crop first), the whole image last.
  const small = fakeModel([{ shape: disk(10, 40), iou: 0.99 }]);
  const out = await new SamAutomaticMaskGenerator(small, { pointsPerSide: 1, cropNLayers: 1, outputMode: 'uncompressed_rle' }).generate(big);
  assert.deepEqual(out.map((r) => r.crop_box), [[75, 50, 125, 100], [0, 50, 126, 100], [75, 0, 125, 101], [0, 0, 126, 101], [0, 0, 200, 150]]);
  assert.deepEqual(out.map((r) => r.point_coords[0]), [[137.5, 100], [63, 100], [137.5, 50.5], [63, 50.5], [100, 75]]);

});

test('minMaskRegionArea removes small islands, keeps the unedited scores, recomputes area and bbox', async () => {
  // A big disk plus a tiny far blob.
  const shape: Shape = (_cx, _cy, x, y) => Math.max(40 * (12 - Math.hypot(x - 20, y - 24)), 40 * (2.5 - Math.hypot(x - 54, y - 8)));
  const model = fakeModel([{ shape, iou: 0.99 }]);
  const plain = await new SamAutomaticMaskGenerator(model, { pointsPerSide: 1, outputMode: 'uncompressed_rle' }).generate(IMAGE);
  const cleaned = await new SamAutomaticMaskGenerator(model, { pointsPerSide: 1, minMaskRegionArea: 20, outputMode: 'uncompressed_rle' }).generate(IMAGE);
  assert.equal(plain.length, 1);
  assert.equal(cleaned.length, 1);
  assert.ok(cleaned[0].area < plain[0].area, `${cleaned[0].area} < ${plain[0].area}`);
  assert.equal(cleaned[0].predicted_iou, plain[0].predicted_iou);
  assert.equal(cleaned[0].stability_score, plain[0].stability_score);
  const m = rleToMask(cleaned[0].segmentation);
  assert.deepEqual(cleaned[0].bbox, m.bbox);
  assert.ok(plain[0].bbox[2] > cleaned[0].bbox[2]);
});

test('output modes: binary_mask gives Mask, coco_rle gives pycocotools strings of the same mask', async () => {
  const model = fakeModel([{ shape: disk(10), iou: 0.95 }]);
  const [bin] = await new SamAutomaticMaskGenerator(model, { pointsPerSide: 1 }).generate(IMAGE);
  const [coco] = await new SamAutomaticMaskGenerator(model, { pointsPerSide: 1, outputMode: 'coco_rle' }).generate(IMAGE);
  assert.ok(bin.segmentation instanceof Mask);
  const c = coco.segmentation as CompressedRle;
  assert.equal(typeof c.counts, 'string');
  assert.deepEqual(rleToMask(c).data, bin.segmentation.data);
});

test('options are validated before any work', () => {
  const model = fakeModel([]);
  assert.throws(() => new SamAutomaticMaskGenerator(model, { pointsPerSide: 0 }), InvalidOptionError);
  assert.throws(() => new SamAutomaticMaskGenerator(model, { outputMode: 'mask' as 'binary_mask' }), InvalidOptionError);
  assert.equal(model.encodes, 0);
});

test('crop layers too deep for the image are rejected before any work', async () => {
  const model = fakeModel([{ shape: disk(10), iou: 0.99 }]);
  const gen = new SamAutomaticMaskGenerator(model, { pointsPerSide: 8, cropNLayers: 3 });
  await assert.rejects(gen.generate({ data: new Uint8Array(3 * 3 * 3), width: 3, height: 3 }), (err: unknown) => err instanceof InvalidOptionError && /cropNLayers 3 is too deep for a 3x3 image/.test(err.message));
  assert.equal(model.encodes, 0);
});

test('progress reports batches and crops; an abort signal stops the run', async () => {
  const model = fakeModel([{ shape: disk(6, 40), iou: 0.99 }]);
  const seen: AmgProgress[] = [];
  const gen = new SamAutomaticMaskGenerator(model, { pointsPerSide: 4, pointsPerBatch: 5, cropNLayers: 1 });
  await gen.generate(IMAGE, { onProgress: (p) => seen.push(p) });
  // 16 points per crop in batches of 5 -> 4 batches per crop, 5 crops.
  assert.equal(seen[0].batchesTotal, 20);
  assert.deepEqual(seen.at(-1), { cropsDone: 5, cropsTotal: 5, batchesDone: 20, batchesTotal: 20 });
  assert.ok(seen.every((p, i) => i === 0 || p.batchesDone >= seen[i - 1].batchesDone));

  const controller = new AbortController();
  controller.abort();
  await assert.rejects(gen.generate(IMAGE, { signal: controller.signal }), { name: 'AbortError' });
  const later = new AbortController();
  const before = model.decodes;
  await assert.rejects(gen.generate(IMAGE, { signal: later.signal, onProgress: (p) => { if (p.batchesDone === 2) later.abort(); } }), { name: 'AbortError' });
  assert.ok(model.decodes - before < 20);
});
