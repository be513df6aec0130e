import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Mask } from '../../src/core/mask.js';
import { InvalidArgumentError } from '../../src/core/errors.js';
import {
  compressRle, decompressRle, maskToCocoRle, maskToRle, rleArea, rleToBbox, rleToMask,
  type CompressedRle, type UncompressedRle,
} from '../../src/core/rle.js';
import { maskFromRows, mulberry32 } from '../helpers/fixtures.js';
import { NO_REFERENCE_MESSAGE, REFERENCE_DIR } from '../helpers/reference.js';

/** Straightforward reference: flatten column-major, then count runs starting with a 0-run. */
function naiveRle(m: Mask): number[] {
  const flat: number[] = [];
  for (let x = 0; x < m.width; x++) for (let y = 0; y < m.height; y++) flat.push(m.get(x, y));
  const counts: number[] = [];
  let prev = 0, run = 0;
  for (const v of flat) {
    if (v !== prev) { counts.push(run); run = 0; prev = v; }
    run++;
  }
  counts.push(run);
  return counts;
}

/** Random mask: either i.i.d. noise of a given density, or long runs (closer to real masks). */
function randomMask(rand: () => number, w: number, h: number, kind: 'noise' | 'runs', density: number): Mask {
  const m = new Mask(w, h);
  if (kind === 'noise') {
    for (let i = 0; i < m.data.length; i++) m.data[i] = rand() < density ? 1 : 0;
  } else {
    let v = rand() < 0.5 ? 1 : 0;
    for (let i = 0; i < m.data.length; i++) {
      if (rand() < 0.05) v = 1 - v;
      m.data[i] = v;
    }
  }
  return m;
}

