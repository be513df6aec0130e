import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { Mask } from '../../src/core/mask.js';
import { maskToCocoRle, maskToRle } from '../../src/core/rle.js';
import { labelImagePng, maskToPng } from '../../src/postprocess/png.js';
import { labelColor, labelMap, labelsToRgb, maskToGray } from '../../src/render/label-image.js';
import { overlayMasks } from '../../src/render/overlay.js';

function rect(w: number, h: number, x0: number, y0: number, x1: number, y1: number): Mask {
  const m = new Mask(w, h);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m.data[y * w + x] = 1;
  return m;
}

test('labelMap: largest first so smaller masks stay on top; input order on request; RLE paints like Mask', () => {
  const big = rect(6, 4, 0, 0, 6, 4);
  const small = rect(6, 4, 1, 1, 3, 3);
  const byArea = labelMap([small, big], 6, 4);
  assert.equal(byArea[0], 2);
  assert.equal(byArea[1 * 6 + 1], 1);
  const input = labelMap([small, big], 6, 4, { order: 'input' });
  assert.equal(input[1 * 6 + 1], 2);
  assert.deepEqual(labelMap([maskToRle(small), maskToCocoRle(big)], 6, 4), byArea);
  assert.throws(() => labelMap([new Mask(2, 2)], 6, 4), RangeError);
});

test('labelsToRgb: background black, one colour per label', () => {
  const labels = Uint32Array.from([0, 1, 2, 1]);
  const rgb = labelsToRgb(labels, 2, 2);
  assert.deepEqual(Array.from(rgb.subarray(0, 3)), [0, 0, 0]);
  assert.deepEqual(Array.from(rgb.subarray(3, 6)), labelColor(1));
  assert.deepEqual(Array.from(rgb.subarray(9, 12)), labelColor(1));
  assert.notDeepEqual(labelColor(1), labelColor(2));
  assert.deepEqual(Array.from(labelsToRgb(labels, 2, 2, { colors: [[1, 2, 3]] }).subarray(6, 9)), [1, 2, 3]);
  const colours = new Set(Array.from({ length: 50 }, (_, k) => labelColor(k + 1).join(',')));
  assert.equal(colours.size, 50);
});

test('PNG export: one mask as greyscale, all masks as a colour label image', async () => {
  const a = rect(5, 3, 0, 0, 2, 3);
  const b = rect(5, 3, 3, 1, 5, 2);
  // encodePng currently stores 1-channel input as RGB; compare as greyscale either way.
  const grey = await sharp(await maskToPng(maskToRle(a))).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([grey.info.width, grey.info.height], [5, 3]);
  assert.deepEqual(Array.from(grey.data), Array.from(maskToGray(a)));
  const png = await labelImagePng([a, b], 5, 3);
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [5, 3, 3]);
  const at = (x: number, y: number) => Array.from(data.subarray((y * 5 + x) * 3, (y * 5 + x) * 3 + 3));
  assert.deepEqual(at(0, 0), labelColor(1));
  assert.deepEqual(at(4, 1), labelColor(2));
  assert.deepEqual(at(2, 1), [0, 0, 0]);
});

test('overlayMasks accepts RLE as well as Mask and keeps its original behaviour', () => {
  const rgb = new Uint8Array(4 * 4 * 3).fill(100);
  const m = rect(4, 4, 1, 1, 3, 3);
  const fromMask = overlayMasks(rgb, 4, 4, [m]);
  assert.deepEqual(overlayMasks(rgb, 4, 4, [maskToRle(m)]), fromMask);
  assert.deepEqual(overlayMasks(rgb, 4, 4, [maskToCocoRle(m)]), fromMask);
  assert.deepEqual(Array.from(fromMask.subarray(0, 3)), [100, 100, 100]);
  // Outline pixels take the full colour.
  assert.deepEqual(Array.from(fromMask.subarray((1 * 4 + 1) * 3, (1 * 4 + 1) * 3 + 3)), [30, 144, 255]);
  // 'area' order draws the small mask last.
  const big = rect(4, 4, 0, 0, 4, 4);
  const small = rect(4, 4, 1, 1, 2, 2);
  const out = overlayMasks(rgb, 4, 4, [small, big], { order: 'area', alpha: 1 });
  assert.deepEqual(Array.from(out.subarray((1 * 4 + 1) * 3, (1 * 4 + 1) * 3 + 3)), [30, 144, 255]);
});
