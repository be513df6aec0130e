/** The Everything panel's progress line (web/src/auto-progress.ts): encoding is named, batches counted, the clock is real. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoProgressView } from '../../web/src/auto-progress.js';

test('one crop: encoding first (not "batch 0 of 16"), then batches, then the merge', () => {
  const start = { cropsDone: 0, cropsTotal: 1, batchesDone: 0, batchesTotal: 16 };
  const first = autoProgressView(start, null, 2400);
  assert.equal(first.phase, 'encoding');
  assert.equal(first.text, 'Encoding the image… · 2 s');
  assert.doesNotMatch(first.text, /batch 0/i);
  const b3 = autoProgressView({ ...start, batchesDone: 3 }, { ...start, batchesDone: 2 }, 5100);
  assert.equal(b3.text, 'Batch 3 of 16 · 5 s');
  assert.equal(b3.fraction, 3 / 16);
  const done = autoProgressView({ cropsDone: 1, cropsTotal: 1, batchesDone: 16, batchesTotal: 16 }, { ...start, batchesDone: 16 }, 9000);
  assert.equal(done.phase, 'finishing');
});

test('crop layers: each new crop is encoded, batches name their crop', () => {
  const a = { cropsDone: 0, cropsTotal: 5, batchesDone: 16, batchesTotal: 36 };
  const next = { ...a, cropsDone: 1 };
  assert.equal(autoProgressView(next, a, 1000).text, 'Encoding the image (crop 2 of 5)… · 1 s');
  assert.equal(autoProgressView({ ...next, batchesDone: 17 }, next, 1999).text, 'Crop 2 of 5 · batch 17 of 36 · 1 s');
});