function assertInvalid(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${String(err)}`);
    assert.equal(err.code, 'INVALID_ARGUMENT');
    assert.match(err.message, message);
    return true;
  });
}

test('maskToRle walks pixels in column-major order, starting with a 0-run', () => {
  // Columns top to bottom: (1,1) (0,1) (1,0) -> flat 1 1 0 1 1 0.
  const a = maskFromRows(['101', '110'], '1');
  assert.deepEqual(maskToRle(a), { size: [2, 3], counts: [0, 2, 1, 2, 1] });
  // Row-major order would give [2, 1, 1, 2]; column-major gives 0 0 0 1 1 1.
  const b = maskFromRows(['001', '011'], '1');
  assert.deepEqual(maskToRle(b), { size: [2, 3], counts: [3, 3] });
  // Only the last pixel (bottom-right) set.
  const c = maskFromRows(['000', '001'], '1');
  assert.deepEqual(maskToRle(c), { size: [2, 3], counts: [5, 1] });
  // A tall 3x1 mask: column-major equals row-major here, a check that h and w are not swapped.
  const d = maskFromRows(['0', '1', '1'], '1');
  assert.deepEqual(maskToRle(d), { size: [3, 1], counts: [1, 2] });
});

test('maskToRle edge cases: empty, full, 1x1, zero-sized', () => {
  assert.deepEqual(maskToRle(new Mask(3, 2)), { size: [2, 3], counts: [6] });
  assert.deepEqual(maskToRle(new Mask(3, 2, new Uint8Array(6).fill(1))), { size: [2, 3], counts: [0, 6] });
  assert.deepEqual(maskToRle(new Mask(1, 1, Uint8Array.of(1))), { size: [1, 1], counts: [0, 1] });
  assert.deepEqual(maskToRle(new Mask(1, 1)), { size: [1, 1], counts: [1] });
  assert.deepEqual(maskToRle(new Mask(0, 0)), { size: [0, 0], counts: [0] });
  assert.deepEqual(maskToRle(new Mask(4, 0)), { size: [0, 4], counts: [0] });
  const z = rleToMask({ size: [0, 4], counts: [] });
  assert.equal(z.width, 4);
  assert.equal(z.height, 0);
});

test('rleToMask decodes hand-made examples', () => {
  const m = rleToMask({ size: [2, 3], counts: [0, 2, 1, 2, 1] });
  assert.equal(m.width, 3);
  assert.equal(m.height, 2);
  assert.deepEqual([...m.data], [1, 0, 1, 1, 1, 0]);
  // Zero-length runs in the middle are allowed (pycocotools accepts them).
  const z = rleToMask({ size: [2, 2], counts: [1, 0, 0, 2, 1] });
  assert.deepEqual([...z.data], [0, 1, 1, 0]);
});

test('round trips on random masks of odd sizes', () => {
  const rand = mulberry32(12345);
  const sizes: [number, number][] = [[1, 1], [1, 7], [7, 1], [3, 5], [5, 3], [13, 9], [31, 17], [64, 1], [101, 37], [257, 129]];
  for (const [w, h] of sizes) {
    for (const kind of ['noise', 'runs'] as const) {
      for (const density of [0, 0.02, 0.5, 0.98, 1]) {
        const m = randomMask(rand, w, h, kind, density);
        if (density === 0.5 && m.data.length > 1) m.data[0] = 1; // first pixel set: counts start with 0
        const label = `${w}x${h} ${kind} ${density}`;
        const rle = maskToRle(m);
        assert.deepEqual(rle.size, [h, w], label);
        assert.deepEqual(rle.counts, naiveRle(m), label);
        assert.equal(rle.counts.reduce((s, c) => s + c, 0), w * h, label);
        const back = rleToMask(rle);
        assert.equal(back.width, w, label);
        assert.equal(back.height, h, label);
        assert.deepEqual(back.data, m.data, label);
        assert.equal(rleArea(rle), m.area, label);
        assert.deepEqual(rleToBbox(rle), m.bbox, label);

        const coco = compressRle(rle);
        assert.deepEqual(maskToCocoRle(m), coco, label);
        assert.match(coco.counts, /^[0-o]*$/, label);
        assert.deepEqual(decompressRle(coco), rle, label);
        assert.deepEqual(rleToMask(coco).data, m.data, label);
        assert.equal(rleArea(coco), m.area, label);
        assert.deepEqual(rleToBbox(coco), m.bbox, label);
      }
    }
  }
});

test('maskToRle treats any non-zero byte as set', () => {
  const m = new Mask(2, 2, Uint8Array.of(0, 255, 7, 0));
  assert.deepEqual(maskToRle(m).counts, [1, 2, 1]);
});

test('rleToBbox: runs crossing a column boundary, single pixel, empty', () => {
  // Pixels at flat 2 (x=0, y=2) and 3 (x=1, y=0) of a 3x3 mask.
  const rle: UncompressedRle = { size: [3, 3], counts: [2, 2, 5] };
  assert.deepEqual(rleToBbox(rle), [0, 0, 1, 2]);
  assert.deepEqual(rleToBbox(rle), rleToMask(rle).bbox);
  assert.deepEqual(rleToBbox({ size: [3, 3], counts: [4, 1, 4] }), [1, 1, 0, 0]);
  assert.deepEqual(rleToBbox({ size: [3, 3], counts: [9] }), [0, 0, 0, 0]);
  assert.deepEqual(rleToBbox({ size: [3, 3], counts: [0, 9] }), [0, 0, 2, 2]);
});

// Expected strings were produced by pycocotools' C `rleToString` (common/maskApi.c) on the same counts.
const KNOWN_VECTORS: { size: [number, number]; counts: number[]; str: string }[] = [
  { size: [1, 5], counts: [0, 3, 2], str: '032' },
  // 100 needs two chars; 50 - 100 = -50 is a negative delta of two chars.
  { size: [2, 79], counts: [5, 100, 3, 50], str: '5T33^N' },
  // 4 - 10 = -6: a one-char negative delta.
  { size: [1, 17], counts: [1, 10, 2, 4], str: '1:2J' },
  // Large counts (a 2048x1365 image) and deltas of 16 / -17 around the sign bit.
  { size: [1365, 4096], counts: [0, 2795520, 2795520, 0], str: '0PPZe2PPZe2PPfZM' },
  // A 13x9 mask: a disk plus an anti-diagonal line, first pixel set.
  {
    size: [9, 13],
    counts: [0, 1, 29, 3, 2, 1, 2, 6, 2, 7, 2, 7, 2, 7, 3, 5, 4, 4, 4, 1, 7, 1, 17],
    str: '01m02UON050100001N1O0M30:',
  },
];

test('compressRle matches pycocotools rleToString on known vectors', () => {
  for (const v of KNOWN_VECTORS) {
    const compressed = compressRle({ size: v.size, counts: v.counts });
    assert.deepEqual(compressed, { size: v.size, counts: v.str });
    assert.deepEqual(decompressRle(compressed), { size: v.size, counts: v.counts });
  }
});

test('compressed encoding handles sign-bit edge cases and counts beyond 2^31', () => {
  // Expected strings from pycocotools' C `rleToString`; size chosen so counts sum to h*w.
  const a = [16, 2795520, 0, 17, 0, 0, 2795520, 1];
  const sumA = a.reduce((s, c) => s + c, 0);
  assert.equal(compressRle({ size: [1, sumA], counts: a }).counts, '`0PPZe20aPfZM0_OPPZe21');
  assert.deepEqual(decompressRle({ size: [1, sumA], counts: '`0PPZe20aPfZM0_OPPZe21' }).counts, a);
  const b = [31, 32, 33, 1023, 1024, 1025, 1048576, 4294967295];
  const sumB = b.reduce((s, c) => s + c, 0);
  assert.equal(compressRle({ size: [1, sumB], counts: b }).counts, 'o0P1Q1on0on02PPoo0nonooo3');
  assert.deepEqual(decompressRle({ size: [1, sumB], counts: 'o0P1Q1on0on02PPoo0nonooo3' }).counts, b);
});

