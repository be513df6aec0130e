import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidPromptError } from '../../src/core/errors.js';
import { decoderPointCount, encodePrompts, validatePrompt } from '../../src/core/prompt.js';

const IMAGE = { width: 1800, height: 1200 };

test('points get a padding point with label -1; a box becomes corners labelled 2 and 3', () => {
  const e = encodePrompts([{ pointCoords: [[500, 375]], pointLabels: [1] }], IMAGE, 1024, 256);
  assert.equal(e.numPoints, 2);
  assert.deepEqual([...e.pointLabels], [1, -1]);
  assert.deepEqual([e.pointCoords[2], e.pointCoords[3]], [0, 0]);
  assert.equal(e.hasMaskInput, false);
  const b = encodePrompts([{ box: [75, 275, 1725, 850], pointCoords: [[575, 750]], pointLabels: [0] }], IMAGE, 1024, 256);
  assert.deepEqual([...b.pointLabels], [0, 2, 3]);
  assert.ok(Math.abs(b.pointCoords[4] - 1725 * 1024 / 1800) < 1e-3);
  assert.ok(Math.abs(b.pointCoords[5] - 850 * 683 / 1200) < 1e-3);
});

test('batches share a point count; mask inputs are copied per prompt', () => {
  const m = new Float32Array(16).fill(2);
  const e = encodePrompts([
    { pointCoords: [[1, 2]], pointLabels: [1], maskInput: m },
    { pointCoords: [[3, 4]], pointLabels: [0], maskInput: m },
  ], IMAGE, 1024, 4);
  assert.equal(e.batch, 2);
  assert.equal(e.hasMaskInput, true);
  assert.equal(e.maskInput.length, 32);
  assert.throws(() => encodePrompts([{ pointCoords: [[1, 2], [3, 4]], pointLabels: [1, 1] }, { box: [0, 0, 5, 5] }], IMAGE, 1024, 4), InvalidPromptError);
  // Same decoder point count: one point + padding and a box mix freely.
  assert.deepEqual([...encodePrompts([{ pointCoords: [[1, 2]], pointLabels: [1] }, { box: [0, 0, 5, 5] }], IMAGE, 1024, 4).pointLabels], [1, -1, 2, 3]);
  assert.equal(decoderPointCount({ box: [0, 0, 1, 1] }), 2);
});

test('validation names the problem', () => {
  const bad: Array<[object, RegExp]> = [
    [{ pointCoords: [[10, 10]], pointLabels: [5] }, /labels must be 1 \(foreground\) or 0/],
    [{ pointCoords: [[10, 10], [20, 20]], pointLabels: [1] }, /2 point\(s\) but 1 label/],
    [{ pointCoords: [[1e5, 10]], pointLabels: [1] }, /outside the image/],
    [{ pointCoords: [[Number.NaN, 10]], pointLabels: [1] }, /must be \[x, y\] numbers/],
    [{ box: [1, 2, 3] }, /box must be \[x0, y0, x1, y1\]/],
    [{ box: [50, 50, 10, 10] }, /x1 < x0/],
    [{ maskInput: new Float32Array(10) }, /256x256/],
    [{}, /at least one point/],
  ];
  for (const [p, re] of bad) assert.throws(() => validatePrompt(p, IMAGE, 256), (e: unknown) => e instanceof InvalidPromptError && re.test((e as Error).message));
  validatePrompt({ pointCoords: [[0, 0], [1800, 1200]], pointLabels: [1, 0] }, IMAGE, 256);
});
