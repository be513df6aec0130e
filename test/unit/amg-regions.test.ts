import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanMaskRle, removeSmallRegionsRle } from '../../src/amg/regions.js';
import { rleCountsArea, rleCountsBox } from '../../src/core/rle.js';
import { alignedStride, CropRleEncoder } from '../../src/amg/rle-build.js';
import { Mask } from '../../src/core/mask.js';
import { maskToRle, rleToMask } from '../../src/core/rle.js';
import { lcg, maskFromRows } from '../helpers/fixtures.js';

function toRows(m: Mask): string[] {
  const rows: string[] = [];
  for (let y = 0; y < m.height; y++) { let s = ''; for (let x = 0; x < m.width; x++) s += m.data[y * m.width + x] ? '#' : '.'; rows.push(s); }
  return rows;
}

/**
 * Independent oracle: the official remove_small_regions with a plain 8-connected flood fill standing in
 * for cv2.connectedComponentsWithStats (labels in raster order of the first pixel).
 */
function oracle(mask: Mask, thresh: number, mode: 'holes' | 'islands'): { mask: Mask; changed: boolean } {
  const { width: w, height: h } = mask;
  const working = mask.data.map((v) => (mode === 'holes' ? 1 - v : v));
  const labels = new Int32Array(w * h);
  const sizes: number[] = [0];
  for (let s = 0; s < w * h; s++) {
    if (!working[s] || labels[s]) continue;
    const label = sizes.length;
    let size = 0;
    const stack = [s];
    labels[s] = label;
    while (stack.length) {
      const i = stack.pop()!;
      size++;
      const x = i % w, y = (i - x) / w;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx, ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
        const j = ny * w + nx;
        if (working[j] && !labels[j]) { labels[j] = label; stack.push(j); }
      }
    }
    sizes.push(size);
  }
  const small = sizes.map((s, i) => i > 0 && s < thresh);
  if (!small.some(Boolean)) return { mask, changed: false };
  let fill = new Set<number>([0, ...small.flatMap((v, i) => (v ? [i] : []))]);
  if (mode === 'islands') {
    const big = sizes.map((_, i) => i).filter((i) => !fill.has(i));
    fill = new Set(big.length ? big : [1 + sizes.slice(1).indexOf(Math.max(...sizes.slice(1)))]);
  }
  const out = new Mask(w, h);
  for (let i = 0; i < w * h; i++) out.data[i] = fill.has(labels[i]) ? 1 : 0;
  return { mask: out, changed: true };
}

function run(mask: Mask, thresh: number, mode: 'holes' | 'islands'): { mask: Mask; changed: boolean } {
  const r = removeSmallRegionsRle(maskToRle(mask).counts, mask.height, mask.width, thresh, mode);
  return { mask: rleToMask({ size: [mask.height, mask.width], counts: Array.from(r.counts) }), changed: r.changed };
}

test('removeSmallRegionsRle: holes are filled, including background regions touching the border', () => {
  const m = maskFromRows([
    '.######',
    '#######',
    '###.###',
    '#######',
    '####...',
  ]);
  const r = run(m, 2, 'holes');
  assert.equal(r.changed, true);
  // The single-pixel hole and the corner pixel (a border background region of 1) are filled; the
  // 3-pixel border region stays.
  assert.deepEqual(toRows(r.mask), ['#######', '#######', '#######', '#######', '####...']);
  const none = run(m, 1, 'holes');
  assert.equal(none.changed, false);
  assert.deepEqual(toRows(none.mask), toRows(m));
});

test('removeSmallRegionsRle: islands use 8-connectivity; when all are small the largest (first in scan order on ties) stays', () => {
  const m = maskFromRows([
    '#.....#',
    '.#....#',
    '.......',
    '..##...',
    '..##...',
  ]);
  // Diagonal pair = one island of 2, vertical pair = 2, block = 4.
  assert.deepEqual(toRows(run(m, 3, 'islands').mask), ['.......', '.......', '.......', '..##...', '..##...']);
  const tie = maskFromRows(['#.#', '#.#']);
  const r = run(tie, 10, 'islands');
  assert.equal(r.changed, true);
  assert.deepEqual(toRows(r.mask), ['#..', '#..']);
  // A single small island is reported as changed even though it is kept (as the official code does).
  const single = run(maskFromRows(['...', '.#.', '...']), 5, 'islands');
  assert.equal(single.changed, true);
  assert.deepEqual(toRows(single.mask), ['...', '.#.', '...']);
  // Empty mask: nothing to do.
  assert.equal(run(maskFromRows(['...', '...']), 5, 'islands').changed, false);
});

