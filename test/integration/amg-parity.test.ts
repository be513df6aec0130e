/**
 * SamAutomaticMaskGenerator against the official generator's records (same weights) on reference
 * images, with the bars of ../shared/checks/amg-parity.mjs: recall at IoU 0.9 >= 0.97, share of
 * generated records matching no reference <= 0.05, score differences <= 0.01. One image per config
 * (default, pps16_crop1, minarea100), chosen small to keep the file at a few minutes on 2 cores.
 */
import { before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { SamAutomaticMaskGenerator, type AmgRecord } from '../../src/amg/generator.js';
import type { AmgOptions } from '../../src/amg/options.js';
import type { UncompressedRle } from '../../src/core/rle.js';
import { SamModel } from '../../src/model/sam-model.js';
import { HAS_REFERENCE, NO_REFERENCE_MESSAGE, readFixture, referenceImage } from '../helpers/reference.js';

const RECALL_MIN = 0.97, EXTRA_MAX = 0.05, SCORE_MAX = 0.01;
const IMAGES = (process.env.AMG_PARITY_IMAGES ?? 'dog').split(',');

interface RefRecord { segmentation: UncompressedRle; predicted_iou: number; stability_score: number; crop_box: number[]; bbox: number[] }
interface Fixture {
  params: {
    points_per_side: number; points_per_batch: number; pred_iou_thresh: number; stability_score_thresh: number; stability_score_offset: number;
    box_nms_thresh: number; crop_n_layers: number; crop_nms_thresh: number; crop_overlap_ratio: number; crop_n_points_downscale_factor: number;
    min_mask_region_area: number;
  };
  records: RefRecord[];
}

/** Column-major 0/1 pixels of an uncompressed RLE, and its inclusive XYXY box. */
function decode(rle: UncompressedRle): { px: Uint8Array; box: number[] } {
  const [h, w] = rle.size;
  const px = new Uint8Array(h * w);
  let pos = 0, v = 0;
  for (const c of rle.counts) { if (v) px.fill(1, pos, pos + c); pos += c; v ^= 1; }
  assert.equal(pos, h * w, 'RLE counts must sum to h * w');
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let x = 0; x < w; x++) for (let y = 0; y < h; y++) if (px[x * h + y]) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  return { px, box: [x0, y0, x1, y1] };
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0, union = 0;
  for (let i = 0; i < a.length; i++) { inter += a[i] & b[i]; union += a[i] | b[i]; }
  return union === 0 ? 1 : inter / union;
}

const overlaps = (a: number[], b: number[]) => a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];

function compare(refs: RefRecord[], gen: AmgRecord[]) {
  const g = gen.map((r) => ({ r, ...decode(r.segmentation as UncompressedRle) }));
  const used = new Set<number>();
  let matched = 0, dmax = 0, iouSum = 0;
  for (const ref of refs) {
    const a = decode(ref.segmentation);
    let best = -1, bi = -1;
    g.forEach((c, i) => { if (!overlaps(a.box, c.box)) return; const v = iou(a.px, c.px); if (v > best) { best = v; bi = i; } });
    if (best >= 0.9) {
      matched++;
      iouSum += best;
      used.add(bi);
      dmax = Math.max(dmax, Math.abs(g[bi].r.predicted_iou - ref.predicted_iou), Math.abs(g[bi].r.stability_score - ref.stability_score));
    }
  }
  return {
    reference: refs.length, generated: gen.length, recall: refs.length ? matched / refs.length : 0,
    extra: gen.length ? (gen.length - used.size) / gen.length : 1, maxScoreDiff: dmax, meanMatchedIou: matched ? iouSum / matched : 0,
  };
}

function optionsOf(p: Fixture['params']): AmgOptions {
  return {
    pointsPerSide: p.points_per_side, pointsPerBatch: p.points_per_batch, predIouThresh: p.pred_iou_thresh,
    stabilityScoreThresh: p.stability_score_thresh, stabilityScoreOffset: p.stability_score_offset, boxNmsThresh: p.box_nms_thresh,
    cropNLayers: p.crop_n_layers, cropNmsThresh: p.crop_nms_thresh, cropOverlapRatio: p.crop_overlap_ratio,
    cropNPointsDownscaleFactor: p.crop_n_points_downscale_factor, minMaskRegionArea: p.min_mask_region_area,
  };
}

let model: SamModel;
before(async () => { if (HAS_REFERENCE) model = await SamModel.load(); });

async function parity(t: TestContext, image: string, config: string): Promise<void> {
  if (!HAS_REFERENCE) { t.skip(NO_REFERENCE_MESSAGE); return; }
  const fx = readFixture<Fixture>(`amg_${image}_${config}.json`);
  const gen = new SamAutomaticMaskGenerator(model, { ...optionsOf(fx.params), outputMode: 'uncompressed_rle' });
  const t0 = performance.now();
  const records = await gen.generate(referenceImage(image));
  const seconds = (performance.now() - t0) / 1000;
  const f = compare(fx.records, records);
  const line = `amg ${image}/${config}: ${f.reference} reference, ${f.generated} generated, recall@0.9 ${f.recall.toFixed(3)}, `
    + `unmatched generated ${f.extra.toFixed(3)}, max |dscore| ${f.maxScoreDiff.toFixed(4)}, mean matched IoU ${f.meanMatchedIou.toFixed(4)}, ${seconds.toFixed(1)} s`;
  t.diagnostic(line);
  assert.ok(f.recall >= RECALL_MIN, line);
  assert.ok(f.extra <= EXTRA_MAX, line);
  assert.ok(f.maxScoreDiff <= SCORE_MAX, line);
  // Crop boxes come from integer arithmetic: every record's crop box must be one the reference uses or the image.
  const cropKeys = new Set(fx.records.map((r) => r.crop_box.join(',')));
  const [h, w] = fx.records[0]?.segmentation.size ?? [0, 0];
  cropKeys.add(`0,0,${w},${h}`);
  for (const r of records) assert.ok(cropKeys.has(r.crop_box.join(',')), `unexpected crop box ${r.crop_box}`);
}

for (const image of IMAGES) {
  test(`automatic mask generator matches the official one: ${image}, default`, (t) => parity(t, image, 'default'));
  test(`automatic mask generator matches the official one: ${image}, pps16_crop1 (points_per_side 16, one crop layer)`, (t) => parity(t, image, 'pps16_crop1'));
  test(`automatic mask generator matches the official one: ${image}, minarea100 (min_mask_region_area 100)`, (t) => parity(t, image, 'minarea100'));
}
