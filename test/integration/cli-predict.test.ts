/** `samkit predict` as a user runs it: JSON on stdout or --out, overlay PNG, logits round trip, bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { rleToMask, type UncompressedRle } from '../../src/core/rle.js';
import { bufferIou, HAS_REFERENCE, NO_REFERENCE_MESSAGE, PROJECT_ROOT, readFixture, referenceImage, SAMPLE_IMAGE } from '../helpers/reference.js';

const BIN = path.join(PROJECT_ROOT, 'bin', 'samkit.js');
function samkit(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
}
const skip = !HAS_REFERENCE && NO_REFERENCE_MESSAGE;

test('predict on the sample image: JSON masks, --out, --overlay, --save-logits fed back as --mask-input', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'samkit-cli-'));
  const r = samkit(['predict', SAMPLE_IMAGE, '--point', '170,115,1', '--save-logits', path.join(dir, 'best.npy'), '--overlay', path.join(dir, 'o.png')]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.image, { width: 451, height: 300 });
  assert.equal(out.masks.length, 3);
  for (const m of out.masks as Array<{ segmentation: UncompressedRle; score: number; area: number; bbox: number[] }>) {
    const mask = rleToMask(m.segmentation);
    assert.deepEqual([mask.width, mask.height], [451, 300]);
    assert.equal(mask.area, m.area);
    assert.deepEqual(mask.bbox, m.bbox);
    assert.ok(m.score > 0 && m.score <= 1.2, `score ${m.score}`);
  }
  const best = rleToMask(out.masks[out.masks.reduce((b: number, m: { score: number }, k: number, all: Array<{ score: number }>) => (m.score > all[b].score ? k : b), 0)].segmentation);
  assert.equal(best.data[115 * 451 + 170], 1, 'the best mask covers the point');
  const meta = await sharp(path.join(dir, 'o.png')).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 451, 300]);
  const refine = samkit(['predict', SAMPLE_IMAGE, '--point', '170,115,1', '--point', '280,115,1', '--single-mask', '--mask-input', path.join(dir, 'best.npy'), '--out', path.join(dir, 'r.json')]);
  assert.equal(refine.status, 0, refine.stderr);
  assert.equal(refine.stdout, '');
  const refined = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8'));
  assert.equal(refined.masks.length, 1);
  assert.ok(rleToMask(refined.masks[0].segmentation).area > 0);
});

test('predict matches the official outputs on truck (reference fixtures)', { skip }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'samkit-cli-'));
  const img = referenceImage('truck');
  const fx = readFixture<{ cases: Array<{ id: string; masks: UncompressedRle[]; scores: number[] }> }>('predictor_truck.json');
  const r = samkit(['predict', img, '--point', '500,375,1', '--save-logits', path.join(dir, 'best.npy'), '--overlay', path.join(dir, 'o.png')]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.image, { width: 1800, height: 1200 });
  assert.equal(out.masks.length, 3);
  const ref = fx.cases.find((c) => c.id === 'point_multi')!;
  out.masks.forEach((m: { segmentation: UncompressedRle; score: number; area: number; bbox: number[] }, k: number) => {
    const mask = rleToMask(m.segmentation);
    assert.equal(mask.area, m.area);
    assert.deepEqual(mask.bbox, m.bbox);
    assert.ok(bufferIou(mask.data, rleToMask(ref.masks[k]).data) >= 0.98);
    assert.ok(Math.abs(m.score - ref.scores[k]) < 0.005);
  });
  const meta = await sharp(path.join(dir, 'o.png')).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 1800, 1200]);
  const refine = samkit(['predict', img, '--point', '500,375,1', '--point', '1125,625,1', '--single-mask', '--mask-input', path.join(dir, 'best.npy'), '--out', path.join(dir, 'r.json')]);
  assert.equal(refine.status, 0, refine.stderr);
  assert.equal(refine.stdout, '');
  const refined = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8'));
  const refRefine = fx.cases.find((c) => c.id === 'refine_with_mask_input')!;
  assert.equal(refined.masks.length, 1);
  assert.ok(bufferIou(rleToMask(refined.masks[0].segmentation).data, rleToMask(refRefine.masks[0]).data) >= 0.98);
});

test('bad input: one-line message, non-zero exit, nothing written', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'samkit-bad-'));
  const img = SAMPLE_IMAGE;
  writeFileSync(path.join(dir, 'text.png'), 'not an image');
  writeFileSync(path.join(dir, 'small.npy'), Buffer.alloc(12));
  const cases: Array<[string[], RegExp]> = [
    [[path.join(dir, 'missing.jpg'), '--point', '1,1'], /cannot read image .*missing\.jpg: no such file/],
    [[path.join(dir, 'text.png'), '--point', '1,1'], /cannot decode .*text\.png/],
    [[img, '--point', '10,10,5'], /label must be 1 \(foreground\) or 0/],
    [[img, '--point', 'abc'], /--point expects x,y/],
    [[img, '--point', '100000,10'], /outside the image/],
    [[img, '--box', '1,2,3'], /--box expects/],
    [[img, '--box', '50,50,10,10'], /x1 < x0/],
    [[img, '--point', '1,1', '--mask-input', path.join(dir, 'small.npy')], /--mask-input .*small\.npy/],
    [[img], /give at least one --point/],
    [[img, '--point', '1,1', '--frobnicate'], /unknown option '--frobnicate'/],
  ];
  for (const [args, re] of cases) {
    const out = path.join(dir, 'out.json');
    const r = samkit(['predict', ...args, '--out', out]);
    assert.notEqual(r.status, 0, `${args.join(' ')} exited 0`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    assert.match(lines[0], re);
    assert.ok(!existsSync(out), `output written for ${args.join(' ')}`);
  }
});
