import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paintMask } from '../../web/src/paint.js';

/** The per-pixel definition: a set pixel is outline when on the display border or next to an unset one. */
function reference(mask: Uint8Array, w: number, h: number, rgb: [number, number, number], alpha: number): { x: number; y: number; w: number; h: number; rgba: Uint8ClampedArray; area: number } {
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (mask[y * w + x]) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  if (x1 < 0) return { x: 0, y: 0, w: 0, h: 0, rgba: new Uint8ClampedArray(0), area: 0 };
  const cw = x1 - x0 + 1, ch = y1 - y0 + 1;
  const out = new Uint8ClampedArray(cw * ch * 4);
  let area = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const i = y * w + x;
      if (!mask[i]) continue;
      area++;
      const edge = x === 0 || y === 0 || x === w - 1 || y === h - 1 || !mask[i - 1] || !mask[i + 1] || !mask[i - w] || !mask[i + w];
      out.set([...rgb, edge ? 255 : Math.round(alpha * 255)], ((y - y0) * cw + x - x0) * 4);
    }
  }
  return { x: x0, y: y0, w: cw, h: ch, rgba: out, area };
}

test('paintMask paints the fill and the outline of the per-pixel definition, over the bounding box', () => {
  let seed = 7;
  const rand = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
  const sizes: Array<[number, number]> = [[1, 1], [1, 9], [9, 1], [37, 23], [64, 64], [130, 77]];
  let cases = 0;
  for (const [w, h] of sizes) {
    for (let k = 0; k < 12; k++) {
      // Discs (some touching the border), noise, a full mask and an empty one.
      const mask = new Uint8Array(w * h);
      if (k === 0) mask.fill(1);
      else if (k === 1) { /* empty */ } else if (k < 6) {
        for (let i = 0; i < mask.length; i++) mask[i] = rand() < 0.3 + 0.1 * k ? 1 : 0;
      } else {
        const cx = rand() * w, cy = rand() * h, rad = 1 + rand() * Math.max(w, h) * 0.6;
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) mask[y * w + x] = (x - cx) ** 2 + (y - cy) ** 2 <= rad * rad ? 1 : 0;
      }
      const got = paintMask(mask, w, h, [30, 144, 255], 0.45);
      const want = reference(mask, w, h, [30, 144, 255], 0.45);
      assert.deepEqual([got.x, got.y, got.w, got.h, got.area], [want.x, want.y, want.w, want.h, want.area], `${w}x${h} case ${k}`);
      assert.ok(Buffer.from(got.rgba.buffer).equals(Buffer.from(want.rgba.buffer)), `${w}x${h} case ${k}: pixels differ`);
      assert.equal(got.displayWidth, w);
      cases++;
    }
  }
  assert.equal(cases, sizes.length * 12);
});