test('decodes a compressed string with negative deltas', () => {
  const m = rleToMask({ size: [2, 79], counts: '5T33^N' });
  assert.equal(m.area, 150);
  assert.deepEqual(maskToRle(m).counts, [5, 100, 3, 50]);
  assert.equal(rleArea({ size: [1, 17], counts: '1:2J' }), 14);
  assert.deepEqual(rleToMask({ size: [1, 17], counts: '1:2J' }).data, Uint8Array.from([0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1]));
});

test('validation errors', () => {
  const bad = (rle: unknown): UncompressedRle => rle as UncompressedRle;
  assertInvalid(() => rleToMask(bad(null)), /must be an object/);
  assertInvalid(() => rleToMask(bad({ size: [2], counts: [2] })), /size must be \[h, w\]/);
  assertInvalid(() => rleToMask(bad({ size: [2, -1], counts: [] })), /size must be \[h, w\]/);
  assertInvalid(() => rleToMask(bad({ size: [2, 1.5], counts: [3] })), /size must be \[h, w\]/);
  assertInvalid(() => rleToMask(bad({ size: '2x2', counts: [4] })), /size must be \[h, w\]/);
  assertInvalid(() => rleToMask(bad({ size: [2, 2] })), /counts must be an array/);
  assertInvalid(() => rleToMask({ size: [2, 2], counts: [1, 2] }), /sum to 3, expected h\*w = 2\*2 = 4/);
  assertInvalid(() => rleToMask({ size: [2, 2], counts: [1, 2, 2] }), /sum to 5/);
  assertInvalid(() => rleToMask({ size: [2, 2], counts: [5, -1] }), /non-negative integers.*index 1/);
  assertInvalid(() => rleToMask({ size: [2, 2], counts: [1.5, 2.5] }), /non-negative integers/);
  assertInvalid(() => rleToMask(bad({ size: [2, 2], counts: [1, '3'] })), /non-negative integers/);
  assertInvalid(() => rleArea({ size: [2, 2], counts: [1, 2] }), /sum to 3/);
  assertInvalid(() => compressRle({ size: [2, 2], counts: [1, 2] }), /sum to 3/);
  // Compressed strings: character outside '0'..'o', truncated value, a delta that goes negative.
  const str = (counts: string, size: [number, number] = [1, 5]): CompressedRle => ({ size, counts });
  assertInvalid(() => rleToMask(str('03 2')), /invalid character " " at offset 2/);
  assertInvalid(() => decompressRle(str('03~')), /invalid character "~"/);
  assertInvalid(() => decompressRle(str('03T')), /ends inside a value/);
  assertInvalid(() => decompressRle(str('110N', [1, 1])), /non-negative integers, got -1 at index 3/);
  assertInvalid(() => decompressRle(str('033')), /sum to 6, expected h\*w = 1\*5 = 5/);
});

test('reference fixture: amg_dog_default records decode and re-encode exactly', (t) => {
  const ref = REFERENCE_DIR;
  if (!existsSync(ref)) {
    t.skip(NO_REFERENCE_MESSAGE);
    return;
  }
  type AmgRecord = { segmentation: UncompressedRle; area: number; bbox: [number, number, number, number] };
  const fixture = JSON.parse(readFileSync(join(ref, 'fixtures', 'amg_dog_default.json'), 'utf8')) as {
    image_size: [number, number];
    records: AmgRecord[];
  };
  assert.ok(fixture.records.length > 0);

  const first = fixture.records[0];
  const seg = first.segmentation;
  assert.deepEqual(seg.size, fixture.image_size);
  assert.equal(rleArea(seg), first.area);
  const mask = rleToMask(seg);
  assert.equal(mask.width, seg.size[1]);
  assert.equal(mask.height, seg.size[0]);
  assert.equal(mask.area, first.area);
  assert.deepEqual(maskToRle(mask), seg);
  assert.deepEqual(mask.bbox, first.bbox);
  assert.deepEqual(rleToBbox(seg), first.bbox);

  // Every record, and the compressed form, for a wider check on real masks.
  for (const [i, r] of fixture.records.entries()) {
    const m = rleToMask(r.segmentation);
    assert.equal(rleArea(r.segmentation), r.area, `record ${i}`);
    assert.deepEqual(maskToRle(m), r.segmentation, `record ${i}`);
    assert.deepEqual(m.bbox, r.bbox, `record ${i}`);
    assert.deepEqual(rleToBbox(r.segmentation), r.bbox, `record ${i}`);
    assert.deepEqual(decompressRle(maskToCocoRle(m)), r.segmentation, `record ${i}`);
  }
});
