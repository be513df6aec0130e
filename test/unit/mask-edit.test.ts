import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { Mask } from '../../src/core/mask.js';
import { strokePath, strokeSegment } from '../../src/core/mask-edit.js';
import { maskToCocoRle, maskToRle, rleArea, rleToBbox, rleToMask } from '../../src/core/rle.js';
import { MAX_OBJECT_POINTS as SERVER_MAX_POINTS, validateDoc } from '../../src/server/annotations.js';
import type { AnnotationObject, ImageInfo } from '../../src/server/protocol.js';
import {
  logitsOf, MAX_OBJECT_POINTS, moveObject, objectAt, refinePrompt, rememberLogits, removeObject, replaceObject, runsContain, withEditedMask,
} from '../../web/src/object-edits.js';
import { onSelectionChange, select, selected } from '../../web/src/selection.js';
import { maskFromRows, mulberry32 } from '../helpers/fixtures.js';

const rows = (m: Mask): string[] => Array.from({ length: m.height }, (_, y) => Array.from({ length: m.width }, (_, x) => (m.get(x, y) ? '#' : '.')).join(''));

/** The definition, pixel by pixel: centre within r of the segment (brute force over the whole mask). */
function referenceStroke(w: number, h: number, ax: number, ay: number, bx: number, by: number, r: number): Mask {
  const m = new Mask(w, h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const cx = x + 0.5, cy = y + 0.5;
    const dx = bx - ax, dy = by - ay;
    const l2 = dx * dx + dy * dy;
    const t = l2 ? Math.max(0, Math.min(1, ((cx - ax) * dx + (cy - ay) * dy) / l2)) : 0;
    if (Math.hypot(cx - ax - t * dx, cy - ay - t * dy) <= r) m.data[y * w + x] = 1;
  }
  return m;
}

test('a dab covers the pixels whose centres are within the radius, in image coordinates', () => {
  const m = new Mask(7, 7);
  const r = strokeSegment(m, { x: 3.5, y: 3.5 }, { x: 3.5, y: 3.5 }, 1, 1);
  assert.deepEqual(rows(m), ['.......', '.......', '...#...', '..###..', '...#...', '.......', '.......']);
  assert.equal(r.delta, 5);
  assert.equal(m.area, 5);
  assert.deepEqual(m.bbox, [2, 2, 2, 2]);
  // A point on a pixel corner: the four pixels around it.
  const c = new Mask(4, 4);
  strokeSegment(c, { x: 2, y: 2 }, { x: 2, y: 2 }, 0.75, 1);
  assert.deepEqual(rows(c), ['....', '.##.', '.##.', '....']);
});

test('a 1-pixel brush paints exactly the pixel under the pointer, and fast diagonal strokes leave no gaps', () => {
  const m = new Mask(5, 5);
  assert.equal(strokeSegment(m, { x: 2.2, y: 3.9 }, { x: 2.2, y: 3.9 }, 0.5, 1).delta, 1);
  assert.deepEqual(rows(m), ['.....', '.....', '.....', '..#..', '.....']);
  // A thin shallow line between pixel centres: one 8-connected chain through every column.
  const d = new Mask(12, 6);
  strokeSegment(d, { x: 0.2, y: 0.9 }, { x: 11.8, y: 4.1 }, 0.3, 1);
  let prev: number[] = [];
  for (let x = 0; x < 12; x++) {
    const ys = [0, 1, 2, 3, 4, 5].filter((y) => d.get(x, y));
    assert.ok(ys.length > 0, `column ${x} is painted`);
    if (prev.length) assert.ok(ys.some((y) => prev.some((p) => Math.abs(p - y) <= 1)), `column ${x} touches column ${x - 1}`);
    prev = ys;
  }
});

