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

test('a graph with float16 inputs and outputs runs with float32 feeds and results (fp16 exports without keep_io_types)', async () => {
  const { GraphBuilder } = await import('../../src/model/onnx-builder.js');
  const { createSession } = await import('../../src/model/session-cache.js');
  const ort = (await import('onnxruntime-node')).default;
  // y = x * 2 computed in float16 (Cast in, Mul, stays float16 out); z = x as float32 beside it.
  const g = new GraphBuilder('t');
  const x = g.input('x', [4], 'float16');
  const two = g.o('Cast', [g.scalar(2)], { to: 10 });
  g.output(g.o('Mul', [x, two]), 'y', [4], 'float16');
  g.output(g.o('Cast', [x], { to: 1 }), 'z', [4]);
  const session = await createSession(g.build(), 1, 'fp16 test graph');
  const out = await session.run({ x: new ort.Tensor('float32', new Float32Array([1, 0.1, -3.5, 1000]), [4]) });
  assert.equal(out.y.type, 'float32');
  assert.deepEqual([...(out.y.data as Float32Array)], [2, fromFloat16Bits(toFloat16Bits(0.1)) * 2, -7, 2000]);
  assert.deepEqual([...(out.z.data as Float32Array)], [1, fromFloat16Bits(toFloat16Bits(0.1)), -3.5, 1000]);
  assert.deepEqual(session.inputNames, ['x'], 'the rest of the session is the session');
});
