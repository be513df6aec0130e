import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidPromptError } from '../../src/core/errors.js';
import { needsOnePassPerPhrase, phraseOf } from '../../src/text/grounding-dino.js';
import { nmsPerLabel } from '../../src/text/nms.js';
import { parsePhrases } from '../../src/text/phrases.js';

test('phrases: split on ".", trimmed, lower-cased, distinct, trailing "." optional', () => {
  assert.deepEqual(parsePhrases('Dog. red  Car.'), ['dog', 'red car']);
  assert.deepEqual(parsePhrases('dog. dog . cat'), ['dog', 'cat']);
  assert.throws(() => parsePhrases(' . .'), InvalidPromptError);
  assert.throws(() => parsePhrases(''), InvalidPromptError);
});

test('Grounding DINO labels map back to the phrase their tokens came from', () => {
  const phrases = ['dog', 'red car', 'traffic light'];
  assert.equal(phraseOf('red car', phrases), 'red car');
  assert.equal(phraseOf('car', phrases), 'red car');
  assert.equal(phraseOf('traffic', phrases), 'traffic light');
  assert.equal(phraseOf('', phrases), null);
  assert.equal(phraseOf('bicycle', phrases), null);
  assert.equal(needsOnePassPerPhrase('onnx-community/grounding-dino-tiny-ONNX'), true);
  assert.equal(needsOnePassPerPhrase('IDEA-Research/grounding-dino-tiny'), false);
});

test('NMS runs within a label only', () => {
  const d = (label: string, score: number, x: number) => ({ label, score, box: [x, 0, x + 10, 10] as [number, number, number, number] });
  const kept = nmsPerLabel([d('a', 0.9, 0), d('a', 0.8, 1), d('b', 0.7, 1), d('a', 0.6, 20)], 0.5);
  assert.deepEqual(kept.map((k) => [k.label, k.score]), [['a', 0.9], ['b', 0.7], ['a', 0.6]]);
});