test('strokes match the brute-force definition on random segments and radii (brush and eraser)', () => {
  const rand = mulberry32(7);
  for (let k = 0; k < 60; k++) {
    const w = 20 + Math.floor(rand() * 30), h = 15 + Math.floor(rand() * 30);
    const ax = rand() * w * 1.2 - 0.1 * w, ay = rand() * h * 1.2 - 0.1 * h;
    const bx = rand() * w, by = rand() * h;
    const radius = 0.8 + rand() * 8;
    const ref = referenceStroke(w, h, ax, ay, bx, by, radius);
    const m = new Mask(w, h);
    const res = strokeSegment(m, { x: ax, y: ay }, { x: bx, y: by }, radius, 1);
    // The sampled line pixels are extra only where the capsule is thinner than a pixel: never here.
    assert.deepEqual(rows(m), rows(ref), `case ${k}`);
    assert.equal(res.delta, ref.area);
    // Erasing the same stroke from a full mask clears exactly those pixels.
    const full = new Mask(w, h, new Uint8Array(w * h).fill(1));
    const er = strokeSegment(full, { x: ax, y: ay }, { x: bx, y: by }, radius, 0);
    assert.equal(er.delta, -ref.area);
    for (let i = 0; i < w * h; i++) assert.equal(full.data[i], 1 - ref.data[i]);
  }
});

test('strokes are clipped to the mask and report the region they touched', () => {
  const m = new Mask(10, 8);
  const r = strokeSegment(m, { x: -3, y: 4 }, { x: 2, y: 4 }, 2, 1);
  assert.deepEqual(r.rect, { x: 0, y: 2, width: 5, height: 5 });
  assert.equal(strokeSegment(m, { x: 30, y: 30 }, { x: 40, y: 40 }, 2, 1).rect, null);
  assert.throws(() => strokeSegment(m, { x: 1, y: 1 }, { x: 2, y: 2 }, 0, 1), InvalidArgumentError);
  assert.throws(() => strokeSegment(m, { x: Number.NaN, y: 1 }, { x: 2, y: 2 }, 1, 1), InvalidArgumentError);
  const p = new Mask(10, 8);
  const pr = strokePath(p, [{ x: 1, y: 1 }, { x: 8, y: 1 }, { x: 8, y: 6 }], 0.5, 1);
  assert.equal(pr.delta, p.area);
  assert.equal(p.get(8, 6), 1);
  assert.equal(p.get(4, 1), 1);
  assert.deepEqual(pr.rect, { x: 0, y: 0, width: 10, height: 8 });
});

const IMAGE: ImageInfo = { id: 'a'.repeat(64), name: 'x.png', width: 40, height: 30 } as ImageInfo;

function object(mask: Mask, id = 'obj-1'): AnnotationObject {
  const rle = maskToCocoRle(mask);
  return {
    id, label: 'dog', segmentation: { size: rle.size, counts: rle.counts }, area: mask.area, bbox: mask.bbox,
    predictedIou: 0.9, stabilityScore: 0.95, pointCoords: [[10, 10]], pointLabels: [1], box: null, cropBox: [0, 0, 20, 30],
    source: 'click', visible: true, createdAt: '2026-01-01T00:00:00.000Z',
  };
}

test('an edited mask round-trips through RLE with its area and bbox updated, and the server accepts it', () => {
  const mask = new Mask(40, 30);
  strokeSegment(mask, { x: 5, y: 5 }, { x: 30, y: 20 }, 4, 1);
  const before = object(mask);
  const edited = new Mask(40, 30, mask.data.slice());
  const er = strokeSegment(edited, { x: 31, y: 0 }, { x: 31, y: 30 }, 6, 0);
  assert.ok(er.delta < 0);
  const after = withEditedMask(before, edited);
  assert.equal(after.id, before.id);
  assert.equal(after.area, before.area + er.delta);
  assert.deepEqual(after.bbox, edited.bbox);
  assert.ok(after.bbox[2] < before.bbox[2], 'erasing the right end narrows the box');
  assert.deepEqual(rleToMask(after.segmentation).data, edited.data);
  assert.equal(rleArea(after.segmentation), after.area);
  assert.deepEqual(rleToBbox(after.segmentation), after.bbox);
  assert.equal(after.predictedIou, null);
  assert.equal(after.stabilityScore, null);
  assert.deepEqual(after.cropBox, [0, 0, 40, 30]);
  assert.equal(before.area, mask.area, 'the old object is left as it was (history keeps it)');
  const doc = validateDoc({ objects: [after] }, IMAGE);
  assert.equal(doc.objects[0].area, after.area);
  assert.deepEqual(doc.objects[0].bbox, after.bbox);
  assert.equal(doc.objects[0].segmentation.counts, after.segmentation.counts);
});

