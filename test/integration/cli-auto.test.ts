/** `samkit auto` as a user runs it: JSON records on stdout or --out, overlay PNG, output modes, bad flags. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { rleToMask, type CompressedRle, type UncompressedRle } from '../../src/core/rle.js';
import { PROJECT_ROOT, SAMPLE_IMAGE } from '../helpers/reference.js';

const BIN = path.join(PROJECT_ROOT, 'bin', 'samkit.js');
function samkit(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
}

test('auto writes official records to --out and an overlay; stdout without --out; coco_rle strings (sample image)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'samkit-auto-'));
  const img = SAMPLE_IMAGE;
  const r = samkit(['auto', img, '--points-per-side', '4', '--out', path.join(dir, 'a.json'), '--overlay', path.join(dir, 'a.png')]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^(samkit auto: batch \d+\/\d+, crop \d+\/\d+, .*\n)+$/, 'only progress lines on stderr outside a terminal');
  const recs = JSON.parse(readFileSync(path.join(dir, 'a.json'), 'utf8'));
  assert.ok(Array.isArray(recs) && recs.length > 0);
  for (const rec of recs) {
    assert.deepEqual(Object.keys(rec), ['segmentation', 'area', 'bbox', 'predicted_iou', 'point_coords', 'stability_score', 'crop_box']);
    const seg = rec.segmentation as UncompressedRle;
    assert.deepEqual(seg.size, [300, 451]);
    assert.ok(Array.isArray(seg.counts));
    const m = rleToMask(seg);
    assert.equal(m.area, rec.area);
    assert.deepEqual(m.bbox, rec.bbox);
    assert.deepEqual(rec.crop_box, [0, 0, 451, 300]);
    assert.ok(rec.predicted_iou > 0.88 && rec.stability_score >= 0.95);
  }
  const meta = await sharp(path.join(dir, 'a.png')).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 451, 300]);

  const coco = samkit(['auto', img, '--points-per-side', '4', '--output-mode', 'coco_rle']);
  assert.equal(coco.status, 0, coco.stderr);
  const crecs = JSON.parse(coco.stdout);
  assert.equal(crecs.length, recs.length);
  crecs.forEach((c: { segmentation: CompressedRle }, i: number) => {
    assert.equal(typeof c.segmentation.counts, 'string');
    assert.deepEqual(rleToMask(c.segmentation).data, rleToMask(recs[i].segmentation).data);
  });
});

test('bad flags: one-line message, exit 2, nothing written', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'samkit-auto-bad-'));
  const img = SAMPLE_IMAGE;
  const out = ['--out', path.join(dir, 'x.json'), '--overlay', path.join(dir, 'x.png')];
  const cases: Array<[string[], RegExp]> = [
    [['--points-per-side', '0'], /--points-per-side expects an integer/],
    [['--points-per-side', 'many'], /--points-per-side/],
    [['--points-per-batch', '-3'], /--points-per-batch/],
    [['--pred-iou-thresh', '1.5'], /--pred-iou-thresh expects a number in \[0, 1\], got '1.5'/],
    [['--stability-score-thresh', 'x'], /--stability-score-thresh/],
    [['--stability-score-offset', '-1'], /--stability-score-offset expects a number >= 0/],
    [['--box-nms-thresh', '2'], /--box-nms-thresh/],
    [['--crop-n-layers', '-1'], /--crop-n-layers/],
    [['--crop-nms-thresh', '-0.5'], /--crop-nms-thresh/],
    [['--crop-overlap-ratio', '1'], /--crop-overlap-ratio must be a number in \[0, 1\)/],
    [['--crop-n-points-downscale-factor', '0'], /--crop-n-points-downscale-factor/],
    [['--points-per-side', '2', '--crop-n-layers', '2', '--crop-n-points-downscale-factor', '2'], /leaves no points/],
    [['--min-mask-region-area', '-4'], /--min-mask-region-area/],
    [['--output-mode', 'png'], /--output-mode expects one of binary_mask, uncompressed_rle, coco_rle/],
    [['--no-such-flag'], /unknown option/],
  ];
  for (const [flags, message] of cases) {
    const r = samkit(['auto', img, ...flags, ...out]);
    assert.equal(r.status, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${flags.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
  }
  const missing = samkit(['auto', path.join(dir, 'missing.jpg'), ...out]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read image .*missing\.jpg: no such file/);
  assert.deepEqual(readdirSync(dir), []);
  assert.equal(existsSync(path.join(dir, 'x.json')), false);
});
