import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bilinearCoefficients, resizeBilinearPil } from '../../src/core/resize-pil.js';

interface Case { width: number; height: number; outWidth: number; outHeight: number; input: string; expected: string }
// Golden outputs produced by Pillow itself (see the file's `generator` field).
const golden = JSON.parse(readFileSync(new URL('../../../test/fixtures/pil-bilinear.json', import.meta.url), 'utf8')) as { generator: string; cases: Case[] };

test('matches Pillow BILINEAR resize byte for byte (down, up and one-axis)', () => {
  for (const c of golden.cases) {
    const input = new Uint8Array(Buffer.from(c.input, 'base64'));
    const expected = new Uint8Array(Buffer.from(c.expected, 'base64'));
    const got = resizeBilinearPil(input, c.width, c.height, 3, c.outWidth, c.outHeight);
    assert.equal(got.length, expected.length);
    let diff = 0;
    for (let i = 0; i < got.length; i++) if (got[i] !== expected[i]) diff++;
    assert.equal(diff, 0, `${c.width}x${c.height} -> ${c.outWidth}x${c.outHeight}: ${diff} bytes differ`);
  }
});

test('same size returns a copy', () => {
  const src = new Uint8Array([1, 2, 3, 4, 5, 6]);
  const out = resizeBilinearPil(src, 2, 1, 3, 2, 1);
  assert.deepEqual([...out], [...src]);
  assert.notEqual(out, src);
});

test('coefficients widen with the downscale factor and sum to one in fixed point', () => {
  const down = bilinearCoefficients(1000, 100);
  assert.ok(down.taps >= 21, `taps ${down.taps}`);
  for (let o = 0; o < 100; o++) {
    let s = 0;
    for (let k = 0; k < down.count[o]; k++) s += down.weights[o * down.taps + k];
    assert.ok(Math.abs(s - (1 << 22)) <= down.count[o], `output ${o} sums to ${s}`);
  }
  const up = bilinearCoefficients(10, 40);
  assert.equal(up.taps, 3);
});

test('rejects a buffer of the wrong size', () => {
  assert.throws(() => resizeBilinearPil(new Uint8Array(5), 2, 1, 3, 4, 2), /expected 2x1x3/);
});