test('list edits: replace, remove and move return new lists', () => {
  const m = maskFromRows(['##..', '##..']);
  const a = object(m, 'a'), b = object(m, 'b'), c = object(m, 'c');
  const list = [a, b, c];
  assert.deepEqual(moveObject(list, 'a', 2).map((o) => o.id), ['b', 'c', 'a']);
  assert.deepEqual(moveObject(list, 'c', 0).map((o) => o.id), ['c', 'a', 'b']);
  assert.deepEqual(moveObject(list, 'b', 9).map((o) => o.id), ['a', 'c', 'b']);
  assert.deepEqual(moveObject(list, 'b', -1).map((o) => o.id), ['b', 'a', 'c']);
  assert.deepEqual(list.map((o) => o.id), ['a', 'b', 'c']);
  assert.deepEqual(removeObject(list, 'b').map((o) => o.id), ['a', 'c']);
  const b2 = { ...b, label: 'cat' };
  assert.equal(replaceObject(list, b2)[1].label, 'cat');
  assert.equal(list[1].label, 'dog');
});

test('objectAt finds the smallest visible object under a point from the runs', () => {
  const big = new Mask(40, 30);
  strokeSegment(big, { x: 20, y: 15 }, { x: 20, y: 15 }, 12, 1);
  const small = new Mask(40, 30);
  strokeSegment(small, { x: 22, y: 15 }, { x: 22, y: 15 }, 3, 1);
  const B = object(big, 'big'), S = object(small, 'small');
  assert.equal(objectAt([S, B], 22.4, 15.2)?.id, 'small');
  assert.equal(objectAt([B, S], 22.4, 15.2)?.id, 'small');
  assert.equal(objectAt([B, S], 12.5, 15.5)?.id, 'big');
  assert.equal(objectAt([B, S], 1, 1), null);
  assert.equal(objectAt([B, { ...S, visible: false }], 22.4, 15.2)?.id, 'big');
  // runsContain against the decoded mask at every pixel.
  const counts = maskToRle(small).counts;
  for (let y = 0; y < 30; y++) for (let x = 0; x < 40; x++) assert.equal(runsContain(counts, 30, x, y), small.get(x, y) === 1);
});

test('selection: listeners hear each change once', () => {
  const seen: Array<[string | null, string | null]> = [];
  const off = onSelectionChange((id, prev) => seen.push([id, prev]));
  select('a');
  select('a');
  select('b');
  select(null);
  off();
  select('c');
  assert.deepEqual(seen, [['a', null], ['b', 'a'], [null, 'b']]);
  assert.equal(selected(), 'c');
  select(null);
});

test('refinement prompts: the points of the object plus the new one, logits by object version', () => {
  assert.equal(MAX_OBJECT_POINTS, SERVER_MAX_POINTS, 'the page refuses what the server would');
  const m = maskFromRows(['##..', '##..']);
  const o = { ...object(m), pointCoords: [[1, 1]] as Array<[number, number]>, pointLabels: [1], box: [0, 0, 3, 3] as [number, number, number, number] };
  const p = refinePrompt(o, { point: [3, 0.5, 0] });
  assert.deepEqual(p.points, [1, 1, 3, 0.5]);
  assert.deepEqual(p.labels, [1, 0]);
  assert.deepEqual(p.box, [0, 0, 3, 3]);
  assert.deepEqual(o.pointCoords, [[1, 1]], 'the object is not changed');
  assert.deepEqual(refinePrompt(o, { box: [1, 1, 2, 2] }).box, [1, 1, 2, 2]);
  const lo = new Float32Array(4);
  rememberLogits(o, lo);
  assert.equal(logitsOf(o), lo);
  assert.equal(logitsOf({ ...o }), null, 'a new version has its own logits (or none)');
});