test('removeSmallRegionsRle matches an 8-connected flood-fill oracle on random masks', () => {
  const rnd = lcg(42);
  for (let trial = 0; trial < 400; trial++) {
    const w = 1 + Math.floor(rnd() * 24), h = 1 + Math.floor(rnd() * 24);
    const m = new Mask(w, h);
    const density = 0.2 + rnd() * 0.6;
    for (let i = 0; i < w * h; i++) m.data[i] = rnd() < density ? 1 : 0;
    const thresh = 1 + Math.floor(rnd() * 12);
    for (const mode of ['holes', 'islands'] as const) {
      const want = oracle(m, thresh, mode);
      const got = run(m, thresh, mode);
      assert.equal(got.changed, want.changed, `trial ${trial} ${mode}`);
      assert.deepEqual(toRows(got.mask), toRows(want.mask), `trial ${trial} ${mode} ${w}x${h} thresh ${thresh}`);
    }
  }
});

test('cleanMaskRle fills holes first, then removes islands', () => {
  const m = maskFromRows([
    '#####.....',
    '#.###.....',
    '#####...#.',
    '..........',
  ]);
  const r = cleanMaskRle(maskToRle(m).counts, m.height, m.width, 2);
  assert.equal(r.changed, true);
  assert.deepEqual(toRows(rleToMask({ size: [4, 10], counts: Array.from(r.counts) })), [
    '#####.....', '#####.....', '#####.....', '..........',
  ]);
});

test('rleCountsBox / rleCountsArea agree with the mask', () => {
  const rnd = lcg(5);
  for (let trial = 0; trial < 200; trial++) {
    const w = 1 + Math.floor(rnd() * 15), h = 1 + Math.floor(rnd() * 15);
    const m = new Mask(w, h);
    const density = rnd() * 0.3;
    for (let i = 0; i < w * h; i++) m.data[i] = rnd() < density ? 1 : 0;
    const counts = maskToRle(m).counts;
    const [x, y, bw, bh] = m.bbox;
    const box = rleCountsBox(counts, h);
    assert.deepEqual(box, m.area ? [x, y, x + bw, y + bh] : [0, 0, 0, 0]);
    assert.equal(rleCountsArea(counts), m.area);
  }
});

test('CropRleEncoder equals maskToRle of the crop mask padded into the image', () => {
  const rnd = lcg(11);
  const encoder = new CropRleEncoder();
  for (let trial = 0; trial < 600; trial++) {
    const W = 1 + Math.floor(rnd() * 20), H = 1 + Math.floor(rnd() * 20);
    const full = rnd() < 0.3;
    const ox = full ? 0 : Math.floor(rnd() * W), oy = full ? 0 : Math.floor(rnd() * H);
    const cw = full ? W : 1 + Math.floor(rnd() * (W - ox)), ch = full ? H : 1 + Math.floor(rnd() * (H - oy));
    const stride = alignedStride(cw);
    const crop = new Uint8Array(stride * ch);
    const density = [0, 0.1, 0.5, 0.95, 1][Math.floor(rnd() * 5)];
    let x0 = cw, y0 = ch, x1 = -1, y1 = -1;
    for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) {
      if (rnd() >= density) continue;
      crop[y * stride + x] = 1;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
    const empty = x1 < 0;
    const got = Array.from(encoder.encode(crop, stride, empty ? [0, 0, 0, 0] : [x0, y0, x1, y1], empty, ox, oy, W, H));
    const image = new Mask(W, H);
    for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) image.data[(y + oy) * W + x + ox] = crop[y * stride + x];
    assert.deepEqual(got, maskToRle(image).counts, `trial ${trial}: ${cw}x${ch} at (${ox}, ${oy}) in ${W}x${H}`);
  }
  // Runs crossing from the bottom of one column to the top of the next stay one run.
  const stride = alignedStride(2);
  const both = Uint8Array.from([0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0]);
  assert.deepEqual(Array.from(encoder.encode(both, stride, [0, 0, 1, 2], false, 0, 0, 2, 3)), [2, 3, 1]);
  assert.throws(() => encoder.encode(new Uint8Array(6), 3, [0, 0, 0, 0], false, 0, 0, 3, 2), RangeError);
});
