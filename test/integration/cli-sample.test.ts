/**
 * The CLI on the sample image shipped in the repo (samples/chelsea.png), so these run without the
 * reference data: compressed RLE output, and usage errors exiting 2 before any work is done.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { decompressRle, rleToMask, type CompressedRle, type UncompressedRle } from '../../src/core/rle.js';
import { PROJECT_ROOT } from '../helpers/reference.js';

const BIN = path.join(PROJECT_ROOT, 'bin', 'samkit.js');
const SAMPLE = path.join(PROJECT_ROOT, 'samples', 'chelsea.png');

function samkit(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
}

test('predict --rle coco prints pycocotools strings for the same masks as the default uncompressed RLE', () => {
  const plain = samkit(['predict', SAMPLE, '--point', '170,115']);
  assert.equal(plain.status, 0, plain.stderr);
  const coco = samkit(['predict', SAMPLE, '--point', '170,115', '--rle', 'coco']);
  assert.equal(coco.status, 0, coco.stderr);
  const a = JSON.parse(plain.stdout).masks as Array<{ segmentation: UncompressedRle }>;
  const b = JSON.parse(coco.stdout).masks as Array<{ segmentation: CompressedRle }>;
  assert.equal(b.length, 3);
  b.forEach((m, k) => {
    assert.equal(typeof m.segmentation.counts, 'string');
    assert.deepEqual(rleToMask(decompressRle(m.segmentation)).data, rleToMask(a[k].segmentation).data);
  });
  assert.ok(coco.stdout.length * 2 < plain.stdout.length, 'compressed output is much smaller');
});

test('usage errors exit 2 with one line and write nothing', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'samkit-usage-'));
  const out = path.join(dir, 'out');
  const cases: Array<[string[], RegExp]> = [
    [['predict', SAMPLE, '--out', out], /give at least one --point/],
    [['predict', SAMPLE, '--point', '1,1', '--rle', 'zip', '--out', out], /--rle must be uncompressed or coco/],
    [['annotate', path.dirname(SAMPLE), '--out', out, '--format', 'sa1b', '--polygons'], /--polygons cannot be used with --format sa1b/],
    [['app', '--port', 'x'], /--port expects an integer/],
  ];
  for (const [args, re] of cases) {
    const r = samkit(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], re);
    assert.ok(!existsSync(out));
  }
});

test('auto reports progress on stderr outside a terminal (lines, --json lines, nothing with --quiet)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'samkit-auto-progress-'));
  const base = ['auto', SAMPLE, '--points-per-side', '4', '--out'];
  const lines = samkit([...base, path.join(dir, 'a.json')]);
  assert.equal(lines.status, 0, lines.stderr);
  assert.match(lines.stderr, /^samkit auto: batch (\d+)\/\1, crop 1\/1, /m, 'the last batch is reported');
  const json = samkit([...base, path.join(dir, 'b.json'), '--json']);
  assert.equal(json.status, 0, json.stderr);
  const events = json.stderr.trim().split('\n').map((l) => JSON.parse(l) as { event: string; batchesDone: number; batchesTotal: number });
  const last = events[events.length - 1];
  assert.equal(last.event, 'progress');
  assert.equal(last.batchesDone, last.batchesTotal);
  const quiet = samkit([...base, path.join(dir, 'c.json'), '--quiet']);
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.equal(quiet.stderr, '');
  assert.ok(existsSync(path.join(dir, 'c.json')));
});

test('annotate --format coco,yolo,sa1b writes each format into one folder, the same bytes as one run per format', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'samkit-formats-'));
  const images = path.join(dir, 'images');
  mkdirSync(images);
  copyFileSync(SAMPLE, path.join(images, 'cat.png'));
  const common = ['annotate', images, '--points-per-side', '4', '--quiet'];
  const both = samkit([...common, '--format', 'coco,yolo,sa1b', '--out', path.join(dir, 'all')]);
  assert.equal(both.status, 0, both.stderr);
  const coco = samkit([...common, '--format', 'coco', '--out', path.join(dir, 'one.json')]);
  assert.equal(coco.status, 0, coco.stderr);
  const yolo = samkit([...common, '--format', 'yolo', '--out', path.join(dir, 'yolo-one')]);
  assert.equal(yolo.status, 0, yolo.stderr);
  assert.deepEqual(readFileSync(path.join(dir, 'all', 'coco.json')), readFileSync(path.join(dir, 'one.json')));
  for (const f of ['data.yaml', 'classes.txt', 'labels/cat.txt']) {
    assert.deepEqual(readFileSync(path.join(dir, 'all', 'yolo', f)), readFileSync(path.join(dir, 'yolo-one', f)), f);
  }
  assert.ok(existsSync(path.join(dir, 'all', 'sa1b', 'cat.json')));
  const bad = samkit([...common, '--format', 'coco,xml', '--out', path.join(dir, 'never')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--format must be one or more of coco, sa1b, png, yolo, labelme \(comma-separated\), got 'xml'/);
  assert.equal(existsSync(path.join(dir, 'never')), false);
});
