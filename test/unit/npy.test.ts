import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeNpyFloat32, encodeNpyFloat32 } from '../../src/io/npy.js';

test('npy float32 round trip with a 64-byte aligned header', () => {
  const data = Float32Array.from({ length: 24 }, (_, i) => i * 0.5 - 3);
  const bytes = encodeNpyFloat32(data, [2, 3, 4]);
  const headerEnd = bytes.length - data.length * 4;
  assert.equal(headerEnd % 64, 0);
  assert.match(new TextDecoder().decode(bytes.subarray(10, headerEnd)), /'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3, 4\)/);
  const back = decodeNpyFloat32(bytes);
  assert.deepEqual(back.shape, [2, 3, 4]);
  assert.deepEqual([...back.data], [...data]);
});

test('npy rejects other files and dtypes', () => {
  assert.throws(() => decodeNpyFloat32(new Uint8Array(20)), /not a \.npy/);
  const bytes = encodeNpyFloat32(new Float32Array(2), [2]);
  const at = new TextDecoder('latin1').decode(bytes).indexOf('<f4');
  bytes[at + 1] = 'i'.charCodeAt(0);
  assert.throws(() => decodeNpyFloat32(bytes), /dtype <i4/);
});
