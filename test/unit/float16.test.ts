import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float16ToFloat32, float32ToFloat16, fromFloat16Bits, toFloat16Bits } from '../../src/runtime/float16.js';

test('float16: every half value round-trips; float32 rounds to the nearest half (ties to even)', () => {
  for (let h = 0; h < 0x10000; h++) {
    const v = fromFloat16Bits(h);
    if (Number.isNaN(v)) { assert.ok(Number.isNaN(fromFloat16Bits(toFloat16Bits(v)))); continue; }
    assert.equal(toFloat16Bits(v), h, `0x${h.toString(16)}`);
  }
  // Midpoints between neighbours go to the even one; just above goes up.
  for (const h of [0x3c00, 0x3c01, 0x0001, 0x0400, 0x7bfe]) {
    const mid = (fromFloat16Bits(h) + fromFloat16Bits(h + 1)) / 2;
    assert.equal(toFloat16Bits(mid), h % 2 === 0 ? h : h + 1, `tie at 0x${h.toString(16)}`);
    assert.equal(toFloat16Bits(mid + fromFloat16Bits(h) * 2 ** -20), h + 1);
  }
  assert.equal(toFloat16Bits(70000), 0x7c00);
  assert.equal(toFloat16Bits(-1e-9), 0x8000);
  assert.equal(fromFloat16Bits(toFloat16Bits(0.1)), 0.0999755859375);
  const a = new Float32Array([1.5, -2.25, 65504, 6e-8]);
  assert.deepEqual([...float16ToFloat32(float32ToFloat16(a))], [1.5, -2.25, 65504, fromFloat16Bits(1)]);
});
