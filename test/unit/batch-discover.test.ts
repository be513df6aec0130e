import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { discoverImages, MissingInputError, outputStems, sniffImageType } from '../../src/batch/discover.js';

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
const WEBP = Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1');

test('image types are told by their first bytes, not by the name', () => {
  assert.equal(sniffImageType(JPEG), 'jpeg');
  assert.equal(sniffImageType(PNG), 'png');
  assert.equal(sniffImageType(WEBP), 'webp');
  assert.equal(sniffImageType(Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt ', 'latin1')), null);
  assert.equal(sniffImageType(Buffer.from('hello')), null);
  assert.equal(sniffImageType(new Uint8Array(0)), null);
});

test('folders are searched recursively, in code-unit order, skipping non-images and hidden entries', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'samkit-discover-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'sub', 'deeper'), { recursive: true });
  mkdirSync(path.join(dir, '.hidden'));
  writeFileSync(path.join(dir, 'b.jpg'), JPEG);
  writeFileSync(path.join(dir, 'B.png'), PNG);
  writeFileSync(path.join(dir, 'photo.dat'), WEBP); // an image despite its name
  writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
  writeFileSync(path.join(dir, 'empty.jpg'), '');
  writeFileSync(path.join(dir, 'sub', 'a.jpg'), JPEG);
  writeFileSync(path.join(dir, 'sub', 'deeper', 'z.png'), PNG);
  writeFileSync(path.join(dir, '.hidden', 'x.jpg'), JPEG);
  writeFileSync(path.join(dir, '.DS_Store'), 'x');
  const { images, skipped } = await discoverImages([dir]);
  assert.deepEqual(images.map((i) => i.rel), ['B.png', 'b.jpg', 'photo.dat', 'sub/a.jpg', 'sub/deeper/z.png']);
  assert.deepEqual(images.map((i) => i.type), ['png', 'jpeg', 'webp', 'jpeg', 'png']);
  assert.deepEqual(skipped.map((s) => path.basename(s.path)).sort(), ['empty.jpg', 'notes.txt']);
  // Files named on the command line count too; a missing path is a usage error.
  const withoutSub = await discoverImages([dir], [path.join(dir, 'sub')]);
  assert.deepEqual(withoutSub.images.map((i) => i.rel), ['B.png', 'b.jpg', 'photo.dat'], 'excluded paths are not entered');
  const single = await discoverImages([path.join(dir, 'sub', 'a.jpg')]);
  assert.deepEqual(single.images.map((i) => i.rel), ['a.jpg']);
  await assert.rejects(discoverImages([path.join(dir, 'nope')]), MissingInputError);
});

test('output names drop the extension unless two images would collide', () => {
  assert.deepEqual(outputStems(['a.jpg', 'a.png', 'b.jpg', 'sub/a.jpg', 'noext']), ['a.jpg', 'a.png', 'b', 'sub/a', 'noext']);
});
