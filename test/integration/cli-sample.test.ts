/**
 * The CLI on the sample image shipped in the repo (samples/chelsea.png), so these run without the
 * reference data: compressed RLE output, and usage errors exiting 2 before any work is done.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
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
